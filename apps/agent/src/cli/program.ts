import { Command, CommanderError } from 'commander';
import type { RegisterCommand } from './commands.js';
import { agentVersion } from './version.js';

/** Usage or fatal error. `scan`'s other codes are in report/gate.ts (SCAN_EXIT), `status`'s in status.command.ts. */
export const EXIT_USAGE = 2;

/** Parses the command line with the given command modules and runs the chosen one; sets `process.exitCode`. */
export async function runProgram(commands: readonly RegisterCommand[]): Promise<void> {
  const program = new Command('watchpost-agent')
    .description('Watchpost agent: checks the security posture of this Kubernetes cluster')
    .version(`watchpost-agent ${agentVersion()}`, '-V, --version', 'print the version and exit')
    .exitOverride()
    .showHelpAfterError();
  for (const register of commands) register(program);
  // A reader that goes away (`scan --format json | head`) is not a failure of the command: output stops quietly
  // and the exit code stays the command's own (the gate's, for scan). Without a listener Node throws the EPIPE
  // as an unhandled 'error' event, with a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    console.error(`watchpost-agent: cannot write to standard output: ${err.message}`);
    process.exitCode = EXIT_USAGE;
  });
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
    } else {
      console.error(`watchpost-agent: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = EXIT_USAGE;
    }
  }
}
