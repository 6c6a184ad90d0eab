import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CATALOGUE } from '@watchpost/shared';
import type { DataSource } from 'typeorm';
import type { ApiPrincipal } from '../auth/api-tokens.service.js';
import { ApiError } from '../auth/auth.errors.js';
import { createHubDataSource, openAndMigrate } from '../persistence/data-source.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../persistence/throwaway-database.js';
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
