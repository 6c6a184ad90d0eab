import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import type { CheckResult } from '@watchpost/shared';
import { sampleEnvelope } from '../ingest/sample-envelope.js';
import { migratedThrowawayDatabase } from '../persistence/throwaway-database.js';
import { applyReportToPosture, INDEXED_OVERWRITE, OVERWRITE } from './posture-writer.js';

/** Every column some index of `findings` holds, as the database itself lists them. */
async function indexedColumns(ds: DataSource, kind: 'sqlite' | 'postgres'): Promise<Set<string>> {
  if (kind === 'postgres') {
    const rows = await ds.query<{ column: string }[]>(
      `SELECT a.attname AS "column" FROM pg_index i
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey)
       WHERE t.relname = 'findings'`,
    );
    return new Set(rows.map((r) => r.column));
  }
  const out = new Set<string>();
  for (const { name } of await ds.query<{ name: string }[]>(`PRAGMA index_list("findings")`))
    for (const c of await ds.query<{ name: string }[]>(`PRAGMA index_info("${name}")`)) out.add(c.name);
  return out;
}

const result = (name: string, outcome: CheckResult['outcome'], message: string): CheckResult => ({
  checkId: 'pod-run-as-root',
  area: 'workload',
  severity: 'medium',
  outcome,
  resource: { kind: 'Pod', namespace: 'shop', name },
  message,
});

describe.each(['sqlite', 'postgres'] as const)('the posture writer on %s', (kind) => {
  let ds: DataSource;
  let closeDb: () => Promise<void>;

  beforeEach(async () => {
    ({ ds, close: closeDb } = await migratedThrowawayDatabase(kind));
  });
  afterEach(() => closeDb());

  it('lists as indexed exactly the overwritten columns an index holds', async () => {
    const indexed = await indexedColumns(ds, kind);
    expect(OVERWRITE.filter((c) => indexed.has(c)).sort()).toEqual([...INDEXED_OVERWRITE].sort());
  });

  it('rewrites a re-reported row whether or not its indexed columns change, and its indexes follow', async () => {
    const apply = (seq: number, results: CheckResult[], at: string) =>
      ds.transaction((m) =>
        applyReportToPosture(
          m,
          'shop-1',
          sampleEnvelope('agent-1', seq, { results, cluster: { name: 'shop-1' } }),
          at,
        ),
      );
    const t1 = '2026-12-06T10:00:00.000Z';
    const t2 = '2026-12-06T11:00:00.000Z';
    await apply(1, [result('a', 'pass', 'a first'), result('b', 'fail', 'b first')], t1);
    // a: only unindexed columns change (message, last seen, sequence); b: its outcome and resolution change.
    await apply(2, [result('a', 'pass', 'a second'), result('b', 'pass', 'b second')], t2);
    const rows = await ds.query<Record<string, unknown>[]>(
      `SELECT "resource_key" AS "key", "outcome", "message", "last_seen_at" AS "lastSeenAt", "last_seq" AS "lastSeq",
         "outcome_since" AS "outcomeSince", "resolved_at" AS "resolvedAt", "first_seen_at" AS "firstSeenAt"
       FROM "findings" ORDER BY "resource_key"`,
    );
    expect(rows.map((r) => ({ ...r, lastSeq: Number(r['lastSeq']) }))).toEqual([
      {
        key: 'Pod|shop|a|',
        outcome: 'pass',
        message: 'a second',
        lastSeenAt: t2,
        lastSeq: 2,
        outcomeSince: t1,
        resolvedAt: null,
        firstSeenAt: t1,
      },
      {
        key: 'Pod|shop|b|',
        outcome: 'pass',
        message: 'b second',
        lastSeenAt: t2,
        lastSeq: 2,
        outcomeSince: t2,
        resolvedAt: t2,
        firstSeenAt: t1,
      },
    ]);
    // Read through the indexes that hold outcome and resolution: both rows are found under their new values.
    const pass = await ds.query<{ n: string | number }[]>(
      `SELECT COUNT(*) AS "n" FROM "findings"${kind === 'sqlite' ? ' INDEXED BY "ix_findings_cluster_outcome"' : ''}
       WHERE "cluster_name" = 'shop-1' AND "outcome" = 'pass'`,
    );
    expect(Number(pass[0].n)).toBe(2);
  });
});
