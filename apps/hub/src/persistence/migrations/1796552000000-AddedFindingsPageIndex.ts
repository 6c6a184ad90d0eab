import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 15, findings pages at 10,000 clusters: the findings list filtered by severity and outcome (the web view's
 * buckets, `?outcome=fail&severity=critical,high`) is ordered by the unique key (cluster, check, resource key).
 * With severity and outcome ahead of that key, each severity × outcome pair is one range of this index already in
 * page order, so a page reads about a page of index entries per pair instead of every matching row and a sort of
 * them all (`FindingsQueryService.bucketPage`; docs/hub.md, fourth round: findings pages). `resolved_at` rides
 * along so the default view's `resolved=false` is tested in the index.
 */
export class AddedFindingsPageIndex1796552000000 implements MigrationInterface {
  name = 'AddedFindingsPageIndex1796552000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "ix_findings_page" ON "findings" ("severity", "outcome", "cluster_name", "check_id", "resource_key", "resolved_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_findings_page"`);
  }
}
