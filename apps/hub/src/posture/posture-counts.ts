import type { Area, Outcome, Severity } from '@watchpost/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { PostureCounts } from '../persistence/cluster.entity.js';
import { FindingEntity } from '../persistence/finding.entity.js';
import { countedOnly, currentOnly, PROBLEMS, toNum } from './posture-store.js';

/**
 * The roll-up the fleet summary reads: per cluster, its current counted findings by area and outcome, and its
 * open problems by severity (`clusters.posture_counts`). Every writer of a cluster's findings refreshes it in
 * its own transaction, after the rows changed: ingest (a report applied, resolved rows pruned) and the
 * re-evaluation of exemptions and severity overrides. "Current" and "counted" are the read side's own filters
 * (`currentOnly`, `countedOnly`), so the roll-up and a live count cannot disagree.
 *
 * Stored compactly (the fleet summary parses one per cluster, 10,000 of them): `{ v: 1, a: { <area>: [pass,
 * fail, warn, error, not_applicable] }, s: [critical, high, medium, low, info] }`, areas without findings left
 * out. Another `v` is not read (the cluster is counted live until it is written again).
 */

/** Outcome order of `a`'s arrays, severity order of `s` (fixed here: the stored layout must not move). */
export const COUNT_OUTCOMES: readonly Outcome[] = ['pass', 'fail', 'warn', 'error', 'not_applicable'];
export const COUNT_SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
export const POSTURE_COUNTS_VERSION = 1;

type Row = { cluster: string; area: Area; outcome: Outcome; severity: Severity; n: string | number };

/** Adds `n` findings of one area, outcome and severity to a roll-up. */
function add(c: PostureCounts, area: Area, outcome: Outcome, severity: Severity, n: number): void {
  const o = COUNT_OUTCOMES.indexOf(outcome);
  if (o < 0) return;
  (c.a[area] ??= [0, 0, 0, 0, 0])[o] += n;
  const s = COUNT_SEVERITIES.indexOf(severity);
  if (s >= 0 && PROBLEMS.includes(outcome)) c.s[s] += n;
}

/** An empty roll-up. */
export function emptyPostureCounts(): PostureCounts {
  return { v: POSTURE_COUNTS_VERSION, a: {}, s: [0, 0, 0, 0, 0] };
}

/** Live counts of the named clusters' findings (every named cluster is in the answer, empty when it has none). */
export async function countPosture(
  ds: DataSource | EntityManager,
  clusterNames: readonly string[],
): Promise<Map<string, PostureCounts>> {
  const out = new Map<string, PostureCounts>(clusterNames.map((n) => [n, emptyPostureCounts()]));
  const names = [...out.keys()];
  for (let i = 0; i < names.length; i += 500) {
    const chunk = names.slice(i, i + 500);
    const q = countQuery(ds, chunk.length);
    // Through the manager when given one: inside the writer's transaction, its own rows are seen.
    const rows = await ds.query<Row[]>(
      q.sql,
      q.params.map((p, j) => (q.nameAt[j] >= 0 ? chunk[q.nameAt[j]] : p)),
    );
    for (const r of rows) {
      const c = out.get(r.cluster);
      if (c) add(c, r.area, r.outcome, r.severity, toNum(r.n));
    }
  }
  return out;
}

/** The SQL of the count and where the names go in its parameters, by database type and number of names. */
const countQueries = new Map<string, { sql: string; params: unknown[]; nameAt: number[] }>();

/**
 * The count's query, built once per database type and number of names with the read side's own filters
 * (`currentOnly`, `countedOnly`): the ingest counts one cluster per applied report, and TypeORM's query builder
 * cost more than the query. Built with stand-in names, then the positions of those in its parameters are kept.
 * (Another database of the same type gives the same SQL: table and column names are the entity's.)
 */
function countQuery(
  ds: DataSource | EntityManager,
  n: number,
): { sql: string; params: unknown[]; nameAt: number[] } {
  const type = 'connection' in ds ? ds.connection.options.type : ds.options.type;
  const key = `${type}/${n}`;
  let q = countQueries.get(key);
  if (!q) {
    const stand = Array.from({ length: n }, (_, i) => `\u0000name ${i}`);
    const [sql, params] = currentOnly(
      countedOnly(
        ds
          .getRepository(FindingEntity)
          .createQueryBuilder('f')
          .select('f.clusterName', 'cluster')
          .addSelect('f.area', 'area')
          .addSelect('f.outcome', 'outcome')
          .addSelect('f.severity', 'severity')
          .addSelect('COUNT(*)', 'n')
          .where('f.clusterName IN (:...names)', { names: stand }),
      ),
    )
      .groupBy('f.clusterName')
      .addGroupBy('f.area')
      .addGroupBy('f.outcome')
      .addGroupBy('f.severity')
      .getQueryAndParameters();
    const values = params as unknown[];
    const nameAt = values.map((p) => (typeof p === 'string' ? stand.indexOf(p) : -1));
    if (nameAt.filter((j) => j >= 0).length !== n)
      throw new Error('countQuery: names not found in the parameters');
    q = { sql, params: values, nameAt };
    // Kept for the few names the writers count (one cluster each); larger reads build theirs as before.
    if (n <= 8) countQueries.set(key, q);
  }
  return q;
}

/**
 * Rewrites the roll-up of the named clusters from their findings, inside the writer's transaction `m`, and bumps
 * their `posture_revision` with it (what the fleet summary's in-memory rows are keyed by: a change of the
 * findings and the bump commit together, so no replica sees one without the other).
 */
export async function refreshPostureCounts(m: EntityManager, clusterNames: readonly string[]): Promise<void> {
  const pg = m.connection.options.type === 'postgres';
  const sql =
    `UPDATE "clusters" SET "posture_counts" = ${pg ? '$1' : '?'}, ` +
    `"posture_revision" = "posture_revision" + 1 WHERE "name" = ${pg ? '$2' : '?'}`;
  for (const [name, counts] of await countPosture(m, clusterNames)) {
    await m.query(sql, [JSON.stringify(counts), name]);
  }
}

/** A stored roll-up, or null when there is none or it has another layout (then the caller counts live). */
export function readPostureCounts(stored: string | null | undefined): PostureCounts | null {
  if (!stored) return null;
  try {
    const c = JSON.parse(stored) as PostureCounts;
    return c?.v === POSTURE_COUNTS_VERSION ? c : null;
  } catch {
    return null;
  }
}
