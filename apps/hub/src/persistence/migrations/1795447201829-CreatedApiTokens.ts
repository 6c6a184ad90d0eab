import type { MigrationInterface, QueryRunner } from 'typeorm';

/** REST API bearer tokens (hub-api). Plain SQL that SQLite and PostgreSQL both accept. */
export class CreatedApiTokens1795447201829 implements MigrationInterface {
  name = 'CreatedApiTokens1795447201829';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "api_tokens" (` +
        `"id" varchar(36) PRIMARY KEY NOT NULL, ` +
        `"name" varchar(128) NOT NULL, ` +
        `"role" varchar(16) NOT NULL, ` +
        `"token_hash" varchar(64) NOT NULL, ` +
        `"created_at" varchar(32) NOT NULL, ` +
        `"expires_at" varchar(32), ` +
        `"revoked_at" varchar(32), ` +
        `"last_used_at" varchar(32))`,
    );
    await q.query(`CREATE UNIQUE INDEX "uq_api_tokens_token_hash" ON "api_tokens" ("token_hash")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "uq_api_tokens_token_hash"`);
    await q.query(`DROP TABLE "api_tokens"`);
  }
}
