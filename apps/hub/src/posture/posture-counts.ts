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
    // Through the manager when given one: inside the writer's transaction, its own rows are seen.
    const qb = ds.getRepository(FindingEntity).createQueryBuilder('f');
    const rows = await currentOnly(
      countedOnly(
        qb
          .select('f.clusterName', 'cluster')
          .addSelect('f.area', 'area')
          .addSelect('f.outcome', 'outcome')
          .addSelect('f.severity', 'severity')
          .addSelect('COUNT(*)', 'n')
          .where('f.clusterName IN (:...names)', { names: names.slice(i, i + 500) }),
      ),
    )
      .groupBy('f.clusterName')
      .addGroupBy('f.area')
      .addGroupBy('f.outcome')
      .addGroupBy('f.severity')
      .getRawMany<Row>();
    for (const r of rows) {
      const c = out.get(r.cluster);
      if (c) add(c, r.area, r.outcome, r.severity, toNum(r.n));
    }
  }
  return out;
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
