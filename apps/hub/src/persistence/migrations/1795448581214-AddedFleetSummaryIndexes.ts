import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the read side (hub-api). The fleet summary and pass rates group every current finding by
 * cluster, area, outcome and severity: a covering index lets both databases answer from the index alone
 * (measured by the hub-fleet-summary benchmark). The expiry and KMS lookups filter by check and open state.
 */
export class AddedFleetSummaryIndexes1795448581214 implements MigrationInterface {
  name = 'AddedFleetSummaryIndexes1795448581214';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "ix_findings_posture" ON "findings" ("cluster_name", "area", "outcome", "severity", "resolved_at")`,
    );
    await q.query(`CREATE INDEX "ix_findings_check_resolved" ON "findings" ("check_id", "resolved_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_findings_check_resolved"`);
    await q.query(`DROP INDEX "ix_findings_posture"`);
  }
}
