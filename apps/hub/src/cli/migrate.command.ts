import type { Command } from 'commander';
import { createHubDataSource, openAndMigrate } from '../persistence/data-source.js';
import type { RegisterCommand } from './commands.js';
import { configFrom, withStoreOptions, type StoreFlags } from './options.js';

/** `migrate`: applies pending migrations (serve does too); `--revert` undoes the newest one. */
export const register: RegisterCommand = (program: Command) => {
  withStoreOptions(program.command('migrate'))
    .description('apply pending database migrations (or --revert the newest)')
    .option('--revert', 'undo the most recent migration')
    .action(async (flags: StoreFlags & { revert?: boolean }) => {
      const config = configFrom(flags);
      const ds = createHubDataSource({ url: config.dbUrl, path: config.dbPath });
      try {
        if (flags.revert) {
          await ds.initialize();
          await ds.undoLastMigration({ transaction: 'each' });
          console.log('reverted the most recent migration');
          return;
        }
        const applied = await openAndMigrate(ds);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      } finally {
        if (ds.isInitialized) await ds.destroy();
      }
    });
};
