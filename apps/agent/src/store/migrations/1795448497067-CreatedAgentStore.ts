import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The agent store: reports, their outbox rows, observation history and the agent's own state. */
export class CreatedAgentStore1795448497067 implements MigrationInterface {
  name = 'CreatedAgentStore1795448497067';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "reports" (
      "seq" integer PRIMARY KEY NOT NULL,
      "run_id" varchar(128) NOT NULL,
      "scanned_at" varchar(40) NOT NULL,
      "created_at" varchar(40) NOT NULL,
      "summary_json" text NOT NULL,
      "payload" blob NOT NULL,
      "payload_bytes" integer NOT NULL,
      "dropped" integer NOT NULL DEFAULT (0)
    )`);
    // Deleting a report (retention) takes its delivery row with it.
    await q.query(`CREATE TABLE "outbox" (
      "seq" integer PRIMARY KEY NOT NULL REFERENCES "reports" ("seq") ON DELETE CASCADE,
      "state" varchar(16) NOT NULL,
      "attempts" integer NOT NULL DEFAULT (0),
      "created_at" varchar(40) NOT NULL,
      "last_sent_at" varchar(40),
      "acked_at" varchar(40),
      "reason" varchar(1024)
    )`);
    await q.query(`CREATE INDEX "idx_outbox_state_seq" ON "outbox" ("state", "seq")`);
    await q.query(`CREATE TABLE "certificate_history" (
      "identity" varchar(1024) NOT NULL,
      "serial" varchar(128) NOT NULL,
      "not_before" varchar(40) NOT NULL,
      "not_after" varchar(40) NOT NULL,
      "first_seen" varchar(40) NOT NULL,
      "last_seen" varchar(40) NOT NULL,
      PRIMARY KEY ("identity", "serial")
    )`);
    await q.query(
      `CREATE INDEX "idx_certificate_history_identity" ON "certificate_history" ("identity", "last_seen")`,
    );
    await q.query(`CREATE TABLE "kms_key_history" (
      "provider" varchar(256) NOT NULL,
      "key_id" varchar(512) NOT NULL,
      "first_seen" varchar(40) NOT NULL,
      "last_seen" varchar(40) NOT NULL,
      PRIMARY KEY ("provider", "key_id")
    )`);
    await q.query(
      `CREATE INDEX "idx_kms_key_history_provider" ON "kms_key_history" ("provider", "last_seen")`,
    );
    await q.query(`CREATE TABLE "agent_state" (
      "id" integer PRIMARY KEY NOT NULL,
      "agent_id" varchar(128),
      "cluster_json" text,
      "broker_url" varchar(512),
      "last_seq" integer NOT NULL DEFAULT (0),
      "last_connect_at" varchar(40),
      "last_ack_at" varchar(40),
      "dropped_unreported" integer NOT NULL DEFAULT (0),
      "dropped_total" integer NOT NULL DEFAULT (0),
      "rejected_total" integer NOT NULL DEFAULT (0),
      "last_error" varchar(1024),
      "last_error_at" varchar(40),
      "cert_not_after" varchar(40),
      "interval_seconds" integer,
      "updated_at" varchar(40) NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "agent_state"`);
    await q.query(`DROP INDEX "idx_kms_key_history_provider"`);
    await q.query(`DROP TABLE "kms_key_history"`);
    await q.query(`DROP INDEX "idx_certificate_history_identity"`);
    await q.query(`DROP TABLE "certificate_history"`);
    await q.query(`DROP INDEX "idx_outbox_state_seq"`);
    await q.query(`DROP TABLE "outbox"`);
    await q.query(`DROP TABLE "reports"`);
  }
}
