import type { MigrationInterface, QueryRunner } from 'typeorm';

const FINDING_COLUMNS: [string, string][] = [
  ['reported_severity', 'varchar(16)'],
  ['override_id', 'varchar(36)'],
  ['override_expires_at', 'varchar(32)'],
  ['agent_exemption', 'text'],
  ['exemption_source', 'varchar(16)'],
  ['exemption_id', 'varchar(36)'],
  ['exemption_reason', 'text'],
  ['exemption_author', 'varchar(128)'],
  ['exemption_ref', 'varchar(1024)'],
  ['exemption_expires_at', 'varchar(32)'],
];

/**
 * Issue 17, applied everywhere a finding counts: each posture row carries its effective severity (a severity
 * override's, else the reported one) and the exemption that covers it, so every count and score reads one row;
 * the expiry columns let the sweep find what stopped applying. Severity overrides live beside exemptions, and
 * their audit entries in the same history (`subject`). Plain SQL that SQLite and PostgreSQL both accept.
 */
export class AddedEffectiveFindingsAndSeverityOverrides1796547000000 implements MigrationInterface {
  name = 'AddedEffectiveFindingsAndSeverityOverrides1796547000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [col, type] of FINDING_COLUMNS)
      await q.query(`ALTER TABLE "findings" ADD COLUMN "${col}" ${type}`);
    await q.query(`CREATE INDEX "ix_findings_exemption_expires_at" ON "findings" ("exemption_expires_at")`);
    await q.query(`CREATE INDEX "ix_findings_override_expires_at" ON "findings" ("override_expires_at")`);
    await q.query(
      `CREATE TABLE "severity_overrides" (` +
        `"id" varchar(36) PRIMARY KEY NOT NULL, ` +
        `"scope_kind" varchar(16) NOT NULL, ` +
        `"platform" varchar(16), ` +
        `"cluster" varchar(253), ` +
        `"check_id" varchar(128) NOT NULL, ` +
        `"severity" varchar(16) NOT NULL, ` +
        `"reason" text NOT NULL, ` +
        `"author" varchar(128) NOT NULL, ` +
        `"created_at" varchar(32) NOT NULL, ` +
        `"updated_at" varchar(32) NOT NULL, ` +
        `"expires_at" varchar(32), ` +
        `"revoked_at" varchar(32), ` +
        `"revoked_by" varchar(128))`,
    );
    await q.query(`CREATE INDEX "ix_severity_overrides_check" ON "severity_overrides" ("check_id")`);
    await q.query(
      `ALTER TABLE "exemption_events" ADD COLUMN "subject" varchar(16) NOT NULL DEFAULT 'exemption'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "exemption_events" DROP COLUMN "subject"`);
    await q.query(`DROP INDEX "ix_severity_overrides_check"`);
    await q.query(`DROP TABLE "severity_overrides"`);
    await q.query(`DROP INDEX "ix_findings_override_expires_at"`);
    await q.query(`DROP INDEX "ix_findings_exemption_expires_at"`);
    for (const [col] of [...FINDING_COLUMNS].reverse())
      await q.query(`ALTER TABLE "findings" DROP COLUMN "${col}"`);
  }
}
