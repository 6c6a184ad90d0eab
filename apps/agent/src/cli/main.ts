import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands.js';

/** Exit codes: 0 ok / nothing at or above --fail-on, 1 findings at or above it, 2 usage or fatal error. */
export const EXIT_USAGE = 2;

const program = new Command('watchpost-agent')
  .description('Watchpost agent: checks the security posture of this Kubernetes cluster')
  .exitOverride()
  .showHelpAfterError();
for (const register of COMMANDS) register(program);

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
