import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 15, fleet summary at 10,000 clusters: the summary asks the database, per cluster, for the best liveness of
 * its unrevoked agents (`BEST_AGENT_LIVENESS_SQL`). With the cluster, revocation and status in one index, that is
 * answered from the index alone instead of a lookup of each agent's row (SQLite: the summary's cluster read about a
 * third cheaper). Status and revocation change rarely, so agent writes seldom touch it.
 */
export class AddedAgentLivenessIndex1796551000000 implements MigrationInterface {
  name = 'AddedAgentLivenessIndex1796551000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "ix_agents_cluster_liveness" ON "agents" ("cluster_name", "revoked", "status")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_agents_cluster_liveness"`);
  }
}
