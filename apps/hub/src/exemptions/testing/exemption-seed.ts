import type { DataSource } from 'typeorm';
import { ExemptionEventEntity } from '../exemption-event.entity.js';
import { ExemptionEntity } from '../exemption.entity.js';

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
