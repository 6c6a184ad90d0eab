import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { CATALOGUE, type Area, type Outcome, type Severity } from '@watchpost/shared';
import { generatedFleet, seedCertificateFacts, seedClusters } from '../api/testing/posture-seed.js';
import { loadHubConfig } from '../config/hub-config.js';
import { ExemptionEntity } from '../exemptions/exemption.entity.js';
import { exemptionScopeColumns } from '../exemptions/posture-rules.js';
import { PostureRulesService } from '../exemptions/posture-rules.service.js';
import { SeverityOverrideEntity } from '../exemptions/severity-override.entity.js';
import { IngestService } from '../ingest/ingest.service.js';
import { encodeEnvelope, sampleEnvelope } from '../ingest/sample-envelope.js';
import { createHubDataSource } from '../persistence/data-source.js';
import { migratedThrowawayDatabase, type ThrowawayDatabase } from '../persistence/throwaway-database.js';
import { ChecksQueryService } from './checks-query.service.js';
import { FleetSummaryService } from './fleet-summary.service.js';
import {
  COUNT_OUTCOMES,
  COUNT_SEVERITIES,
  countPosture,
  emptyPostureCounts,
  readPostureCounts,
} from './posture-counts.js';
import { reevaluateCluster } from './posture-writer.js';

const NOW = new Date('2026-11-23T12:00:00.000Z');

/** Every cluster's stored roll-up next to a live count of its findings. */
async function storedAndLive(ds: DataSource): Promise<{ stored: unknown; live: unknown }> {
  const rows = await ds.query<{ name: string; counts: string | null }[]>(
    `SELECT "name", "posture_counts" AS "counts" FROM "clusters" ORDER BY "name"`,
  );
  const live = await countPosture(
    ds,
    rows.map((r) => r.name),
  );
  return {
    stored: rows.map((r) => [r.name, readPostureCounts(r.counts)]),
    live: rows.map((r) => [r.name, live.get(r.name)]),
  };
}

/** Per catalogue check with findings, its fleet counts by outcome, as the check list gives them. */
function fleetCheckCounts(items: Awaited<ReturnType<ChecksQueryService['checks']>>): unknown {
  return items
    .filter((c) => COUNT_OUTCOMES.some((o) => c.fleet[o] > 0))
    .map((c) => [c.id, COUNT_OUTCOMES.map((o) => c.fleet[o])]);
}

/** The same from the rows: current (open or passing), counted (no exemption) findings of known clusters. */
async function liveCheckCounts(ds: DataSource): Promise<unknown> {
  const rows = await ds.query<{ checkId: string; outcome: Outcome; n: string | number }[]>(
    `SELECT f."check_id" AS "checkId", f."outcome", COUNT(*) AS "n" FROM "findings" f
     JOIN "clusters" c ON c."name" = f."cluster_name"
     WHERE f."exemption_source" IS NULL AND (f."resolved_at" IS NULL OR f."outcome" IN ('pass', 'not_applicable'))
     GROUP BY f."check_id", f."outcome"`,
  );
  return CATALOGUE.flatMap((c) => {
    const mine = rows.filter((r) => r.checkId === c.id);
    if (mine.length === 0) return [];
    return [[c.id, COUNT_OUTCOMES.map((o) => Number(mine.find((r) => r.outcome === o)?.n ?? 0))]];
  });
}

