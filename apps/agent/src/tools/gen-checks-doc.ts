// Regenerates docs/checks.md from the catalogue (`npm run docs:checks`).
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderChecksDoc } from '../report/checks-doc.js';

let root = dirname(fileURLToPath(import.meta.url));
while (!existsSync(join(root, 'nx.json'))) root = dirname(root);
const target = join(root, 'docs', 'checks.md');
writeFileSync(target, renderChecksDoc());
console.log(`wrote ${target}`);
