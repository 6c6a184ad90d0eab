import type { DataSource } from 'typeorm';
import { ApiTokensService, type CreatedApiToken } from '../auth/api-tokens.service.js';
import { API_ROLES, parseRole } from '../auth/roles.js';

/**
 * `token create --role viewer|operator|admin [--name N] [--ttl 90d]` (API tokens). The `token create`
 * command itself belongs to hub-core's token command module, which calls this when `--enroll` is absent:
 * `--role` means the API role here and the cluster role with `--enroll`.
 */
export async function createApiToken(
  dataSource: DataSource,
  opts: { role?: string; name?: string; ttl?: string; now?: Date },
): Promise<CreatedApiToken> {
  const role = parseRole(opts.role);
  if (!role) {
    throw new Error(
      `--role must be one of ${API_ROLES.join(', ')} for an API token (got ${JSON.stringify(opts.role ?? null)}); use --enroll for an agent enrollment token`,
    );
  }
  if (opts.name !== undefined && (opts.name.length === 0 || opts.name.length > 128)) {
    throw new Error('--name must be 1 to 128 characters');
  }
  const now = opts.now ?? new Date();
  const expiresAt = opts.ttl ? new Date(now.getTime() + parseTtl(opts.ttl)) : undefined;
  return new ApiTokensService(dataSource).create({ role, name: opts.name, expiresAt, now });
}

/** Longest validity a token or credential may be created with: ten years, the life of the hub CA. */
export const MAX_TTL_DAYS = 3650;

/**
 * `90d`, `12h`, `30m` -> milliseconds, from 1 minute to {@link MAX_TTL_DAYS} days; otherwise an error naming the
 * flag, the accepted range and what was given.
 */
export function parseTtl(ttl: string, flag = '--ttl'): number {
  const m = /^(\d{1,12})([dhm])$/.exec(ttl.trim());
  const ms = m ? Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'] : NaN;
  if (!(ms >= 60_000 && ms <= MAX_TTL_DAYS * 86_400_000))
    throw new Error(
      `${flag} must be a duration from 1m to ${MAX_TTL_DAYS}d such as 90d, 12h or 30m (got ${JSON.stringify(ttl)})`,
    );
  return ms;
}

/**
 * What to print: the token alone on stdout (so `TOKEN=$(watchpost-hub token create --role viewer)` works),
 * the explanation on stderr. The token is never stored: this is the only time it is shown.
 */
export function printCreatedApiToken(t: CreatedApiToken): { stdout: string; stderr: string } {
  const expiry = t.expiresAt ? `expires ${t.expiresAt}` : 'does not expire';
  return {
    stdout: `${t.token}\n`,
    stderr: `API token "${t.name}" (id ${t.id}, role ${t.role}, ${expiry}). It is shown only once: store it now. Use it as "Authorization: Bearer <token>".\n`,
  };
}
