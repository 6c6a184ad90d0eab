import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hub's core tables: clusters, agents, current posture (findings), report history, quarantine, enrollment
 * tokens and issued certificates. Plain SQL that SQLite and PostgreSQL both accept; only the auto-increment key
 * differs. Times are ISO-8601 UTC text (see cluster.entity.ts).
 */
export class CreatedHubCore1795447000000 implements MigrationInterface {
  name = 'CreatedHubCore1795447000000';

  async up(q: QueryRunner): Promise<void> {
    const serial =
      q.connection.options.type === 'postgres' ? 'SERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
    const t = (n = 32): string => `varchar(${n})`;

    await q.query(
      `CREATE TABLE "clusters" ("name" ${t(253)} PRIMARY KEY NOT NULL, "platform" ${t(16)} NOT NULL, ` +
        `"role" ${t(16)} NOT NULL, "location" ${t(128)}, "kubernetes_version" ${t(64)}, "last_agent_id" ${t(128)}, ` +
        `"last_seq" integer, "last_scanned_at" ${t()}, "last_received_at" ${t()}, "clock_skew_ms" integer, ` +
        `"scores" text, "score" integer, "summary" text, "created_at" ${t()} NOT NULL, "updated_at" ${t()} NOT NULL)`,
    );
    await q.query(`CREATE INDEX "ix_clusters_platform" ON "clusters" ("platform")`);
    await q.query(`CREATE INDEX "ix_clusters_last_received_at" ON "clusters" ("last_received_at")`);

    await q.query(
      `CREATE TABLE "agents" ("id" ${t(128)} PRIMARY KEY NOT NULL, "cluster_name" ${t(253)} NOT NULL, ` +
        `"node_name" ${t(253)}, "cert_serial" ${t(64)}, "cert_not_after" ${t()}, ` +
        `"revoked" boolean NOT NULL DEFAULT false, "revoked_at" ${t()}, "status" ${t(16)} NOT NULL DEFAULT 'unknown', ` +
        `"status_at" ${t()}, "status_reported_at" ${t()}, "agent_version" ${t(64)}, "last_seq" integer, ` +
        `"last_scanned_at" ${t()}, "last_received_at" ${t()}, "clock_skew_ms" integer, ` +
        `"dropped_total" integer NOT NULL DEFAULT 0, "enrolled_at" ${t()} NOT NULL)`,
    );
    await q.query(`CREATE INDEX "ix_agents_cluster_name" ON "agents" ("cluster_name")`);

    await q.query(
      `CREATE TABLE "findings" ("id" ${serial}, "cluster_name" ${t(253)} NOT NULL, "agent_id" ${t(128)} NOT NULL, ` +
        `"check_id" ${t(128)} NOT NULL, "resource_key" ${t(2048)} NOT NULL, "resource" text NOT NULL, ` +
        `"area" ${t(16)} NOT NULL, "severity" ${t(16)} NOT NULL, "outcome" ${t(16)} NOT NULL, "message" text NOT NULL, ` +
        `"evidence" text, "first_seen_at" ${t()} NOT NULL, "last_seen_at" ${t()} NOT NULL, ` +
        `"outcome_since" ${t()} NOT NULL, "resolved_at" ${t()}, "last_seq" integer NOT NULL)`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "uq_findings_cluster_check_resource" ON "findings" ("cluster_name", "check_id", "resource_key")`,
    );
    await q.query(`CREATE INDEX "ix_findings_check_id" ON "findings" ("check_id")`);
    await q.query(`CREATE INDEX "ix_findings_cluster_outcome" ON "findings" ("cluster_name", "outcome")`);
    await q.query(`CREATE INDEX "ix_findings_area_outcome" ON "findings" ("area", "outcome")`);
    await q.query(`CREATE INDEX "ix_findings_severity" ON "findings" ("severity")`);

    await q.query(
      `CREATE TABLE "reports" ("id" ${serial}, "agent_id" ${t(128)} NOT NULL, "cluster_name" ${t(253)} NOT NULL, ` +
        `"seq" integer NOT NULL, "run_id" ${t(128)} NOT NULL, "scanned_at" ${t()} NOT NULL, ` +
        `"received_at" ${t()} NOT NULL, "clock_skew_ms" integer NOT NULL, "agent_version" ${t(64)} NOT NULL, ` +
        `"kubernetes_version" ${t(64)}, "summary" text NOT NULL, "scores" text NOT NULL, "score" integer, ` +
        `"result_count" integer NOT NULL, "collector_errors" text NOT NULL, "dropped" integer NOT NULL, ` +
        `"applied_to_posture" boolean NOT NULL)`,
    );
    await q.query(`CREATE UNIQUE INDEX "uq_reports_agent_seq" ON "reports" ("agent_id", "seq")`);
    await q.query(`CREATE INDEX "ix_reports_cluster_received" ON "reports" ("cluster_name", "received_at")`);

    await q.query(
      `CREATE TABLE "quarantine" ("id" ${serial}, "topic" ${t(512)} NOT NULL, "agent_id" ${t(128)}, ` +
        `"envelope_agent_id" ${t(128)}, "seq" integer, "reason" ${t(64)} NOT NULL, "detail" text NOT NULL, ` +
        `"received_at" ${t()} NOT NULL, "payload_bytes" integer NOT NULL, "payload_excerpt" text NOT NULL)`,
    );
    await q.query(`CREATE INDEX "ix_quarantine_received_at" ON "quarantine" ("received_at")`);
    await q.query(`CREATE INDEX "ix_quarantine_agent_id" ON "quarantine" ("agent_id")`);

    await q.query(
      `CREATE TABLE "enrollment_tokens" ("id" ${t(36)} PRIMARY KEY NOT NULL, "token_hash" ${t(64)} NOT NULL, ` +
        `"cluster_name" ${t(253)} NOT NULL, "platform" ${t(16)} NOT NULL, "role" ${t(16)} NOT NULL, ` +
        `"location" ${t(128)}, "created_at" ${t()} NOT NULL, "expires_at" ${t()} NOT NULL, "used_at" ${t()}, ` +
        `"used_by_agent_id" ${t(128)})`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "uq_enrollment_tokens_token_hash" ON "enrollment_tokens" ("token_hash")`,
    );

    await q.query(
      `CREATE TABLE "issued_certificates" ("serial" ${t(64)} PRIMARY KEY NOT NULL, "agent_id" ${t(128)} NOT NULL, ` +
        `"fingerprint" ${t(80)} NOT NULL, "not_before" ${t()} NOT NULL, "not_after" ${t()} NOT NULL, ` +
        `"issued_at" ${t()} NOT NULL, "reason" ${t(16)} NOT NULL, "revoked_at" ${t()})`,
    );
    await q.query(`CREATE INDEX "ix_issued_certificates_agent_id" ON "issued_certificates" ("agent_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of [
      'ix_issued_certificates_agent_id',
      'uq_enrollment_tokens_token_hash',
      'ix_quarantine_agent_id',
      'ix_quarantine_received_at',
      'ix_reports_cluster_received',
      'uq_reports_agent_seq',
      'ix_findings_severity',
      'ix_findings_area_outcome',
      'ix_findings_cluster_outcome',
      'ix_findings_check_id',
      'uq_findings_cluster_check_resource',
      'ix_agents_cluster_name',
      'ix_clusters_last_received_at',
      'ix_clusters_platform',
    ]) {
      await q.query(`DROP INDEX "${index}"`);
    }
    for (const table of [
      'issued_certificates',
      'enrollment_tokens',
      'quarantine',
      'reports',
      'findings',
      'agents',
      'clusters',
    ]) {
      await q.query(`DROP TABLE "${table}"`);
    }
  }
}
