#!/usr/bin/env node
// Bundles the agent's compiled entries (tsc's output under apps/agent/dist/src) into apps/agent/dist/bundle, which
// bin/watchpost-agent.js runs when it is there and newer than tsc's last build (docs/agent.md, "Fifth round: one
// file to load"). Node loads one file per entry (plus the chunks of the modules loaded on demand) instead of ~270
// ES modules, each resolved, read, compiled and linked on its own: ~100 ms less for every command.
// Our code, the workspace libraries, commander and zod are bundled; every other package stays a package, loaded
// from node_modules as before (native bindings, and large ones that load only on the paths that use them).
// Usage: node scripts/bundle-agent.mjs [--metafile FILE]   (npm run build runs it after tsc)
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'apps/agent/dist');
const OUT = join(DIST, 'bundle');
const args = process.argv.slice(2);
const metafileOut = args.includes('--metafile') ? args[args.indexOf('--metafile') + 1] : undefined;

/**
 * The entries the bin (and the daemon, for its scan process) starts. Not `status` (status.main): it loads a dozen
 * modules, and bundled it started no faster (CPU 1.03x in paired runs).
 */
const ENTRIES = ['cli/main', 'cli/run.main', 'daemon/scan.child'];
/** The only packages copied into the bundle: small, pure JavaScript, loaded by every command. */
const BUNDLED = ['commander', 'zod'];

const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const external = Object.keys(rootPkg.dependencies).filter((d) => !BUNDLED.includes(d));
for (const entry of ENTRIES)
  if (!existsSync(join(DIST, 'src', `${entry}.js`)))
    throw new Error(`apps/agent/dist/src/${entry}.js is missing: run tsc -b tsconfig.build.json first`);

rmSync(OUT, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: ENTRIES.map((e) => join(DIST, 'src', `${e}.js`)),
  // Entries and chunks side by side: a chunk's import.meta.url finds `./scan.child.js` (daemon/scan-process.ts)
  // and `../../package.json` (cli/version.ts) as the compiled modules do from dist/src/<dir>/.
  outdir: OUT,
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  bundle: true,
  // Modules loaded with import() (the collectors, the daemon, enrollment) stay in their own chunks, loaded on use.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // Modules bundled into one scope have their clashing names renamed (a second class AgentStateEntity becomes
  // AgentStateEntity2); keep every function's and class's \`name\` as written (TypeORM and error names read it).
  keepNames: true,
  // The compiled imports of the workspace libraries resolve to their dist (the "default" export condition).
  conditions: [],
  // commander is CommonJS and requires Node's builtins; esbuild's require shim needs a `require` in scope.
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);",
  },
  // Composed with tsc's maps, so a stack trace mapped by `node --enable-source-maps` names the TypeScript line.
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

// Nothing but our code, commander and zod may be inside: a new dependency is external until someone decides.
const inside = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m && !m[1].startsWith('@watchpost/')) inside.add(m[1]);
}
const unexpected = [...inside].filter((p) => !BUNDLED.includes(p));
if (unexpected.length > 0)
  throw new Error(
    `bundle-agent: ${unexpected.join(', ')} would be bundled; add to BUNDLED or make it a dependency`,
  );
// zod's locales other than English come with its namespace object (`import { z } from 'zod'`, which the lint
// refuses in the libraries and the agent): ~370 KB of text compiled at every start for messages never shown.
const locales = Object.values(result.metafile.outputs)
  .flatMap((o) => Object.entries(o.inputs))
  .filter(([i, o]) => o.bytesInOutput > 0 && /node_modules\/zod\/.*\/locales\//.test(i));
if (locales.length > 1)
  throw new Error(
    `bundle-agent: ${locales.length} zod locales bundled; import zod as import * as z from 'zod'`,
  );
if (metafileOut) writeFileSync(metafileOut, JSON.stringify(result.metafile));
const bytes = Object.entries(result.metafile.outputs)
  .filter(([file]) => file.endsWith('.js'))
  .reduce((sum, [, o]) => sum + o.bytes, 0);
console.log(
  `bundle-agent: ${relative(ROOT, OUT)} (${ENTRIES.length} entries, ${Object.keys(result.metafile.inputs).length} modules, ${(bytes / 1048576).toFixed(1)} MiB)`,
);
