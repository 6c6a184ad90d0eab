import type { DataSource } from 'typeorm';
import { ExemptionEventEntity } from '../exemption-event.entity.js';
import { ExemptionEntity } from '../exemption.entity.js';
import { ClusterEntity } from '../../persistence/cluster.entity.js';
import { reevaluateCluster } from '../../posture/posture-writer.js';
import { SeverityOverrideEntity } from '../severity-override.entity.js';

/** Id of the exemption `seedExemption` writes. */
export const SEEDED_EXEMPTION_ID = '6f1d2c3b-0a9e-4c8d-9b7a-5e4f3d2c1b0a';

/** One active exemption with its creation event, as the API would have written them (tests, demo data). */
export async function seedExemption(ds: DataSource, now: Date): Promise<void> {
  const at = now.toISOString();
  const row: ExemptionEntity = {
    id: SEEDED_EXEMPTION_ID,
    scopeKind: 'resource',
    platform: null,
    cluster: 'hci-mgmt',
    namespace: 'monitoring',
    resourceKind: 'DaemonSet',
    resourceName: 'node-exporter',
    resourcePath: null,
    checkId: 'pod-host-path',
    area: null,
    reason:
      'node-exporter reads the host filesystem read-only by design; reviewed with the vendor (CHG-4411)',
    author: 'seed-operator',
    createdAt: at,
    updatedAt: at,
    expiresAt: new Date(now.getTime() + 90 * 86_400_000).toISOString(),
    revokedAt: null,
    revokedBy: null,
  };
  await ds.getRepository(ExemptionEntity).insert(row);
  await ds.getRepository(ExemptionEventEntity).insert({
    exemptionId: row.id,
    action: 'created',
    actor: row.author,
    at,
    detail: JSON.stringify({ reason: row.reason }),
  });
}

/** Id of the severity override `seedAppliedRules` writes. */
export const SEEDED_OVERRIDE_ID = '0b7e4a52-3c1d-4f0e-8a9b-2d6c5e4f3a21';

/**
 * A severity override (rbac-wildcard-rules is `low` on hci-mgmt) and an exemption of hci-mgmt's pod-privileged
 * findings, with their creation events, then every cluster re-evaluated as the API would have done: seeded
 * findings carry `severityOverride` and `exemption` (tests of the API contract).
 */
export async function seedAppliedRules(ds: DataSource, now: Date): Promise<void> {
  const at = now.toISOString();
  const override: SeverityOverrideEntity = {
    id: SEEDED_OVERRIDE_ID,
    scopeKind: 'cluster',
    platform: null,
    cluster: 'hci-mgmt',
    checkId: 'rbac-wildcard-rules',
    severity: 'low',
    reason: 'ops-everything is the break-glass role, bound to nobody; reviewed quarterly',
    author: 'seed-operator',
    createdAt: at,
    updatedAt: at,
    expiresAt: null,
    revokedAt: null,
    revokedBy: null,
  };
  await ds.getRepository(SeverityOverrideEntity).insert(override);
  await ds.getRepository(ExemptionEventEntity).insert({
    exemptionId: override.id,
    subject: 'override',
    action: 'created',
    actor: override.author,
    at,
    detail: JSON.stringify({ reason: override.reason }),
  });
  await ds.getRepository(ExemptionEntity).insert({
    id: '9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    scopeKind: 'cluster',
    platform: null,
    cluster: 'hci-mgmt',
    namespace: null,
    resourceKind: null,
    resourceName: null,
    resourcePath: null,
    checkId: 'pod-privileged',
    area: null,
    reason: 'the debug pod is a sanctioned break-glass tool until the January rework (CHG-9001)',
    author: 'seed-operator',
    createdAt: at,
    updatedAt: at,
    expiresAt: new Date(now.getTime() + 30 * 86_400_000).toISOString(),
    revokedAt: null,
    revokedBy: null,
  });
  await ds.transaction(async (m) => {
    const clusters = await m.getRepository(ClusterEntity).find({ select: { name: true } });
    for (const c of clusters) await reevaluateCluster(m, c.name, now);
  });
}

/** Id of the exemption `seedGoldenClusterRules` writes. */
export const GOLDEN_EXEMPTION_ID = '3d2c1b0a-9e8f-4a7b-8c6d-5e4f3a2b1c0d';

/**
 * For the golden sample's cluster (hci-wl-retail, ingested): an exemption of its egress default-deny failures and
 * a severity override raising netpol-policy-selects-nothing to medium, then the cluster re-evaluated as the API
 * would have done (the web page's fixture).
 */
export async function seedGoldenClusterRules(ds: DataSource, now: Date): Promise<void> {
  const at = now.toISOString();
  const cluster = 'hci-wl-retail';
  await ds.getRepository(ExemptionEntity).insert({
    id: GOLDEN_EXEMPTION_ID,
    scopeKind: 'cluster',
    platform: null,
    cluster,
    namespace: null,
    resourceKind: null,
    resourceName: null,
    resourcePath: null,
    checkId: 'netpol-namespace-default-deny-egress',
    area: null,
    reason: 'Egress policies roll out with the Q1 network redesign (CHG-5120)',
    author: 'seed-operator',
    createdAt: at,
    updatedAt: at,
    expiresAt: new Date(now.getTime() + 60 * 86_400_000).toISOString(),
    revokedAt: null,
    revokedBy: null,
  });
  await ds.getRepository(SeverityOverrideEntity).insert({
    id: '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
    scopeKind: 'cluster',
    platform: null,
    cluster,
    checkId: 'netpol-policy-selects-nothing',
    severity: 'medium',
    reason: 'On this cluster a policy that selects nothing has hidden an outage twice',
    author: 'seed-operator',
    createdAt: at,
    updatedAt: at,
    expiresAt: null,
    revokedAt: null,
    revokedBy: null,
  });
  await ds.transaction((m) => reevaluateCluster(m, cluster, now));
}
