import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Accepted risks (exemptions) and their audit history. Plain SQL that SQLite and PostgreSQL both accept. */
export class CreatedExemptions1796546000000 implements MigrationInterface {
  name = 'CreatedExemptions1796546000000';

  async up(q: QueryRunner): Promise<void> {
    // Events are numbered in insertion order: the history reads back in the order things happened.
    const serial =
      q.connection.options.type === 'postgres' ? 'SERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
    await q.query(
      `CREATE TABLE "exemptions" (` +
        `"id" varchar(36) PRIMARY KEY NOT NULL, ` +
        `"scope_kind" varchar(16) NOT NULL, ` +
        `"platform" varchar(16), ` +
        `"cluster" varchar(253), ` +
        `"namespace" varchar(253), ` +
        `"resource_kind" varchar(128), ` +
        `"resource_name" varchar(253), ` +
        `"resource_path" varchar(1024), ` +
        `"check_id" varchar(128), ` +
        `"area" varchar(32), ` +
        `"reason" text NOT NULL, ` +
        `"author" varchar(128) NOT NULL, ` +
        `"created_at" varchar(32) NOT NULL, ` +
        `"updated_at" varchar(32) NOT NULL, ` +
        `"expires_at" varchar(32) NOT NULL, ` +
        `"revoked_at" varchar(32), ` +
        `"revoked_by" varchar(128))`,
    );
    await q.query(`CREATE INDEX "ix_exemptions_expires_at" ON "exemptions" ("expires_at")`);
    await q.query(
      `CREATE TABLE "exemption_events" (` +
        `"id" ${serial}, ` +
        `"exemption_id" varchar(36) NOT NULL, ` +
        `"action" varchar(16) NOT NULL, ` +
        `"actor" varchar(128) NOT NULL, ` +
        `"at" varchar(32) NOT NULL, ` +
        `"detail" text NOT NULL)`,
    );
    await q.query(
      `CREATE INDEX "ix_exemption_events_exemption" ON "exemption_events" ("exemption_id", "id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_exemption_events_exemption"`);
    await q.query(`DROP TABLE "exemption_events"`);
    await q.query(`DROP INDEX "ix_exemptions_expires_at"`);
    await q.query(`DROP TABLE "exemptions"`);
  }
}
