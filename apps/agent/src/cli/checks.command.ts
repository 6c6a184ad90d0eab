import { ANNOTATION_EXEMPTABLE_CHECKS, CATALOGUE, exemptableByAnnotation } from '@watchpost/shared';
import type { RegisterCommand } from './commands.js';

export const register: RegisterCommand = (program) => {
  program
    .command('checks')
    .description('list the check catalogue')
    .option('--json', 'print the catalogue as JSON')
    .action((flags: { json?: boolean }) => {
      if (flags.json) {
        // Workload owners ask which checks their watchpost.io/exempt annotation may name: say it per entry.
        const entries = CATALOGUE.map((c) => ({
          ...c,
          exemptableByAnnotation: exemptableByAnnotation(c.id),
        }));
        process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
        return;
      }
      for (const c of CATALOGUE)
        process.stdout.write(
          `${c.id.padEnd(34)} ${c.area.padEnd(13)} ${c.defaultSeverity.padEnd(9)} ${c.title}\n`,
        );
      process.stdout.write(`${CATALOGUE.length} checks\n`);
      process.stdout.write(
        `a watchpost.io/exempt annotation may name: ${ANNOTATION_EXEMPTABLE_CHECKS.join(', ')} (docs/exemptions.md)\n`,
      );
    });
};
