import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { SEVERITIES, type Outcome } from '@watchpost/shared';
import { encodeCursor } from '../api/cursor.js';
import { generatedFleet, seedClusters } from '../api/testing/posture-seed.js';
import { migratedThrowawayDatabase } from '../persistence/throwaway-database.js';
import { FindingsQueryService } from './findings-query.service.js';
import type { FindingFilters } from './posture.types.js';

const NOW = new Date('2026-11-23T12:00:00.000Z');

interface KeyRow {
  id: number;
  cluster: string;
  checkId: string;
  resourceKey: string;
  severity: string;
  outcome: string;
  resolvedAt: string | null;
  area: string;
  exemptionSource: string | null;
  platform: string;
}

/** Every finding in the table's key order, as the database sorts it (collation included). */
async function allInKeyOrder(ds: DataSource): Promise<KeyRow[]> {
  const rows = await ds.query<(Omit<KeyRow, 'id'> & { id: number | string })[]>(
    `SELECT f."id" AS "id", f."cluster_name" AS "cluster", f."check_id" AS "checkId",
            f."resource_key" AS "resourceKey", f."severity" AS "severity", f."outcome" AS "outcome",
            f."resolved_at" AS "resolvedAt", f."area" AS "area", f."exemption_source" AS "exemptionSource",
            c."platform" AS "platform"
     FROM "findings" f JOIN "clusters" c ON c."name" = f."cluster_name"
     ORDER BY f."cluster_name" ASC, f."check_id" ASC, f."resource_key" ASC`,
  );
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

function matches(r: KeyRow, f: FindingFilters): boolean {
  return (
    (!f.severity || f.severity.includes(r.severity as never)) &&
    (!f.outcome || f.outcome.includes(r.outcome as never)) &&
    (!f.area || f.area.includes(r.area as never)) &&
    (!f.platform || f.platform.includes(r.platform as never)) &&
    (f.resolved === undefined || (r.resolvedAt !== null) === f.resolved) &&
    (f.exempted === undefined || (r.exemptionSource !== null) === f.exempted)
  );
}

// Severity and outcome filters are answered per severity x outcome range of ix_findings_page, merged
// (`bucketPage`); the pages must be exactly the key-ordered rows that match, and the cursors the last row's key.
describe.each(['sqlite', 'postgres'] as const)('findings pages by severity and outcome on %s', (kind) => {
  let ds: DataSource;
  let closeDb: () => Promise<void>;
  let rows: KeyRow[];

  beforeAll(async () => {
    ({ ds, close: closeDb } = await migratedThrowawayDatabase(kind));
    // Every severity with every outcome, some resolved, so pages interleave several ranges of the index.
    const fleet = generatedFleet(12, 40, NOW).map((c, i) => ({
      ...c,
      findings: c.findings.map((f, j) => {
        const outcome: Outcome = (['fail', 'pass', 'warn', 'error', 'not_applicable'] as const)[(i + j) % 5];
        return {
          ...f,
          severity: SEVERITIES[(i * 3 + j) % 5],
          outcome,
          ...(outcome !== 'pass' && j % 4 === 0 ? { resolvedAt: '2026-11-20T00:00:00.000Z' } : {}),
        };
      }),
    }));
    await seedClusters(ds, fleet, '2026-10-01T00:00:00.000Z');
    rows = await allInKeyOrder(ds);
  });
  afterAll(() => closeDb());

  const sets: [string, FindingFilters][] = [
    ['fail, critical or high', { outcome: ['fail'], severity: ['critical', 'high'] }],
    ['the web view default', { outcome: ['fail', 'warn', 'error'], severity: ['medium'], resolved: false }],
    ['resolved only', { outcome: ['fail', 'warn'], severity: ['low', 'info'], resolved: true }],
    ['a severity alone', { severity: ['high'] }],
    ['an outcome alone', { outcome: ['warn', 'error'] }],
    [
      'with area, platform and exemption',
      { severity: ['critical', 'low'], area: ['network', 'access'], platform: ['aks-hci'], exempted: false },
    ],
    ['no match', { outcome: ['error'], severity: ['critical'], platform: ['aks'], area: ['certificates'] }],
  ];

  it.each(sets)('walks %s page by page in key order', async (name, filters) => {
    const svc = new FindingsQueryService(ds);
    const expected = rows.filter((r) => matches(r, filters));
    for (const limit of [7, 1000]) {
      const seen: number[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await svc.findings(filters, limit, cursor);
        seen.push(...page.items.map((r) => r.id));
        const last = expected[seen.length - 1];
        expect(page.items.length).toBe(Math.min(limit, expected.length - (seen.length - page.items.length)));
        expect(page.nextCursor).toBe(
          seen.length < expected.length && last
            ? encodeCursor('findings', [last.cluster, last.checkId, last.resourceKey])
            : null,
        );
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(seen).toEqual(expected.map((r) => r.id));
    }
    if (name !== 'no match') expect(expected.length).toBeGreaterThan(7);
  });

  it('leaves out a row that stops matching between the read of the keys and the read of the rows, and walks on', async () => {
    const filters: FindingFilters = { outcome: ['fail'], severity: ['critical', 'high'] };
    const expected = rows.filter((r) => matches(r, filters));
    const gone = expected[2];
    const last = expected[6];
    if (!gone || !last) throw new Error('the seeded fleet has too few matching rows');
    const query = ds.query.bind(ds);
    let changed = false;
    // The key read is the one plain query of the page; the row turns to pass right after it.
    ds.query = (async (sql: string, params?: unknown[]) => {
      const res: unknown = await query(sql, params);
      if (!changed && sql.includes('UNION ALL')) {
        changed = true;
        await query(`UPDATE "findings" SET "outcome" = 'pass' WHERE "id" = ${gone.id}`);
      }
      return res;
    }) as typeof ds.query;
    try {
      const page = await new FindingsQueryService(ds).findings(filters, 7);
      expect(changed).toBe(true);
      expect(page.items.map((r) => r.id)).toEqual(
        expected
          .slice(0, 7)
          .filter((r) => r !== gone)
          .map((r) => r.id),
      );
      expect(page.nextCursor).toBe(encodeCursor('findings', [last.cluster, last.checkId, last.resourceKey]));
    } finally {
      ds.query = query;
      await ds.query(`UPDATE "findings" SET "outcome" = 'fail' WHERE "id" = ${gone.id}`);
    }
  });
});
