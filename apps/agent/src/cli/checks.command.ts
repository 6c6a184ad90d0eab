import { CATALOGUE } from '@watchpost/shared';
import type { RegisterCommand } from './commands.js';

export const register: RegisterCommand = (program) => {
  program
    .command('checks')
    .description('list the check catalogue')
    .option('--json', 'print the catalogue as JSON')
    .action((flags: { json?: boolean }) => {
      if (flags.json) {
        process.stdout.write(JSON.stringify(CATALOGUE, null, 2) + '\n');
        return;
      }
      for (const c of CATALOGUE)
        process.stdout.write(
          `${c.id.padEnd(34)} ${c.area.padEnd(13)} ${c.defaultSeverity.padEnd(9)} ${c.title}\n`,
        );
      process.stdout.write(`${CATALOGUE.length} checks\n`);
    });
};
