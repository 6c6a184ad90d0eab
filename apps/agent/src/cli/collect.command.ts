import type { Command } from 'commander';
import { writeBundle } from '../collectors/bundle.writer.js';
import { loadEvidence } from '../scan/evidence-source.js';
import type { RegisterCommand } from './commands.js';
import { evidenceOptions, evidenceSource, type EvidenceFlags } from './scan.command.js';

export const register: RegisterCommand = (program: Command) => {
  evidenceOptions(
    program
      .command('collect')
      .description('write a bundle of evidence from the live system (for support or offline scanning)'),
  )
    .requiredOption('--out <dir>', 'bundle folder to write')
    .action(async (flags: EvidenceFlags & { out: string }) => {
      // Progress even from a bundle: collect is a long, explicit operation.
      const evidence = await loadEvidence({
        ...evidenceSource(flags),
        progress: (m) =>
          process.stderr.write(`watchpost: ${m}
`),
      });
      const { files } = await writeBundle(evidence, flags.out);
      process.stderr.write(
        `watchpost: wrote ${files} files to ${flags.out} (${evidence.collectorErrors.length} collector errors, see collection.json); private keys are never copied\n`,
      );
    });
};
