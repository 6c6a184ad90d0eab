// Authoring tool: (re)writes the certificate evidence of the committed sample bundles under
// test/fixtures/bundles, at their own collectedAt (see apps/agent/src/demo/sample-bundles.ts). Fresh keys each
// run; the PEMs are committed. The demo does not use this: it refreshes copies relative to now.
// Run: npx tsx --conditions=watchpost-source apps/agent/src/checks/certificates/gen-sample-bundles.tool.ts
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SAMPLE_BUNDLES, writeSampleCertificates } from '../../demo/sample-bundles.js';

const ROOT = fileURLToPath(new URL('../../../../../test/fixtures/bundles', import.meta.url));
for (const sample of SAMPLE_BUNDLES) writeSampleCertificates(join(ROOT, sample), sample);
process.stdout.write(`sample bundle certificates written under ${ROOT}\n`);
