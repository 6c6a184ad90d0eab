import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createHubDataSource, openAndMigrate, type HubDatabaseOptions } from './data-source.js';

/**
 * A database that exists for one test run: a SQLite file in a temp folder, or a fresh PostgreSQL database on
 * the local server (WATCHPOST_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres) dropped afterwards.
 * For tests and benchmarks only.
 */
export interface ThrowawayDatabase {
  kind: 'sqlite' | 'postgres';
  options: HubDatabaseOptions;
  drop(): Promise<void>;
}

/** Admin URL of the local PostgreSQL used by tests. */
export const TEST_PG_ADMIN_URL =
  process.env['WATCHPOST_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Creates a throwaway database of the given kind. */
export async function createThrowawayDatabase(kind: 'sqlite' | 'postgres'): Promise<ThrowawayDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'watchpost-hub-db-'));
    return {
      kind,
      options: { path: join(dir, 'hub.sqlite') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `watchpost_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    options: { url: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A throwaway database with a migrated hub data source on it. For tests and benchmarks only. */
export interface MigratedThrowawayDatabase {
  db: ThrowawayDatabase;
  ds: DataSource;
  /** Destroys the data source (if open), then drops the database: dropped even when destroying fails. */
  close: () => Promise<void>;
}

/**
 * Creates a throwaway database, opens a hub data source on it and migrates it: the set-up most hub specs share,
 * in one place. A failed migration closes and drops what was made before its error is rethrown, so a set-up that
 * fails leaves no database behind. For tests and benchmarks only.
 */
export async function migratedThrowawayDatabase(
  kind: 'sqlite' | 'postgres',
): Promise<MigratedThrowawayDatabase> {
  const db = await createThrowawayDatabase(kind);
  const ds = createHubDataSource(db.options);
  const close = async (): Promise<void> => {
    try {
      if (ds.isInitialized) await ds.destroy();
    } finally {
      await db.drop();
    }
  };
  try {
    await openAndMigrate(ds);
  } catch (e) {
    await close();
    throw e;
  }
  return { db, ds, close };
}