// The roll-up the fleet summary reads, against the findings it rolls up, on both databases.
describe.each(['sqlite', 'postgres'] as const)('cluster posture counts on %s', (kind) => {
  let db: ThrowawayDatabase;
  let ds: DataSource;
  let closeDb: () => Promise<void>;

  beforeEach(async () => {
    ({ db, ds, close: closeDb } = await migratedThrowawayDatabase(kind));
    await seedClusters(ds, generatedFleet(12, 40, NOW), '2026-10-01T00:00:00.000Z');
  });
  afterEach(() => closeDb());

  it('stay equal to a live count through ingest and rule changes, and the fleet summary reads the same', async () => {
    const summary = () =>
      new FleetSummaryService(ds, { now: () => NOW }).fleetSummary({ staleAfterMs: 3_600_000, certLimit: 5 });
    expect((await storedAndLive(ds)).stored).toEqual((await storedAndLive(ds)).live);
    const seeded = await summary();
    // The check list of a running hub keeps each cluster's counts by revision across the changes below.
    const checks = new ChecksQueryService(ds);
    const checksSeeded = await checks.checks();
    expect(fleetCheckCounts(checksSeeded)).toEqual(await liveCheckCounts(ds));

    // A report replaces one cluster's posture (ingest refreshes its roll-up in the batch transaction).
    const ingest = new IngestService(ds, loadHubConfig({}));
    const agent = 'cluster-00003.node-1';
    const [o] = await ingest.ingestBatch([
      {
        topic: `watchpost/v1/agents/${agent}/report`,
        payload: encodeEnvelope(sampleEnvelope(agent, 2, { scannedAt: '2026-11-23T11:59:00.000Z' })),
        receivedAt: NOW,
      },
    ]);
    expect(o.status).toBe('stored');
    // Rules change without a report: an exemption fleet-wide and a severity override (re-evaluation refreshes).
    const at = NOW.toISOString();
    const rule = { createdAt: at, updatedAt: at, author: 'op', revokedAt: null, revokedBy: null };
    await ds.getRepository(ExemptionEntity).insert({
      ...rule,
      id: '0b4e3f9a-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
      ...exemptionScopeColumns({ kind: 'fleet' }),
      checkId: 'bench-check-010',
      area: null,
      reason: 'accepted across the fleet for the test',
      expiresAt: new Date(NOW.getTime() + 86_400_000).toISOString(),
    });
    await ds.getRepository(SeverityOverrideEntity).insert({
      ...rule,
      id: '1c5f4a0b-2d3e-4f5a-9b0c-1d2e3f4a5b6c',
      scopeKind: 'fleet',
      platform: null,
      cluster: null,
      checkId: 'bench-check-020',
      severity: 'critical',
      reason: 'raised for the test',
      expiresAt: null,
    });
    await ds.transaction(async (m) => {
      for (let i = 0; i < 12; i++) await reevaluateCluster(m, `cluster-${String(i).padStart(5, '0')}`, NOW);
    });

    const after = await storedAndLive(ds);
    expect(after.stored).toEqual(after.live);
    const rolledUp = await summary();
    // The rules and the report moved the counts (the test would pass vacuously otherwise) ...
    expect(rolledUp.groups).not.toEqual(seeded.groups);
    // The kept check counts followed the revisions: the same as counted afresh, and as a plain count of the rows.
    const checksAfter = await checks.checks();
    expect(checksAfter).not.toEqual(checksSeeded);
    expect(checksAfter).toEqual(await new ChecksQueryService(ds).checks());
    expect(fleetCheckCounts(checksAfter)).toEqual(await liveCheckCounts(ds));
    // ... and the summary from the roll-ups is the summary counted live (no roll-up stored: counted from rows).
    await ds.query(`UPDATE "clusters" SET "posture_counts" = NULL`);
    expect(await summary()).toEqual(rolledUp);
  });

  it('counts each named cluster from its own findings, whatever names share a call (the query is reused)', async () => {
    // An independent count of the same rows: current (open or passing) and counted (no exemption).
    const rows = await ds.query<
      { c: string; area: string; outcome: string; severity: string; n: string | number }[]
    >(
      `SELECT "cluster_name" AS "c", "area", "outcome", "severity", COUNT(*) AS "n" FROM "findings"
       WHERE "exemption_source" IS NULL AND ("resolved_at" IS NULL OR "outcome" IN ('pass', 'not_applicable'))
       GROUP BY "cluster_name", "area", "outcome", "severity"`,
    );
    const expected = (name: string) => {
      const c = emptyPostureCounts();
      for (const r of rows.filter((x) => x.c === name)) {
        const o = COUNT_OUTCOMES.indexOf(r.outcome as Outcome);
        (c.a[r.area as Area] ??= [0, 0, 0, 0, 0])[o] += Number(r.n);
        const s = COUNT_SEVERITIES.indexOf(r.severity as Severity);
        if (['fail', 'warn', 'error'].includes(r.outcome)) c.s[s] += Number(r.n);
      }
      return c;
    };
    const names = ['cluster-00001', 'cluster-00002', 'cluster-00007', 'cluster-00011'];
    for (const call of [[names[0]], [names[1]], [names[2], names[3]], [names[3], names[0]], names]) {
      const got = await countPosture(ds, call);
      expect([...got.keys()]).toEqual(call);
      for (const name of call) expect(got.get(name)).toEqual(expected(name));
    }
    // the fleet has problems to count (the test would pass vacuously otherwise)
    expect(expected(names[0]).s.some((n) => n > 0)).toBe(true);
  });

  it('lists the same first certificates and KMS keys whatever the length asked for (ties included)', async () => {
    // 130 clusters: KMS key ages repeat every 60 clusters (ties ordered by name), open certificates on 13.
    await seedClusters(ds, generatedFleet(130, 12, NOW).slice(12), '2026-10-01T00:00:00.000Z');
    const summary = new FleetSummaryService(ds, { now: () => NOW });
    const read = (certLimit: number, withinDays?: number) =>
      summary.fleetSummary({ staleAfterMs: 3_600_000, certLimit, withinDays });
    for (const withinDays of [undefined, 30]) {
      const all = await read(500, withinDays);
      expect(all.kmsKeys.oldest).toHaveLength(130);
      expect(all.expiringCertificates.length).toBeGreaterThan(20);
      for (const n of [1, 3, 7, 20]) {
        const some = await read(n, withinDays);
        expect(some.expiringCertificates).toEqual(all.expiringCertificates.slice(0, n));
        expect(some.kmsKeys).toEqual({ ...all.kmsKeys, oldest: all.kmsKeys.oldest.slice(0, n) });
      }
    }
  });

  it('a change on one cluster (ingest, rule change, expiry, agent liveness) shows in the next summary read of both replicas', async () => {
    // Two hub replicas on one database, each with its own connection and its own kept rows.
    const ds2 = createHubDataSource(db.options);
    await ds2.initialize();
    try {
      let now = NOW;
      const clock = { now: () => now };
      const replicas = [new FleetSummaryService(ds, clock), new FleetSummaryService(ds2, clock)];
      const read = (s: FleetSummaryService) => s.fleetSummary({ staleAfterMs: 3_600_000, certLimit: 5 });
      // Both replicas read (and keep) first; after each change each must answer what a fresh one reads.
      let previous = await read(new FleetSummaryService(ds, clock));
      for (const r of replicas) expect(await read(r)).toEqual(previous);
      const expectSeen = async (what: string) => {
        const fresh = await read(new FleetSummaryService(ds, clock));
        expect({ what, ranked: [fresh.expiringCertificates, fresh.kmsKeys] }).not.toEqual({
          what,
          ranked: [previous.expiringCertificates, previous.kmsKeys],
        });
        for (const r of replicas) expect({ what, summary: await read(r) }).toEqual({ what, summary: fresh });
        previous = fresh;
      };

      // Ingest: cluster-00009's agent now reports one expired certificate and a year-old KMS key only.
      const agent = 'cluster-00009.node-1';
      const [o] = await new IngestService(ds, loadHubConfig({})).ingestBatch([
        {
          topic: `watchpost/v1/agents/${agent}/report`,
          payload: encodeEnvelope(
            sampleEnvelope(agent, 2, {
              scannedAt: '2026-11-23T11:59:00.000Z',
              results: [
                {
                  checkId: 'cert-expiry',
                  area: 'certificates',
                  severity: 'high',
                  outcome: 'fail',
                  resource: { kind: 'HostFile', path: '/etc/kubernetes/pki/expired.crt' },
                  message: 'certificate expired a day ago',
                  facts: seedCertificateFacts({
                    notAfter: '2026-11-22T12:00:00.000Z',
                    lifetimeDays: 365,
                    subject: 'CN=expired',
                    source: { kind: 'file', locator: '/etc/kubernetes/pki/expired.crt' },
                  }),
                },
                {
                  checkId: 'kms-key-rotation',
                  area: 'encryption',
                  severity: 'medium',
                  outcome: 'warn',
                  resource: { kind: 'KMSProvider', name: 'kms-plugin' },
                  message: 'KMS key not rotated for a year',
                  facts: {
                    type: 'kms-key',
                    version: 1,
                    provider: 'kms-plugin',
                    apiVersion: 'v2',
                    keyId: 'key-old',
                    firstSeen: '2025-11-23T12:00:00.000Z',
                    ageExact: false,
                    maxAgeSeconds: 30 * 86_400,
                  },
                },
              ],
            }),
          ),
          receivedAt: NOW,
        },
      ]);
      expect(o.status).toBe('stored');
      await expectSeen('ingest');
      expect(previous.expiringCertificates[0]).toMatchObject({
        cluster: 'cluster-00009',
        subject: 'CN=expired',
      });
      expect(previous.kmsKeys.oldest[0]).toMatchObject({ cluster: 'cluster-00009', keyId: 'key-old' });

      // A rule change: that certificate exempted on its cluster until an hour from now (the rule service's path).
      const at = NOW.toISOString();
      await ds.getRepository(ExemptionEntity).insert({
        id: '2d6a5b1c-3e4f-4a6b-8c1d-2e3f4a5b6c7d',
        createdAt: at,
        updatedAt: at,
        author: 'op',
        revokedAt: null,
        revokedBy: null,
        scopeKind: 'cluster',
        platform: null,
        cluster: 'cluster-00009',
        namespace: null,
        resourceKind: null,
        resourceName: null,
        resourcePath: null,
        checkId: 'cert-expiry',
        area: null,
        reason: 'accepted on this cluster for the test',
        expiresAt: new Date(NOW.getTime() + 3_600_000).toISOString(),
      });
      const rules = new PostureRulesService(ds, clock);
      await rules.transaction((m) => rules.reevaluate(m, { kind: 'cluster', cluster: 'cluster-00009' }));
      await expectSeen('rule change');
      expect(previous.expiringCertificates.map((c) => c.subject)).not.toContain('CN=expired');

      // Expiry: two hours later the sweep re-evaluates the cluster and the certificate ranks again.
      now = new Date(NOW.getTime() + 2 * 3_600_000);
      expect(await rules.sweep()).toBeGreaterThan(0);
      await expectSeen('expiry');
      expect(previous.expiringCertificates[0]).toMatchObject({
        cluster: 'cluster-00009',
        subject: 'CN=expired',
      });

      // Liveness moves without a revision (agent status, revocation, a second agent, a new report time): every
      // replica answers what a fresh one reads, and the totals did move.
      const liveness = async (what: string, sql: string) => {
        await ds.query(sql);
        const fresh = await read(new FleetSummaryService(ds, clock));
        expect({ what, clusters: fresh.clusters }).not.toEqual({ what, clusters: previous.clusters });
        for (const r of replicas) expect({ what, summary: await read(r) }).toEqual({ what, summary: fresh });
        previous = fresh;
      };
      await liveness(
        'offline',
        `UPDATE "agents" SET "status" = 'offline' WHERE "cluster_name" = 'cluster-00001'`,
      );
      await liveness(
        'revoked',
        `UPDATE "agents" SET "revoked" = TRUE WHERE "cluster_name" = 'cluster-00002'`,
      );
      await liveness(
        'second agent online',
        `INSERT INTO "agents" ("id", "cluster_name", "status", "revoked", "enrolled_at") ` +
          `VALUES ('cluster-00001.node-2', 'cluster-00001', 'online', FALSE, '${at}')`,
      );
      await liveness(
        'reported',
        `UPDATE "clusters" SET "last_received_at" = '${now.toISOString()}' WHERE "name" = 'cluster-00000'`,
      );
    } finally {
      await ds2.destroy();
    }
  });
});
