import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../auth/auth.errors.js';
import { ApiErrorCode } from './validation.js';

/**
 * Opaque keyset cursors: base64url of `[kind, ...sortKey]`. Keyset (not offset) pagination stays stable while
 * ingest writes: a page never repeats or skips a row that existed through the whole walk. The kind tag stops a
 * findings cursor from being replayed against another list.
 */
export function encodeCursor(kind: string, key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify([kind, ...key]), 'utf8').toString('base64url');
}

/** The sort key inside a cursor, or a 400 naming the parameter. */
export function decodeCursor(
  kind: string,
  cursor: string,
  shape: readonly ('string' | 'number')[],
): (string | number)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed[0] !== kind ||
    parsed.length !== shape.length + 1 ||
    !shape.every((t, i) => typeof parsed[i + 1] === t)
  ) {
    throw new ApiError(
      HttpStatus.BAD_REQUEST,
      ApiErrorCode.InvalidCursor,
      'query parameter "cursor": not a cursor of this list; pass back the "nextCursor" value of the previous page unchanged',
    );
  }
  return parsed.slice(1) as (string | number)[];
}
