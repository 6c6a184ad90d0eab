// Regenerates the golden wire sample test/fixtures/wire/report.v1.json from a real scan of the aks-hci-workload
// sample bundle (`npm run fixtures:wire`): the envelope an agent on that cluster sends, at a fixed time.
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportEnvelopeV1Schema, type ReportEnvelopeV1 } from '@watchpost/shared';
import { readBundle } from '../collectors/bundle.reader.js';
import { runChecks } from '../scan/runner.js';

let root = dirname(fileURLToPath(import.meta.url));
while (!existsSync(join(root, 'nx.json'))) root = dirname(root);

const evaluatedAt = new Date('2026-11-23T10:05:02.118Z');
const evidence = await readBundle(join(root, 'test', 'fixtures', 'bundles', 'aks-hci-workload'));
const report = runChecks(evidence, { now: evaluatedAt });
const envelope: ReportEnvelopeV1 = reportEnvelopeV1Schema.parse({
  schemaVersion: 1,
  agentId: 'hci-west-01.moc-node-1',
  seq: 42,
  runId: '6f1c2d1e-8a3b-4c5d-9e0f-1a2b3c4d5e6f',
  scannedAt: new Date(report.scannedAt).toISOString(),
  evaluatedAt: report.evaluatedAt,
  agentVersion: '0.1.0',
  cluster: report.cluster,
  summary: report.summary,
  results: report.results,
  collectorErrors: report.collectorErrors,
  dropped: 3,
});
const target = join(root, 'test', 'fixtures', 'wire', 'report.v1.json');
writeFileSync(target, JSON.stringify(envelope, null, 2) + '\n');
console.log(`wrote ${target} (${envelope.results.length} results)`);
