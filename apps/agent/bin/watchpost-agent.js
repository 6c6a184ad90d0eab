#!/usr/bin/env node
// Runs the built CLI (npm run build). Kept tiny so `status` starts fast: it goes straight to its own entry,
// which loads only better-sqlite3, never the scan, MQTT or TypeORM modules.
if (process.argv[2] === 'status' && !process.argv.includes('--help'))
  await import('../dist/src/cli/status.main.js');
else await import('../dist/src/cli/main.js');
