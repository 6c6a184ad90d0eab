import { type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import {
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerOptions,
} from '@nestjs/throttler';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, AuthErrorCode } from './auth.errors.js';
import type { AuthenticatedRequest } from './auth.guard.js';

/** Metadata key of routes limited per client address instead of per API token (public enrollment). */
export const LIMIT_BY_ADDRESS_KEY = 'watchpost:limit-by-address';

/** Throttler names: `api` counts per API token on authenticated routes, `address` per client IP where marked. */
export const API_THROTTLER = 'api';
export const ADDRESS_THROTTLER = 'address';

/** Requests per minute per API token and per client address (enrollment); tests lower them. */
export interface HubRateLimits {
  perTokenPerMinute: number;
  perAddressPerMinute: number;
}

const MINUTE_MS = 60_000;

/**
 * The two fixed one-minute windows @nestjs/throttler keeps: one per API token (the principal the bearer guard
 * attached, so it runs after that guard), one per client address on routes marked `@LimitByAddress()`.
 * Routes that are neither (health, the CA certificate) are not limited. In memory, per hub process.
 */
export function hubThrottlers(limits: HubRateLimits): ThrottlerModuleOptions {
  const principalOf = (ctx: ExecutionContext) =>
    ctx.getType() === 'http' ? ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal : undefined;
  const byAddress = (ctx: ExecutionContext) =>
    ctx.getType() === 'http' && Reflect.getMetadata(LIMIT_BY_ADDRESS_KEY, ctx.getHandler()) === true;
  const throttlers: ThrottlerOptions[] = [
    {
      name: API_THROTTLER,
      ttl: MINUTE_MS,
      limit: limits.perTokenPerMinute,
      skipIf: (ctx) => principalOf(ctx) === undefined,
      getTracker: (req: Record<string, unknown>) =>
        (req as unknown as AuthenticatedRequest).principal?.tokenId ?? '',
    },
    {
      name: ADDRESS_THROTTLER,
      ttl: MINUTE_MS,
      limit: limits.perAddressPerMinute,
      skipIf: (ctx) => !byAddress(ctx),
      getTracker: (req: Record<string, unknown>) =>
        (req as unknown as IncomingMessage).socket.remoteAddress ?? 'unknown',
    },
  ];
  // Headers are set by the guard below (one Retry-After, not one per throttler name).
  return { throttlers, setHeaders: false };
}

/**
 * @nestjs/throttler's guard with the hub's error body (`{ error: { code: "rate_limited", message } }`), a plain
 * `Retry-After`, and one counter per tracker across all routes (the default key is per route).
 */
@Injectable()
export class HubRateLimitGuard extends ThrottlerGuard {
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const http = context.switchToHttp();
    const res = http.getResponse<ServerResponse>();
    const req = http.getRequest<AuthenticatedRequest>();
    const retry = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    res.setHeader('Retry-After', String(retry));
    const who = req.principal
      ? `with the token "${req.principal.name}"`
      : 'from this address (enrollment attempts)';
    throw new ApiError(
      HttpStatus.TOO_MANY_REQUESTS,
      AuthErrorCode.RateLimited,
      `too many requests ${who}: at most ${detail.limit} per minute; retry in ${retry} s`,
    );
  }
}
