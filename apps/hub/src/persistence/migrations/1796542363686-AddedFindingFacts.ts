import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Typed facts of a result (`@watchpost/shared` facts: certificate, KMS key, IMDS exposure), kept apart from
 * the free-form evidence: the posture roll-ups, the expiry list and the metrics read only this column.
 */
export class AddedFindingFacts1796542363686 implements MigrationInterface {
  name = 'AddedFindingFacts1796542363686';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "findings" ADD COLUMN "facts" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "findings" DROP COLUMN "facts"`);
  }
}
