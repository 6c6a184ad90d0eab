import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { HUB_VERSION } from '../api/api-docs.js';
import { COMMANDS } from './commands.js';

/** Exit codes: 0 ok, 2 usage or configuration error, 1 runtime failure. */
export const EXIT_USAGE = 2;

const program = new Command('watchpost-hub')
  .description('Watchpost hub: fleet security posture, agent PKI, MQTT ingest and REST API')
  .version(`watchpost-hub ${HUB_VERSION}`, '-V, --version', 'print the version and exit')
  .exitOverride()
  .showHelpAfterError();
for (const register of COMMANDS) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    console.error(`watchpost-hub: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = EXIT_USAGE;
  }
}
