// The demo's sample bundles, live-looking: `node apps/agent/dist/src/demo/refresh-bundles.main.js --from DIR
// --out DIR [--every SECONDS]`. Writes each sample bundle of --from as if collected now into a new generation
// folder under --out and points --out/<sample> (a symlink, swapped atomically) at it; prints one line
// `refreshed <ISO time>` per generation. With --every it keeps doing so until stopped, so an agent scanning
// --out/<sample> on an interval always sees a bundle at most that old (clock skew near zero, four-day AKS
// hybrid certificates current). The committed fixtures under --from are never written.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { refreshSampleBundle, SAMPLE_BUNDLES } from './sample-bundles.js';

const { values } = parseArgs({
  options: { from: { type: 'string' }, out: { type: 'string' }, every: { type: 'string' } },
});
if (!values.from || !values.out) {
  process.stderr.write('usage: refresh-bundles.main.js --from DIR --out DIR [--every SECONDS]\n');
  process.exit(2);
}
const from = resolve(values.from);
const out = resolve(values.out);
const every = values.every ? Number(values.every) : undefined;
if (every !== undefined && !(every > 0)) {
  process.stderr.write(`--every "${values.every}" must be a number of seconds above 0\n`);
  process.exit(2);
}
const samples = SAMPLE_BUNDLES.filter((s) => existsSync(join(from, s, 'cluster.json')));
const keys = new Map<string, string>();
const GENERATIONS = 'generations';

function refresh(): void {
  const now = new Date();
  const gen = now.toISOString().replace(/[-:.]/g, '');
  for (const sample of samples) {
    refreshSampleBundle(join(from, sample), join(out, GENERATIONS, gen, sample), now, keys);
    const link = join(out, sample);
    const tmp = `${link}.${gen}.tmp`;
    symlinkSync(join(GENERATIONS, gen, sample), tmp);
    renameSync(tmp, link);
  }
  // Keep the previous generation: an agent may be reading it right now.
  const gens = readdirSync(join(out, GENERATIONS)).sort();
  for (const old of gens.slice(0, -2)) rmSync(join(out, GENERATIONS, old), { recursive: true, force: true });
  process.stdout.write(`refreshed ${now.toISOString()}\n`);
}

mkdirSync(join(out, GENERATIONS), { recursive: true });
refresh();
if (every !== undefined) {
  const timer = setInterval(refresh, every * 1000);
  const stop = () => clearInterval(timer);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
