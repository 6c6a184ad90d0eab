import type { Command } from 'commander';
import { createHubDataSource, openAndMigrate } from '../persistence/data-source.js';
import { importSupportData } from '../support-data/support-data.store.js';
import type { RegisterCommand } from './commands.js';
import { configFrom, withStoreOptions, type StoreFlags } from './options.js';

/**
 * `data import FILE`: a newer Kubernetes support data document, or `az aks get-versions -o json` output whose
 * AKS patch lists are merged into the current document. Agents receive the result with their next ack.
 * Exit 0 imported, 1 refused (the reason is printed: which file, which field, or "not newer").
 */
export const register: RegisterCommand = (program: Command) => {
  const data = program.command('data').description('Kubernetes support data handed to agents');
  withStoreOptions(data.command('import <file>'))
    .description(
      'import a support data document (kind WatchpostKubernetesSupport) or `az aks get-versions --location <region> -o json` output',
    )
    .action(async (file: string, flags: StoreFlags) => {
      const config = configFrom(flags);
      const ds = createHubDataSource({ url: config.dbUrl, path: config.dbPath });
      try {
        await openAndMigrate(ds);
        const r = await importSupportData(ds, file, new Date());
        if (!r.ok) {
          process.stderr.write(`watchpost-hub: ${r.message}\n`);
          process.exitCode = 1;
          return;
        }
        const lines = [
          `imported support data ${r.doc.dataVersion} (compiled ${r.doc.compiledAt}) from ${file} (${r.format}); it replaces ${r.previous} for agents from their next report`,
        ];
        if (r.summary) {
          for (const u of r.summary.updated)
            lines.push(`  AKS ${u.minor}: ${u.patches} patch versions, newest ${u.newest}`);
          if (r.summary.previews.length) lines.push(`  skipped previews: ${r.summary.previews.join(', ')}`);
          if (r.summary.unknownMinors.length)
            lines.push(
              `  not in the AKS calendar of the data (import a newer support data document to add them): ${r.summary.unknownMinors.join(', ')}`,
            );
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        if (ds.isInitialized) await ds.destroy();
      }
    });
};
