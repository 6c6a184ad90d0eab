import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CATALOGUE } from '@watchpost/shared';
import type { DataSource } from 'typeorm';
import type { ApiPrincipal } from '../auth/api-tokens.service.js';
import { ApiError } from '../auth/auth.errors.js';
import { createHubDataSource, openAndMigrate } from '../persistence/data-source.js';
import {
  createThrowawayDatabase,
  migratedThrowawayDatabase,
  type ThrowawayDatabase,
} from '../persistence/throwaway-database.js';
import { PostureRulesService } from './posture-rules.service.js';
import { SeverityOverrideEntity } from './severity-override.entity.js';
import { OverrideErrorCode, SeverityOverridesService } from './severity-overrides.service.js';

const operator: ApiPrincipal = { tokenId: 't', name: 'ops', role: 'operator' };

// Two hub processes on one PostgreSQL, each asked at the same moment to create the same override (a retried
// request, two operators): one is created, the other is refused as existing, never two active in one scope.
describe('severity overrides with two hub replicas on one PostgreSQL', () => {
  let db: ThrowawayDatabase;
  const ds: DataSource[] = [];
  const now = new Date('2026-11-23T10:00:05.000Z');
  const clock = { now: () => now };

  beforeAll(async () => {
    db = await createThrowawayDatabase('postgres');
    for (let i = 0; i < 2; i++) ds.push(createHubDataSource(db.options));
    await openAndMigrate(ds[0]);
    await ds[1].initialize();
  });
  afterAll(async () => {
    for (const d of ds) if (d.isInitialized) await d.destroy();
    await db?.drop();
  });

  it('the same override created on both at once: one created, one refused with override_exists', async () => {
    const services = ds.map((d) => new SeverityOverridesService(d, new PostureRulesService(d, clock), clock));
    const checks = CATALOGUE.slice(0, 8).map((c) => c.id);
    for (const checkId of checks) {
      const body = {
        checkId,
        scope: { kind: 'platform' as const, platform: 'aks-hci' as const },
        severity: 'critical' as const,
        reason: 'raised for the audit',
      };
      const settled = await Promise.allSettled(services.map((s) => s.create(operator, body)));
      const created = settled.filter((r) => r.status === 'fulfilled');
      const refused = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(created).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expect(refused[0]).toBeInstanceOf(ApiError);
      expect((refused[0] as ApiError).getResponse()).toMatchObject({
        error: { code: OverrideErrorCode.Exists },
      });
    }
    const rows = await ds[0].getRepository(SeverityOverrideEntity).find();
    expect(rows).toHaveLength(checks.length);
  });
});

// An expired override given a new expiry is active again: not while another active one holds its scope.
describe.each(['sqlite', 'postgres'] as const)('an expired severity override brought back (%s)', (kind) => {
  let ds: DataSource;
  let closeDb: (() => Promise<void>) | undefined;
  const now = new Date('2026-11-23T10:00:05.000Z');
  const clock = { now: () => now };

  beforeAll(async () => {
    ({ ds, close: closeDb } = await migratedThrowawayDatabase(kind));
  });
  afterAll(async () => {
    await closeDb?.();
  });

  it('is refused with override_exists while a newer one is active, and allowed once that one is revoked', async () => {
    const svc = new SeverityOverridesService(ds, new PostureRulesService(ds, clock), clock);
    const body = {
      checkId: 'netpol-imds-egress',
      scope: { kind: 'fleet' as const },
      severity: 'low' as const,
      reason: 'accepted for the lab fleet',
    };
    const day = 86_400_000;
    const old = await svc.create(operator, {
      ...body,
      expiresAt: new Date(now.getTime() + day).toISOString(),
    });
    now.setTime(now.getTime() + 2 * day);
    expect((await svc.get(old.id)).status).toBe('expired');
    const newer = await svc.create(operator, body);
    const later = new Date(now.getTime() + 30 * day).toISOString();
    const revived = svc.update(operator, old.id, { expiresAt: later });
    await expect(revived).rejects.toBeInstanceOf(ApiError);
    await expect(revived).rejects.toMatchObject({
      response: { error: { code: OverrideErrorCode.Exists, message: expect.stringContaining(newer.id) } },
    });
    expect((await svc.get(old.id)).status).toBe('expired');
    // Changing the active one's expiry is no clash with itself; once it is revoked, the old one may come back.
    expect((await svc.update(operator, newer.id, { expiresAt: later })).expiresAt).toBe(later);
    await svc.revoke(operator, newer.id, 'replaced');
    expect((await svc.update(operator, old.id, { expiresAt: later })).status).toBe('active');
  });
});
