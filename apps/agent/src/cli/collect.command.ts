import type { Command } from 'commander';
import { writeBundle } from '../collectors/bundle.writer.js';
import { loadEvidence } from '../scan/evidence-source.js';
import type { RegisterCommand } from './commands.js';
import { evidenceOptions } from './scan.command.js';

export const register: RegisterCommand = (program: Command) => {
  evidenceOptions(
    program
      .command('collect')
      .description('write a bundle of evidence from the live system (for support or offline scanning)'),
  )
    .requiredOption('--out <dir>', 'bundle folder to write')
    .action(
      async (flags: {
        out: string;
        bundle?: string;
        kubeconfig?: string;
        context?: string;
        hostRoot?: string;
        apiOnly?: boolean;
      }) => {
        const evidence = await loadEvidence({
          ...(flags.bundle ? { bundle: flags.bundle } : {}),
          ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
          ...(flags.context ? { context: flags.context } : {}),
          ...(flags.hostRoot ? { hostRoot: flags.hostRoot } : {}),
          ...(flags.apiOnly ? { apiOnly: true } : {}),
          progress: (m) => process.stderr.write(`watchpost: ${m}\n`),
        });
        const { files } = await writeBundle(evidence, flags.out);
        process.stderr.write(
          `watchpost: wrote ${files} files to ${flags.out} (${evidence.collectorErrors.length} collector errors, see collection.json); private keys are never copied\n`,
        );
      },
    );
};
