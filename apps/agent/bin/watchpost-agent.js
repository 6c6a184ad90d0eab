#!/usr/bin/env node
// Runs the built CLI (npm run build). Kept tiny so `status` starts fast.
await import('../dist/src/cli/main.js');
