#!/usr/bin/env node
// Runs the built hub CLI (npm run build).
await import('../dist/src/cli/main.js');
