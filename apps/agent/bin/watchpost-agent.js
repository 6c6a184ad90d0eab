#!/usr/bin/env node
// Runs the built CLI (npm run build). Kept tiny so `status` starts fast and the daemon stays small: `status` goes
// straight to its own entry, which loads only better-sqlite3; `run` to one that loads only the daemon (no scan,
// report or collector modules: each scan runs in a child process). Everything else goes through main.js.
// `run` and main.js run from the bundle (dist/bundle, scripts/bundle-agent.mjs: one file to load instead of ~270
// modules) unless it is missing or older than tsc's last build of the agent or of its libraries (only tsc ran
// since): then from tsc's output (dist/src), as `status` always does.
import { statSync } from 'node:fs';

const command = process.argv[2];
// `scan` runs once and exits: V8's heap is steered for that before anything else loads (scan/heap-settings.ts).
if (command === 'scan') (await import('../dist/src/scan/heap-settings.js')).tuneHeapForOneScan();
if (command === 'status' && !process.argv.includes('--help')) await import('../dist/src/cli/status.main.js');
else {
  const entry = command === 'run' ? 'run.main.js' : 'main.js';
  const modified = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
  const bundled = modified(`../dist/bundle/${entry}`);
  // The bundle holds the libraries too: a `tsc -b` after a change in one of them alone may leave the agent's own
  // build info as it was, so the newest of the three counts.
  const compiled = Math.max(
    ...[
      '../dist/tsconfig.app.tsbuildinfo',
      '../../../libs/shared/dist/tsconfig.lib.tsbuildinfo',
      '../../../libs/netpol/dist/tsconfig.lib.tsbuildinfo',
    ].map((rel) => modified(rel) ?? -Infinity),
  );
  if (bundled !== undefined && bundled >= compiled) await import(`../dist/bundle/${entry}`);
  else await import(`../dist/src/cli/${entry}`);
}
