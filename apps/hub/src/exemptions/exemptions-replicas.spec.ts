import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CheckResult } from '@watchpost/shared';
import type { DataSource } from 'typeorm';
import type { ApiPrincipal } from '../auth/api-tokens.service.js';
import { loadHubConfig } from '../config/hub-config.js';
import { IngestService } from '../ingest/ingest.service.js';
import { encodeEnvelope, sampleEnvelope } from '../ingest/sample-envelope.js';
import { AgentEntity, ClusterEntity, FindingEntity } from '../persistence/index.js';
import { createHubDataSource, openAndMigrate } from '../persistence/data-source.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../persistence/throwaway-database.js';
import { ExemptionsService } from './exemptions.service.js';
import { PostureRulesService } from './posture-rules.service.js';

const T0 = Date.parse('2026-11-23T10:00:05.000Z');
const CLUSTERS = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'];
const operator: ApiPrincipal = { tokenId: 't', name: 'ops', role: 'operator' };

/** Ten namespaces without PSA labels per report: the rows a fleet-wide exemption covers. */
function results(): CheckResult[] {
  return Array.from({ length: 10 }, (_, i) => ({
    checkId: 'namespace-pod-security-labels',
    area: 'workload' as const,
    severity: 'medium' as const,
    outcome: 'fail' as const,
    resource: { kind: 'Namespace', name: `team-${i}` },
    message: 'no Pod Security Admission labels',
  }));
}

// Two hub processes on one PostgreSQL: rule changes, reports and expiry sweeps on both at once must leave every
// row with the effect the rules in force give it, with no request refused.
describe('exemptions with two hub replicas on one PostgreSQL', () => {
  let db: ThrowawayDatabase;
  const ds: DataSource[] = [];
  const now = new Date(T0);
  const clock = { now: () => now };

  beforeAll(async () => {
    db = await createThrowawayDatabase('postgres');
    for (let i = 0; i < 2; i++) ds.push(createHubDataSource(db.options));
    await openAndMigrate(ds[0]);
    await ds[1].initialize();
    const at = new Date(T0 - 86_400_000).toISOString();
    for (const name of CLUSTERS) {
      await ds[0].getRepository(ClusterEntity).insert({
        name,
        platform: 'aks-hci',
        role: 'workload',
        location: null,
        kubernetesVersion: null,
        lastAgentId: null,
        lastSeq: null,
        lastScannedAt: null,
        lastReceivedAt: null,
        clockSkewMs: null,
        scores: null,
        score: null,
        summary: null,
        createdAt: at,
        updatedAt: at,
      });
      await ds[0]
        .getRepository(AgentEntity)
        .insert({ id: `${name}.n1`, clusterName: name, nodeName: null, enrolledAt: at });
    }
  });
  afterAll(async () => {
    for (const d of ds) if (d.isInitialized) await d.destroy();
    await db?.drop();
  });

  it('a fleet-wide exemption, reports of every cluster and sweeps, all at once, end consistent', async () => {
    const rules = ds.map((d) => new PostureRulesService(d, clock));
    const exemptions = ds.map((d, i) => new ExemptionsService(d, rules[i], clock));
    const ingest = ds.map((d) => new IngestService(d, loadHubConfig({})));
    // Each replica takes half the reports, in one batch each, in opposite cluster orders.
    const batch = (names: string[], seq: number) =>
      names.map((name) => ({
        topic: `watchpost/v1/agents/${name}.n1/report`,
        payload: encodeEnvelope(sampleEnvelope(`${name}.n1`, seq, { results: results() })),
        receivedAt: new Date(now),
      }));
    const [, , , created] = await Promise.all([
      ingest[0].ingestBatch(batch(CLUSTERS, 1)),
      ingest[1].ingestBatch(batch([...CLUSTERS].reverse(), 1)),
      rules[1].sweep(),
      exemptions[0].create(operator, {
        scope: { kind: 'fleet' },
        target: { checkId: 'namespace-pod-security-labels' },
        reason: 'PSA labels are rolled out by the platform team in January (CHG-6001)',
        expiresAt: new Date(T0 + 3_600_000).toISOString(),
      }),
      rules[0].sweep(),
    ]);
    const rows = await ds[0].getRepository(FindingEntity).find();
    expect(rows).toHaveLength(CLUSTERS.length * 10);
    expect(rows.every((r) => r.exemptionSource === 'hub' && r.exemptionId === created.id)).toBe(true);
    const clusters = await ds[1].getRepository(ClusterEntity).find();
    // Every failure exempted: nothing evaluated is left in the workload area, so no score.
    expect(clusters.map((c) => c.score)).toEqual(CLUSTERS.map(() => null));

    // It expires; both replicas sweep at once while new reports arrive: every row counts again. (A report received
    // before the expiry and committed after a sweep keeps the exemption until the next sweep, a minute later.)
    now.setTime(T0 + 3_600_000);
    await Promise.all([
      rules[0].sweep(),
      rules[1].sweep(),
      ingest[1].ingestBatch(batch(CLUSTERS.slice(0, 3), 2)),
    ]);
    const after = await ds[0].getRepository(FindingEntity).find();
    expect(after.filter((r) => r.exemptionSource !== null)).toEqual([]);
    expect((await ds[0].getRepository(ClusterEntity).find()).map((c) => c.score)).toEqual(
      CLUSTERS.map(() => 0),
    );
  });
});
