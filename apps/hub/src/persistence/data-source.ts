import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DataSource, type DataSourceOptions, type EntityManager } from 'typeorm';
import { ApiTokenEntity } from '../auth/api-token.entity.js';
import { AgentEntity } from './agent.entity.js';
import { ClusterEntity } from './cluster.entity.js';
import { EnrollmentCredentialEntity } from './enrollment-credential.entity.js';
import { EnrollmentTokenEntity } from './enrollment-token.entity.js';
import { FindingEntity } from './finding.entity.js';
import { IssuedCertificateEntity } from './issued-certificate.entity.js';
import { CreatedHubCore1795447000000 } from './migrations/1795447000000-CreatedHubCore.js';
import { CreatedApiTokens1795447201829 } from './migrations/1795447201829-CreatedApiTokens.js';
import { AddedFleetSummaryIndexes1795448581214 } from './migrations/1795448581214-AddedFleetSummaryIndexes.js';
import { AddedFindingFacts1796542363686 } from './migrations/1796542363686-AddedFindingFacts.js';
import { AddedEnrollmentCredentialsAndSupersession1796543213387 } from './migrations/1796543213387-AddedEnrollmentCredentialsAndSupersession.js';
import { CreatedSupportData1796545345219 } from './migrations/1796545345219-CreatedSupportData.js';
import { CreatedExemptions1796546000000 } from './migrations/1796546000000-CreatedExemptions.js';
import { AddedEffectiveFindingsAndSeverityOverrides1796547000000 } from './migrations/1796547000000-AddedEffectiveFindingsAndSeverityOverrides.js';
import { AddedClusterPostureCounts1796549000000 } from './migrations/1796549000000-AddedClusterPostureCounts.js';
import { AddedClusterPostureRevision1796550000000 } from './migrations/1796550000000-AddedClusterPostureRevision.js';
import { AddedAgentLivenessIndex1796551000000 } from './migrations/1796551000000-AddedAgentLivenessIndex.js';
import { AddedFindingsPageIndex1796552000000 } from './migrations/1796552000000-AddedFindingsPageIndex.js';
import { QuarantineEntity } from './quarantine.entity.js';
import { ExemptionEntity } from '../exemptions/exemption.entity.js';
import { ExemptionEventEntity } from '../exemptions/exemption-event.entity.js';
import { SeverityOverrideEntity } from '../exemptions/severity-override.entity.js';
import { ReportEntity } from './report.entity.js';
import { SupportDataEntity } from './support-data.entity.js';

/**
 * The one data source of the hub, for the app, the `migrate` command and the TypeORM CLI
 * (`npx typeorm -d apps/hub/dist/src/persistence/data-source.js migration:show`).
 * Entities and migrations are listed here explicitly (no globs: they break under ESM and bundling).
 */

/** Every entity of the hub (hub-core and hub-api). */
export const HUB_ENTITIES = [
  ClusterEntity,
  AgentEntity,
  FindingEntity,
  ReportEntity,
  QuarantineEntity,
  EnrollmentTokenEntity,
  EnrollmentCredentialEntity,
  IssuedCertificateEntity,
  ApiTokenEntity,
  SupportDataEntity,
  ExemptionEntity,
  ExemptionEventEntity,
  SeverityOverrideEntity,
];

/** Every migration, oldest first. Add new ones at the end. */
export const HUB_MIGRATIONS = [
  CreatedHubCore1795447000000,
  CreatedApiTokens1795447201829,
  AddedFleetSummaryIndexes1795448581214,
  AddedFindingFacts1796542363686,
  AddedEnrollmentCredentialsAndSupersession1796543213387,
  CreatedSupportData1796545345219,
  CreatedExemptions1796546000000,
  AddedEffectiveFindingsAndSeverityOverrides1796547000000,
  AddedClusterPostureCounts1796549000000,
  AddedClusterPostureRevision1796550000000,
  AddedAgentLivenessIndex1796551000000,
  AddedFindingsPageIndex1796552000000,
];

