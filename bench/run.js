#!/usr/bin/env node
// Runs every benchmark (`npm run bench`) or the named ones (`npm run bench -- scan-large agent-drain`).
// A benchmark is a built module `apps/*/dist/src/bench/<name>.bench.js` exporting
// `name` (string) and `run(): Promise<object[]>` (entries `{ name, ...figures }`).
// Results go to bench/results.json (an array) and a readable summary to stdout.
import { readdirSync, existsSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wanted = process.argv.slice(2);
const modules = [];
for (const app of readdirSync(join(root, 'apps'))) {
  const dir = join(root, 'apps', app, 'dist', 'src', 'bench');
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir)) if (f.endsWith('.bench.js')) modules.push(join(dir, f));
}
const results = [];
let ran = 0;
for (const file of modules.sort()) {
  const mod = await import(pathToFileURL(file).href);
  if (wanted.length && !wanted.includes(mod.name)) continue;
  ran++;
  process.stdout.write(`bench ${mod.name} ...\n`);
  const entries = await mod.run();
  for (const e of entries) {
    results.push(e);
    process.stdout.write(`  ${JSON.stringify(e)}\n`);
  }
}
if (wanted.length && ran === 0) {
  process.stderr.write(
    `no benchmark named ${wanted.join(', ')}; built: ${modules.map((m) => m.split('/').pop()).join(', ')}\n`,
  );
  process.exit(2);
}
writeFileSync(join(root, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
process.stdout.write(`wrote bench/results.json (${results.length} entries)\n`);
