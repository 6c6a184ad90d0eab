import type { Command } from 'commander';
import type { RegisterCommand } from './commands.js';

interface StatusFlags {
  json?: boolean;
  config?: string;
  store?: string;
}

/** Adds `status`. The bin runs `status.main.js` directly so the scan machinery is never loaded for it. */
export const register: RegisterCommand = (program: Command) => {
  program
    .command('status')
    .description(
      'offline status from the local store: last scan, failing checks, outbox, acks, certificate (exit 0 healthy, 1 degraded, 3 no data, 4 stale, 5 store failing)',
    )
    .option('--json', 'print JSON')
    .option(
      '--config <file>',
      'agent config (default WATCHPOST_CONFIG or /etc/watchpost/agent.yaml); only storePath is read',
    )
    .option('--store <file>', 'store file (overrides the config)')
    .action(async (flags: StatusFlags) => {
      const { statusCommand } = await import('./status.printer.js');
      process.exitCode = await statusCommand(flags);
    });
};
