#!/usr/bin/env node
// Runs the built CLI (npm run build). Kept tiny so `status` starts fast and the daemon stays small: `status` goes
// straight to its own entry, which loads only better-sqlite3; `run` to one that loads only the daemon (no scan,
// report or collector modules: each scan runs in a child process). Everything else goes through main.js.
const command = process.argv[2];
// `scan` runs once and exits: V8's heap is steered for that before anything else loads (scan/heap-settings.ts).
if (command === 'scan') (await import('../dist/src/scan/heap-settings.js')).tuneHeapForOneScan();
if (command === 'status' && !process.argv.includes('--help')) await import('../dist/src/cli/status.main.js');
else if (command === 'run') await import('../dist/src/cli/run.main.js');
else await import('../dist/src/cli/main.js');
