import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { executeCountingRows, placeholders } from '../persistence/data-source.js';

/**
 * Multi-row INSERT and keyed UPDATE for the ingest's hot tables, as plain SQL built from the entity's own
 * metadata (column names and types stay the entity's; values go through the driver's `preparePersistentValue`,
 * as TypeORM's query builder would send them). The query builder spent more time on its parameter bookkeeping
 * than the database spent on the rows (a fifth of the ingest's CPU in the hub-ingest profile).
 */

const MAX_PARAMS = 30_000; // below SQLite's 32,766 and PostgreSQL's 65,535 bind parameters

function writableColumns(m: EntityManager, target: EntityTarget<ObjectLiteral>): ColumnMetadata[] {
  return m.connection.getMetadata(target).columns.filter((c) => !c.isGenerated && !c.isVirtual && c.isInsert);
}

/**
 * INSERT of `rows` in as few statements as fit; generated columns are left to the database. A row must give every
 * column that is not nullable (no column DEFAULT is used: SQLite has no `DEFAULT` inside `VALUES`).
 */
export async function insertRows<T extends ObjectLiteral>(
  m: EntityManager,
  target: EntityTarget<T>,
  rows: readonly Partial<T>[],
): Promise<void> {
  if (rows.length === 0) return;
  const meta = m.connection.getMetadata(target);
  const columns = writableColumns(m, target);
  const driver = m.connection.driver;
  const mark = placeholders(m.connection.options.type === 'postgres');
  const per = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const cols = columns.map((c) => `"${c.databaseName}"`).join(', ');
  for (let i = 0; i < rows.length; i += per) {
    const params: unknown[] = [];
    const tuples = rows.slice(i, i + per).map((row) => {
      const marks = columns.map((c) => {
        const v = (row as Record<string, unknown>)[c.propertyName];
        if (v === undefined && !c.isNullable) {
          throw new Error(
            `insertRows: ${meta.tableName}.${c.databaseName} is not nullable and the row has no value`,
          );
        }
        params.push(v === undefined || v === null ? null : (driver.preparePersistentValue(v, c) as unknown));
        return mark(params.length);
      });
      return `(${marks.join(', ')})`;
    });
    await m.query(`INSERT INTO "${meta.tableName}" (${cols}) VALUES ${tuples.join(', ')}`, params);
  }
}

/**
 * UPDATE of every column but the primary key from whole rows (entities as loaded), one statement per row keyed by
 * the primary key; one SQL text for all of them, so the driver's statement cache serves every row.
 */
export async function updateRows<T extends ObjectLiteral>(
  m: EntityManager,
  target: EntityTarget<T>,
  rows: readonly T[],
): Promise<void> {
  if (rows.length === 0) return;
  const meta = m.connection.getMetadata(target);
  if (meta.primaryColumns.length !== 1)
    throw new Error(`updateRows needs one primary key on ${meta.tableName}`);
  const key = meta.primaryColumns[0];
  const columns = meta.columns.filter((c) => !c.isPrimary && !c.isGenerated && !c.isVirtual && c.isUpdate);
  const driver = m.connection.driver;
  const mark = placeholders(m.connection.options.type === 'postgres');
  const set = columns.map((c, i) => `"${c.databaseName}" = ${mark(i + 1)}`).join(', ');
  const sql = `UPDATE "${meta.tableName}" SET ${set} WHERE "${key.databaseName}" = ${mark(columns.length + 1)}`;
  for (const row of rows) {
    const params = columns.map((c): unknown => {
      const v = (row as Record<string, unknown>)[c.propertyName];
      return v === undefined || v === null ? null : (driver.preparePersistentValue(v, c) as unknown);
    });
    params.push((row as Record<string, unknown>)[key.propertyName]);
    await m.query(sql, params);
  }
}

/**
 * Whole rows by primary key (`IN`, in key order), as `find` would give them: every column under its property name,
 * values through the driver's `prepareHydratedValue` (booleans, JSON). `lock` adds `FOR UPDATE` on PostgreSQL (rows
 * locked in key order; SQLite has one writer). One SQL text per number of keys, so the driver's statement cache
 * serves a batch's usual sizes; TypeORM's find built its query and hydrated entities for every batch.
 */
export async function selectRowsByKey<T extends ObjectLiteral>(
  m: EntityManager,
  target: EntityTarget<T>,
  keys: readonly (string | number)[],
  lock = false,
): Promise<T[]> {
  if (keys.length === 0) return [];
  const meta = m.connection.getMetadata(target);
  if (meta.primaryColumns.length !== 1)
    throw new Error(`selectRowsByKey needs one primary key on ${meta.tableName}`);
  const key = `"${meta.primaryColumns[0].databaseName}"`;
  const columns = meta.columns.filter((c) => !c.isVirtual);
  const driver = m.connection.driver;
  const pg = m.connection.options.type === 'postgres';
  const mark = placeholders(pg);
  const cols = columns.map((c) => `"${c.databaseName}"`).join(', ');
  const out: T[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const rows = await m.query<Record<string, unknown>[]>(
      `SELECT ${cols} FROM "${meta.tableName}" WHERE ${key} IN (${chunk.map((_, j) => mark(j + 1)).join(', ')}) ORDER BY ${key} ASC${lock && pg ? ' FOR UPDATE' : ''}`,
      chunk,
    );
    for (const row of rows) {
      const entity = meta.create() as T;
      for (const c of columns) {
        const v = row[c.databaseName];
        (entity as Record<string, unknown>)[c.propertyName] =
          v === null || v === undefined ? null : (driver.prepareHydratedValue(v, c) as unknown);
      }
      out.push(entity);
    }
  }
  return out;
}

/**
 * UPDATE of the given properties of the row with primary key `key`; returns how many rows changed (0: no such
 * row). Values go through the driver's `preparePersistentValue`, as `Repository.update` sends them.
 */
export async function updateByKey<T extends ObjectLiteral>(
  m: EntityManager,
  target: EntityTarget<T>,
  key: string | number,
  values: Partial<T>,
): Promise<number> {
  const meta = m.connection.getMetadata(target);
  if (meta.primaryColumns.length !== 1)
    throw new Error(`updateByKey needs one primary key on ${meta.tableName}`);
  const driver = m.connection.driver;
  const mark = placeholders(m.connection.options.type === 'postgres');
  const params: unknown[] = [];
  const set = Object.entries(values).map(([prop, v]) => {
    const c = meta.findColumnWithPropertyName(prop);
    if (!c) throw new Error(`updateByKey: ${meta.tableName} has no column for ${prop}`);
    params.push(v === undefined || v === null ? null : (driver.preparePersistentValue(v, c) as unknown));
    return `"${c.databaseName}" = ${mark(params.length)}`;
  });
  params.push(key);
  const sql = `UPDATE "${meta.tableName}" SET ${set.join(', ')} WHERE "${meta.primaryColumns[0].databaseName}" = ${mark(params.length)}`;
  return executeCountingRows(m, sql, params);
}
