import { HttpStatus } from '@nestjs/common';
import { z } from 'zod';
import { ApiError } from '../auth/auth.errors.js';

/** Error codes of the REST API (beside the auth module's). */
export enum ApiErrorCode {
  InvalidParameter = 'invalid_parameter',
  InvalidBody = 'invalid_body',
  NotFound = 'not_found',
  InvalidCursor = 'invalid_cursor',
}

/** 400 naming the parameter and what is expected. */
export function invalidParameter(name: string, message: string): ApiError {
  return new ApiError(
    HttpStatus.BAD_REQUEST,
    ApiErrorCode.InvalidParameter,
    `query parameter "${name}": ${message}`,
  );
}

export function notFound(what: string): ApiError {
  return new ApiError(HttpStatus.NOT_FOUND, ApiErrorCode.NotFound, `${what} not found`);
}

/**
 * Parses query parameters with a zod object schema; unknown parameters are refused (a typo such as
 * `severty=high` must not silently return everything). The first problem becomes a 400 naming the parameter.
 */
export function parseQuery<S extends z.ZodObject>(schema: S, query: unknown): z.infer<S> {
  const q = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const known = new Set(Object.keys(schema.shape));
  for (const k of Object.keys(q)) {
    if (!known.has(k))
      throw invalidParameter(k, `unknown parameter; expected one of ${[...known].join(', ')}`);
    if (Array.isArray(q[k]))
      throw invalidParameter(k, 'given more than once; use a comma-separated list instead');
  }
  const r = schema.safeParse(q);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw invalidParameter(issue.path.map(String).join('.') || '?', issue.message);
}

/** Parses a JSON body; the first problem becomes a 400 naming the field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.map(String).join('.') || '(body)';
  throw new ApiError(
    HttpStatus.BAD_REQUEST,
    ApiErrorCode.InvalidBody,
    `body field "${field}": ${issue.message}`,
  );
}

/** `a,b,c` -> a list of allowed values, with a message naming the allowed set. */
export function csvEnum<T extends string>(values: readonly T[]) {
  return z
    .string()
    .transform((s, ctx) => {
      const parts = s
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p.length > 0);
      const bad = parts.filter((p) => !(values as readonly string[]).includes(p));
      if (bad.length || parts.length === 0) {
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(bad[0] ?? s)} is not one of ${values.join(', ')} (comma-separate several)`,
        });
        return z.NEVER;
      }
      return [...new Set(parts)] as T[];
    })
    .optional();
}

/** Comma-separated free strings (cluster names, check ids). */
export const csvStrings = z
  .string()
  .transform((s, ctx) => {
    const parts = s
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    if (parts.length === 0 || parts.length > 200 || parts.some((p) => p.length > 253)) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected 1 to 200 comma-separated names of at most 253 characters',
      });
      return z.NEVER;
    }
    return [...new Set(parts)];
  })
  .optional();

/** Page size: 1..max, default given. */
export function limitParam(def: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,12}$/, `must be an integer from 1 to ${max}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `must be an integer from 1 to ${max}`)
    .optional()
    .transform((n) => n ?? def);
}

/** `true` / `false`. */
export const boolParam = z
  .enum(['true', 'false'], { message: 'must be true or false' })
  .transform((s) => s === 'true')
  .optional();

/** An ISO-8601 time with offset. */
export const timeParam = z.iso
  .datetime({ offset: true, message: 'must be an ISO-8601 time such as 2026-11-23T10:00:00Z' })
  .optional();

/** Longest duration a query accepts: ten years (a CA's life); beyond it dates leave JavaScript's range. */
export const MAX_DURATION_DAYS = 3650;

/** `30m`, `6h`, `7d` -> milliseconds, from 1 minute to {@link MAX_DURATION_DAYS} days. */
export function durationParam(defMs: number) {
  const range = `must be a duration from 1m to ${MAX_DURATION_DAYS}d, such as 30m, 6h or 7d`;
  return z
    .string()
    .regex(/^\d{1,12}[mhd]$/, range)
    .transform(
      (s) =>
        Number(s.slice(0, -1)) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[s.slice(-1) as 'm' | 'h' | 'd'],
    )
    .refine((ms) => ms > 0 && ms <= MAX_DURATION_DAYS * 86_400_000, range)
    .optional()
    .transform((ms) => ms ?? defMs);
}

/** A whole number of days, 0..max (certificates expiring within N days). */
export function daysParam(max: number) {
  const range = `must be a whole number of days from 0 to ${max}`;
  return z
    .string()
    .regex(/^\d{1,12}$/, range)
    .transform(Number)
    .refine((n) => n <= max, range)
    .optional();
}
