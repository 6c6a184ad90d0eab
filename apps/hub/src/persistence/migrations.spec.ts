import type { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from '@jest/globals';
import { AgentEntity, ClusterEntity, FindingEntity, QuarantineEntity, ReportEntity } from './index.js';
import { createHubDataSource, HUB_MIGRATIONS, openAndMigrate } from './data-source.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from './throwaway-database.js';

async function existingTables(ds: DataSource): Promise<string[]> {
  const qr = ds.createQueryRunner();
  try {
    const found: string[] = [];
    for (const t of CORE_TABLES) if (await qr.hasTable(t)) found.push(t);
    return found;
  } finally {
    await qr.release();
  }
}

const CORE_TABLES = [
  'agents',
  'clusters',
  'enrollment_tokens',
  'findings',
  'issued_certificates',
  'quarantine',
  'reports',
];

describe.each(['sqlite', 'postgres'] as const)('hub migrations on %s', (kind) => {
  let db: ThrowawayDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it('apply on an empty database, match the entities, and revert completely', async () => {
    db = await createThrowawayDatabase(kind);
    const ds = createHubDataSource(db.options);
    try {
      const applied = await openAndMigrate(ds);
      expect(applied).toEqual(HUB_MIGRATIONS.map((m) => new m().name));
      expect(await openAndMigrate(ds)).toEqual([]);
      expect(await existingTables(ds)).toEqual(CORE_TABLES);

      // The entities must map onto the migrated schema: write and read one row of each kind through TypeORM.
      const at = '2026-11-23T10:00:00.000Z';
      await ds.getRepository(ClusterEntity).insert({
        name: 'hci-mgmt',
        platform: 'aks-hci',
        role: 'management',
        location: null,
        kubernetesVersion: '1.31.4',
        lastAgentId: 'hci-mgmt',
        lastSeq: 1,
        lastScannedAt: at,
        lastReceivedAt: at,
        clockSkewMs: 0,
        scores: { certificates: 80 },
        score: 80,
        summary: null,
        createdAt: at,
        updatedAt: at,
      });
      await ds
        .getRepository(AgentEntity)
        .insert({ id: 'hci-mgmt', clusterName: 'hci-mgmt', nodeName: null, enrolledAt: at });
      const agent = await ds.getRepository(AgentEntity).findOneByOrFail({ id: 'hci-mgmt' });
      expect(agent).toMatchObject({ revoked: false, status: 'unknown', droppedTotal: 0 });
      const f = await ds.getRepository(FindingEntity).save({
        clusterName: 'hci-mgmt',
        agentId: 'hci-mgmt',
        checkId: 'cert-expiry',
        resourceKey: 'Secret|ns|n|',
        resource: { kind: 'Secret', namespace: 'ns', name: 'n' },
        area: 'certificates',
        severity: 'high',
        outcome: 'fail',
        message: 'expired',
        evidence: { days: -1 },
        firstSeenAt: at,
        lastSeenAt: at,
        outcomeSince: at,
        resolvedAt: null,
        lastSeq: 1,
      });
      expect(typeof f.id).toBe('number');
      expect((await ds.getRepository(FindingEntity).findOneByOrFail({ id: f.id })).evidence).toEqual({
        days: -1,
      });
      await ds.getRepository(ReportEntity).insert({
        agentId: 'hci-mgmt',
        clusterName: 'hci-mgmt',
        seq: 1,
        runId: 'r',
        scannedAt: at,
        receivedAt: at,
        clockSkewMs: 0,
        agentVersion: '0.1.0',
        kubernetesVersion: null,
        summary: { pass: 0, fail: 1, warn: 0, error: 0, not_applicable: 0, byArea: {} },
        scores: {},
        score: null,
        resultCount: 1,
        collectorErrors: [],
        dropped: 0,
        appliedToPosture: true,
      });
      await expect(
        ds.getRepository(ReportEntity).insert({
          agentId: 'hci-mgmt',
          clusterName: 'hci-mgmt',
          seq: 1,
          runId: 'r2',
          scannedAt: at,
          receivedAt: at,
          clockSkewMs: 0,
          agentVersion: '0.1.0',
          kubernetesVersion: null,
          summary: { pass: 0, fail: 0, warn: 0, error: 0, not_applicable: 0, byArea: {} },
          scores: {},
          score: null,
          resultCount: 0,
          collectorErrors: [],
          dropped: 0,
          appliedToPosture: true,
        }),
      ).rejects.toThrow(/unique|UNIQUE/);
      await ds.getRepository(QuarantineEntity).insert({
        topic: 't',
        agentId: null,
        envelopeAgentId: null,
        seq: null,
        reason: 'malformed-json',
        detail: 'x',
        receivedAt: at,
        payloadBytes: 1,
        payloadExcerpt: 'eA==',
      });

      for (let i = 0; i < HUB_MIGRATIONS.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      expect(await existingTables(ds)).toEqual([]);
    } finally {
      if (ds.isInitialized) await ds.destroy();
    }
  });
});
