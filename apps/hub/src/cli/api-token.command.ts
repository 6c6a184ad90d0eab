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

/** `90d`, `12h`, `30m` -> milliseconds; a clear error otherwise. */
export function parseTtl(ttl: string): number {
  const m = /^(\d+)([dhm])$/.exec(ttl.trim());
  if (!m || Number(m[1]) <= 0)
    throw new Error(`--ttl must look like 90d, 12h or 30m (got ${JSON.stringify(ttl)})`);
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
  return Number(m[1]) * unit;
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
