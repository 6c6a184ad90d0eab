import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { ApiTokenEntity } from './api-token.entity.js';
import type { ApiRole } from './roles.js';

/** Prefix of every API token: lets secret scanners and people recognise a leaked one. */
export const API_TOKEN_PREFIX = 'wpt_';

/** Who is calling, once the guard has accepted the token. */
export interface ApiPrincipal {
  tokenId: string;
  name: string;
  role: ApiRole;
}

/** A freshly created token: `token` is the only time the secret is available. */
export interface CreatedApiToken {
  id: string;
  name: string;
  role: ApiRole;
  token: string;
  expiresAt: string | null;
}

/** Hex SHA-256 of a token string (tokens are 256 random bits, so a plain hash is enough; no salt needed). */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

// Recording last use on every request would turn each read into a write; once a minute is enough to
// answer "is this token still used?".
const LAST_USED_RESOLUTION_MS = 60_000;

/** Creates and verifies REST API bearer tokens (stored as SHA-256 hashes only). */
@Injectable()
export class ApiTokensService {
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(private readonly dataSource: DataSource) {}

  async create(opts: {
    role: ApiRole;
    name?: string;
    expiresAt?: Date;
    now?: Date;
  }): Promise<CreatedApiToken> {
    const now = opts.now ?? new Date();
    const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const row = new ApiTokenEntity();
    row.id = randomUUID();
    row.name = opts.name ?? `${opts.role}-${now.toISOString().slice(0, 10)}`;
    row.role = opts.role;
    row.tokenHash = hashApiToken(token);
    row.createdAt = now.toISOString();
    row.expiresAt = opts.expiresAt ? opts.expiresAt.toISOString() : null;
    row.revokedAt = null;
    row.lastUsedAt = null;
    await this.dataSource.getRepository(ApiTokenEntity).insert(row);
    return { id: row.id, name: row.name, role: row.role, token, expiresAt: row.expiresAt };
  }

  /** The principal for a presented token, or null when it is unknown, revoked or expired. */
  async verify(token: string, now: Date = new Date()): Promise<ApiPrincipal | null> {
    if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 256) return null;
    const repo = this.dataSource.getRepository(ApiTokenEntity);
    const row = await repo.findOne({ where: { tokenHash: hashApiToken(token), revokedAt: IsNull() } });
    if (!row) return null;
    if (row.expiresAt && Date.parse(row.expiresAt) <= now.getTime()) return null;
    const last = this.lastUsedWritten.get(row.id) ?? 0;
    if (now.getTime() - last >= LAST_USED_RESOLUTION_MS) {
      this.lastUsedWritten.set(row.id, now.getTime());
      await repo.update({ id: row.id }, { lastUsedAt: now.toISOString() });
    }
    return { tokenId: row.id, name: row.name, role: row.role };
  }

  async list(): Promise<Omit<ApiTokenEntity, 'tokenHash'>[]> {
    const rows = await this.dataSource
      .getRepository(ApiTokenEntity)
      .find({ order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(({ tokenHash: _hash, ...rest }) => rest);
  }

  /** Revokes a token by id; false when there is no such (unrevoked) token. */
  async revoke(id: string, now: Date = new Date()): Promise<boolean> {
    const res = await this.dataSource
      .getRepository(ApiTokenEntity)
      .update({ id, revokedAt: IsNull() }, { revokedAt: now.toISOString() });
    return (res.affected ?? 0) > 0;
  }
}