/** Where the hub keeps its data: PostgreSQL when `url` is set, else the SQLite file at `path`. */
export interface HubDatabaseOptions {
  /** `postgres://user@host:port/db` (WATCHPOST_DB_URL). */
  url?: string | undefined;
  /** SQLite file (WATCHPOST_DB_PATH); default `.watchpost/hub.sqlite`. */
  path?: string | undefined;
  /** Log SQL (debugging only). */
  logging?: boolean;
}

/** Default SQLite file, relative to the working directory. */
export const DEFAULT_DB_PATH = '.watchpost/hub.sqlite';

/** Data source options for the given database. */
export function hubDataSourceOptions(opts: HubDatabaseOptions): DataSourceOptions {
  const common = {
    entities: HUB_ENTITIES,
    migrations: HUB_MIGRATIONS,
    migrationsTableName: 'migrations',
    // Each migration in its own transaction: a failure leaves the database at the last good version.
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: opts.logging ?? false,
  };
  if (opts.url) {
    if (!/^postgres(ql)?:\/\//.test(opts.url)) {
      throw new Error('WATCHPOST_DB_URL must be a postgres:// or postgresql:// URL (unset it to use SQLite)');
    }
    return { type: 'postgres', url: opts.url, ...common };
  }
  const file = resolve(opts.path ?? DEFAULT_DB_PATH);
  // WAL lets the REST API read while ingest writes; synchronous stays FULL (better-sqlite3's default) so a
  // committed report survives power loss, not only a crash: the ack to the agent promises that.
  return { type: 'better-sqlite3', database: file, enableWAL: true, timeout: 10_000, ...common };
}

/** A (not yet initialised) data source. */
export function createHubDataSource(opts: HubDatabaseOptions): DataSource {
  const ds = new DataSource(hubDataSourceOptions(opts));
  if (ds.options.type === 'better-sqlite3') queueTransactions(ds);
  return ds;
}

/**
 * SQLite through TypeORM has one connection: a second `transaction()` begun while one is open fails with "cannot
 * start a transaction within a transaction" (an ingest batch and an API change, or the expiry sweep, at the same
 * moment). Transactions of the data source therefore run one after the other, in call order. SQLite has one writer
 * anyway, so nothing is lost; PostgreSQL keeps its concurrent transactions. A transaction must not start another
 * one through the data source inside its callback (use the manager it is given).
 */
function queueTransactions(ds: DataSource): void {
  const manager = ds.manager;
  const begin = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  let tail: Promise<unknown> = Promise.resolve();
  const queued = (...args: unknown[]): Promise<unknown> => {
    const run = tail.then(() => begin(...args));
    tail = run.catch(() => undefined);
    return run;
  };
  manager.transaction = queued;
}

/** Initialises the data source (creating the SQLite file's folder) and applies pending migrations; returns the names applied. */
export async function openAndMigrate(ds: DataSource): Promise<string[]> {
  if (!ds.isInitialized) {
    if (ds.options.type === 'better-sqlite3') mkdirSync(dirname(ds.options.database), { recursive: true });
    await ds.initialize();
  }
  const applied = await ds.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}

/** For the TypeORM CLI: the database named by the environment. */
export default createHubDataSource({
  url: process.env['WATCHPOST_DB_URL'],
  path: process.env['WATCHPOST_DB_PATH'],
});

/**
 * Runs one plain-SQL write through `m`'s transaction when it has one (ingest's batch), else on a runner of its own,
 * and returns how many rows it touched (from the driver's structured result, on both databases).
 */
export async function executeCountingRows(m: EntityManager, sql: string, params: unknown[]): Promise<number> {
  const runner = m.queryRunner ?? m.connection.createQueryRunner();
  try {
    const res = await runner.query(sql, params, true);
    return res.affected ?? 0;
  } finally {
    if (!m.queryRunner) await runner.release();
  }
}

/** The n-th (1-based) bind parameter of a plain-SQL statement: `$n` on PostgreSQL, `?` on SQLite. */
export function placeholders(pg: boolean): (n: number) => string {
  return pg ? (n) => `$${n}` : () => '?';
}
