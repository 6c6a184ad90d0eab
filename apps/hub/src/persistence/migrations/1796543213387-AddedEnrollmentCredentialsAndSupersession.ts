import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cluster enrollment credentials (one secret for a whole DaemonSet, at most N nodes), and on agents: which
 * token or credential enrolled them and, once a node enrolled again, which identity superseded them. Plain SQL
 * that SQLite and PostgreSQL both accept.
 */
export class AddedEnrollmentCredentialsAndSupersession1796543213387 implements MigrationInterface {
  name = 'AddedEnrollmentCredentialsAndSupersession1796543213387';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "enrollment_credentials" (` +
        `"id" varchar(36) PRIMARY KEY NOT NULL, ` +
        `"credential_hash" varchar(64) NOT NULL, ` +
        `"cluster_name" varchar(253) NOT NULL, ` +
        `"platform" varchar(16) NOT NULL, ` +
        `"role" varchar(16) NOT NULL, ` +
        `"location" varchar(128), ` +
        `"max_agents" integer NOT NULL, ` +
        `"created_at" varchar(32) NOT NULL, ` +
        `"expires_at" varchar(32) NOT NULL, ` +
        `"revoked_at" varchar(32))`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "uq_enrollment_credentials_hash" ON "enrollment_credentials" ("credential_hash")`,
    );
    await q.query(`ALTER TABLE "agents" ADD COLUMN "enrolled_with" varchar(36)`);
    await q.query(`ALTER TABLE "agents" ADD COLUMN "superseded_by" varchar(128)`);
    await q.query(`ALTER TABLE "agents" ADD COLUMN "superseded_at" varchar(32)`);
    await q.query(`CREATE INDEX "ix_agents_enrolled_with" ON "agents" ("enrolled_with")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_agents_enrolled_with"`);
    await q.query(`ALTER TABLE "agents" DROP COLUMN "superseded_at"`);
    await q.query(`ALTER TABLE "agents" DROP COLUMN "superseded_by"`);
    await q.query(`ALTER TABLE "agents" DROP COLUMN "enrolled_with"`);
    await q.query(`DROP INDEX "uq_enrollment_credentials_hash"`);
    await q.query(`DROP TABLE "enrollment_credentials"`);
  }
}
