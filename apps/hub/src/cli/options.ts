import type { Command } from 'commander';
import { loadHubConfig, type HubConfig } from '../config/hub-config.js';

/** Flags shared by the commands that touch the data dir or the database; they override WATCHPOST_* variables. */
export function withStoreOptions(cmd: Command): Command {
  return cmd
    .option('--data-dir <dir>', 'hub data dir (CA and keys); overrides WATCHPOST_DATA_DIR')
    .option('--db-path <file>', 'SQLite file; overrides WATCHPOST_DB_PATH')
    .option('--db-url <url>', 'PostgreSQL URL; overrides WATCHPOST_DB_URL');
}

/** Flags of `withStoreOptions`. */
export interface StoreFlags {
  dataDir?: string;
  dbPath?: string;
  dbUrl?: string;
}

/** The validated configuration with CLI flags applied (flags win over the environment). */
export function configFrom(flags: StoreFlags, extra: Record<string, string | undefined> = {}): HubConfig {
  const env: Record<string, string | undefined> = { ...process.env };
  if (flags.dataDir) env['WATCHPOST_DATA_DIR'] = flags.dataDir;
  if (flags.dbPath) env['WATCHPOST_DB_PATH'] = flags.dbPath;
  if (flags.dbUrl) env['WATCHPOST_DB_URL'] = flags.dbUrl;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return loadHubConfig(env);
}
