import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 15, instant fleet reads: each cluster row keeps the counts of its current, counted (not exempted)
 * findings by area and outcome and its open problems by severity (`posture_counts`, JSON), written in
 * the transaction that changes its findings (ingest, rule re-evaluation), so the fleet summary sums a few dozen
 * numbers per cluster instead of grouping every finding of the fleet. Filled here for the clusters that already
 * have findings. The certificate ranking reads the open problems of two checks out of every certificate of the
 * fleet: an index by check and outcome finds them without visiting the passing rows. Plain SQL that SQLite and
 * PostgreSQL both accept.
 */
export class AddedClusterPostureCounts1796549000000 implements MigrationInterface {
  name = 'AddedClusterPostureCounts1796549000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "clusters" ADD COLUMN "posture_counts" text`);
    await q.query(
      `CREATE INDEX "ix_findings_check_outcome" ON "findings" ("check_id", "outcome", "resolved_at")`,
    );
    const rows = (await q.query(
      `SELECT "cluster_name" AS "cluster", "area", "outcome", "severity", COUNT(*) AS "n" FROM "findings" ` +
        `WHERE ("resolved_at" IS NULL OR "outcome" IN ('pass', 'not_applicable')) AND "exemption_source" IS NULL ` +
        `GROUP BY "cluster_name", "area", "outcome", "severity"`,
    )) as { cluster: string; area: string; outcome: string; severity: string; n: string | number }[];
    // The layout of `posture/posture-counts.ts` version 1, written out here so this migration never changes.
    const OUTCOMES = ['pass', 'fail', 'warn', 'error', 'not_applicable'];
    const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
    const byCluster = new Map<string, { v: 1; a: Record<string, number[]>; s: number[] }>();
    for (const r of rows) {
      const o = OUTCOMES.indexOf(r.outcome);
      if (o < 0) continue;
      const c = byCluster.get(r.cluster) ?? { v: 1 as const, a: {}, s: [0, 0, 0, 0, 0] };
      byCluster.set(r.cluster, c);
      (c.a[r.area] ??= [0, 0, 0, 0, 0])[o] += Number(r.n);
      const s = SEVERITIES.indexOf(r.severity);
      if (s >= 0 && o >= 1 && o <= 3) c.s[s] += Number(r.n);
    }
    const pg = q.connection.options.type === 'postgres';
    for (const [cluster, counts] of byCluster) {
      await q.query(
        `UPDATE "clusters" SET "posture_counts" = ${pg ? '$1' : '?'} WHERE "name" = ${pg ? '$2' : '?'}`,
        [JSON.stringify(counts), cluster],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_findings_check_outcome"`);
    await q.query(`ALTER TABLE "clusters" DROP COLUMN "posture_counts"`);
  }
}
