import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { ApiTokensService, hashApiToken } from '../auth/api-tokens.service.js';
import { ApiTokenEntity } from '../auth/api-token.entity.js';
import { migratedThrowawayDatabase } from '../persistence/throwaway-database.js';
import { createApiToken, parseTtl, printCreatedApiToken } from './api-token.command.js';

describe('token create --role (API tokens)', () => {
  let ds: DataSource;
  let closeDb: () => Promise<void>;
  const now = new Date('2026-11-23T12:00:00.000Z');

  beforeAll(async () => {
    ({ ds, close: closeDb } = await migratedThrowawayDatabase('sqlite'));
  });
  afterAll(() => closeDb());

  it('stores only the hash, prints the token alone on stdout, and the token verifies with its role', async () => {
    const created = await createApiToken(ds, { role: 'operator', name: 'ops-laptop', ttl: '90d', now });
    const row = await ds.getRepository(ApiTokenEntity).findOneByOrFail({ id: created.id });
    expect(row.tokenHash).toBe(hashApiToken(created.token));
    expect(JSON.stringify(row)).not.toContain(created.token.slice(4));
    expect(row.expiresAt).toBe('2027-02-21T12:00:00.000Z');
    const out = printCreatedApiToken(created);
    expect(out.stdout).toBe(`${created.token}\n`);
    expect(out.stderr).toContain('shown only once');
    expect(out.stderr).not.toContain(created.token);
    const svc = new ApiTokensService(ds);
    expect(await svc.verify(created.token, now)).toMatchObject({ role: 'operator', name: 'ops-laptop' });
    expect(await svc.verify(created.token, new Date('2027-02-22T00:00:00Z'))).toBeNull();
    expect(await svc.verify(created.token.slice(0, -1) + 'x', now)).toBeNull();
  });

  it('refuses a cluster role or a bad ttl with a message saying what to use', async () => {
    await expect(createApiToken(ds, { role: 'workload' })).rejects.toThrow(
      /--role must be one of viewer, operator, admin .*--enroll/,
    );
    await expect(createApiToken(ds, {})).rejects.toThrow(/--role must be one of/);
    expect(() => parseTtl('soon')).toThrow(/--ttl must be a duration from 1m to 3650d .*"soon"/);
    expect(parseTtl('12h')).toBe(12 * 3_600_000);
    expect(parseTtl('3650d')).toBe(3650 * 86_400_000);
    // Past the range (and past what a Date can hold): the flag, the range and the value, not "Invalid time value".
    for (const bad of ['99999999999d', '3651d', '0m', '-1d'])
      expect(() => parseTtl(bad)).toThrow(
        `--ttl must be a duration from 1m to 3650d such as 90d, 12h or 30m (got "${bad}")`,
      );
    await expect(createApiToken(ds, { role: 'viewer', ttl: '99999999999d' })).rejects.toThrow(
      /--ttl .* 3650d/,
    );
  });
});
