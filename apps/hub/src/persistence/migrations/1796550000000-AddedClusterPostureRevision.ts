import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 15, fleet summary at 10,000 clusters: each cluster row carries a revision that every writer of its findings
 * bumps in the same transaction as its roll-up (`posture_counts`), so a hub replica that keeps the certificate and
 * KMS rows it ranks in memory re-reads only the clusters whose revision moved. Starts at 0 (a replica's memory
 * starts empty, so existing rows are read once in full). Plain SQL that SQLite and PostgreSQL both accept.
 */
export class AddedClusterPostureRevision1796550000000 implements MigrationInterface {
  name = 'AddedClusterPostureRevision1796550000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "clusters" ADD COLUMN "posture_revision" integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "clusters" DROP COLUMN "posture_revision"`);
  }
}
