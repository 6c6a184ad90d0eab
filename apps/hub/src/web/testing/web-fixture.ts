import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataSource } from 'typeorm';
import type { ReportEnvelopeV1 } from '@watchpost/shared';
import { FIXTURE_NOW, seedFixture } from '../../api/testing/api-fixture.js';
import { loadHubConfig } from '../../config/hub-config.js';
import { IngestService } from '../../ingest/ingest.service.js';
import { encodeEnvelope } from '../../ingest/sample-envelope.js';
import { AgentEntity } from '../../persistence/agent.entity.js';
import { seedGoldenClusterRules } from '../../exemptions/testing/exemption-seed.js';

let root = dirname(fileURLToPath(import.meta.url));
while (!root.endsWith('/apps') && root !== '/') root = dirname(root);
/** The golden wire sample: a real scan of the aks-hci-workload bundle. */
export const GOLDEN_REPORT = join(dirname(root), 'test/fixtures/wire/report.v1.json');

/**
 * The web page's fleet: the API fixture (five clusters covering every liveness case) plus the golden wire
 * sample's cluster, ingested through the real ingest (decoder, authorisation, posture writer) so the cluster
 * page shows what a real scan sends: certificate evidence, instance-metadata exposure per namespace. That cluster
 * also carries one exemption of each kind the page marks (annotation, hub) and a severity override.
 */
export async function seedWebFixture(ds: DataSource): Promise<void> {
  await seedFixture(ds);
  const envelope = JSON.parse(readFileSync(GOLDEN_REPORT, 'utf8')) as ReportEnvelopeV1;
  // The agent exempted the one hostPath failure (a workload annotation): it arrives on the result.
  for (const r of envelope.results)
    if (r.checkId === 'pod-host-path' && r.outcome === 'fail')
      r.exemption = {
        source: 'annotation',
        reason: 'node-exporter reads the host read-only by design',
        ref: `${r.resource.kind} ${r.resource.namespace ?? ''}/${r.resource.name ?? ''}`,
      };
  await ds.getRepository(AgentEntity).insert({
    id: envelope.agentId,
    clusterName: envelope.cluster.name,
    nodeName: 'moc-lwl1cp7f3c9',
    certSerial: '5F1A0C33D2E94B7A',
    certNotAfter: new Date(FIXTURE_NOW.getTime() + 26 * 86_400_000).toISOString(),
    status: 'online',
    agentVersion: envelope.agentVersion,
    enrolledAt: new Date(FIXTURE_NOW.getTime() - 40 * 86_400_000).toISOString(),
  });
  const ingest = new IngestService(ds, loadHubConfig({}));
  // Received 2.4 s after the scan: a healthy skew.
  const receivedAt = new Date(Date.parse(envelope.scannedAt) + 2_400);
  const [outcome] = await ingest.ingestBatch([
    {
      topic: `watchpost/v1/agents/${envelope.agentId}/report`,
      payload: encodeEnvelope(envelope),
      receivedAt,
    },
  ]);
  if (outcome.status !== 'stored') throw new Error(`golden report not stored: ${JSON.stringify(outcome)}`);
  // A hub exemption and a severity override on the same cluster.
  await seedGoldenClusterRules(ds, FIXTURE_NOW);
}
