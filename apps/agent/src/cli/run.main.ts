// Fast path for `watchpost-agent run` (the daemon): the bin imports this instead of main.ts, so the other
// commands' modules (scan, collect, policy: the checks, the collectors, the report printers) never load into the
// daemon, which stays small between scans; each scan runs in its own process (daemon/scan-process.ts).
import { runProgram } from './program.js';
import { register as run } from './run.command.js';

await runProgram([run]);
