import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Imported Kubernetes support data documents (one row per data version). Same SQL on SQLite and PostgreSQL. */
export class CreatedSupportData1796545345219 implements MigrationInterface {
  name = 'CreatedSupportData1796545345219';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "support_data" ("data_version" varchar(32) NOT NULL, "compiled_at" varchar(10) NOT NULL, "document" text NOT NULL, "source" varchar(512) NOT NULL, "imported_at" varchar(40) NOT NULL, CONSTRAINT "pk_support_data" PRIMARY KEY ("data_version"))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "support_data"`);
  }
}
