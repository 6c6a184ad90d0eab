import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Liveness as the broker reports it: retained `online` status, or `offline` from the agent or its last will. */
export type AgentLiveness = 'online' | 'offline' | 'unknown';

/** An enrolled agent. Its id is its certificate CN and MQTT client id. */
@Entity({ name: 'agents' })
@Index('ix_agents_cluster_name', ['clusterName'])
/** The fleet summary's per-cluster liveness, answered from the index alone (`posture/liveness.ts`). */
@Index('ix_agents_cluster_liveness', ['clusterName', 'revoked', 'status'])
@Index('ix_agents_enrolled_with', ['enrolledWith'])
export class AgentEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  id!: string;

  @Column({ name: 'cluster_name', type: 'varchar', length: 253 })
  clusterName!: string;

  @Column({ name: 'node_name', type: 'varchar', length: 253, nullable: true })
  nodeName!: string | null;

  /** Serial (upper-case hex) of the newest certificate issued to this agent. */
  @Column({ name: 'cert_serial', type: 'varchar', length: 64, nullable: true })
  certSerial!: string | null;

  @Column({ name: 'cert_not_after', type: 'varchar', length: 32, nullable: true })
  certNotAfter!: string | null;

  /** Revoked agents are refused by the embedded broker and by ingest. */
  @Column({ type: 'boolean', default: false })
  revoked!: boolean;

  @Column({ name: 'revoked_at', type: 'varchar', length: 32, nullable: true })
  revokedAt!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'unknown' })
  status!: AgentLiveness;

  /** Hub time when the status last changed (the agent's own `at`, if any, is kept in `statusReportedAt`). */
  @Column({ name: 'status_at', type: 'varchar', length: 32, nullable: true })
  statusAt!: string | null;

  @Column({ name: 'status_reported_at', type: 'varchar', length: 32, nullable: true })
  statusReportedAt!: string | null;

  @Column({ name: 'agent_version', type: 'varchar', length: 64, nullable: true })
  agentVersion!: string | null;

  @Column({ name: 'last_seq', type: 'integer', nullable: true })
  lastSeq!: number | null;

  @Column({ name: 'last_scanned_at', type: 'varchar', length: 32, nullable: true })
  lastScannedAt!: string | null;

  @Column({ name: 'last_received_at', type: 'varchar', length: 32, nullable: true })
  lastReceivedAt!: string | null;

  /** receivedAt - scannedAt of the newest report, ms. */
  @Column({ name: 'clock_skew_ms', type: 'integer', nullable: true })
  clockSkewMs!: number | null;

  /** Reports the agent says it had to drop (retention bound), summed over all reports. */
  @Column({ name: 'dropped_total', type: 'integer', default: 0 })
  droppedTotal!: number;

  @Column({ name: 'enrolled_at', type: 'varchar', length: 32 })
  enrolledAt!: string;

  /** Id of the enrollment token or cluster credential this identity was enrolled with. */
  @Column({ name: 'enrolled_with', type: 'varchar', length: 36, nullable: true })
  enrolledWith!: string | null;

  /**
   * The identity that replaced this one when the same node (or cluster-level agent) enrolled again; this row
   * keeps its history, is revoked, and its certificates are revoked.
   */
  @Column({ name: 'superseded_by', type: 'varchar', length: 128, nullable: true })
  supersededBy!: string | null;

  @Column({ name: 'superseded_at', type: 'varchar', length: 32, nullable: true })
  supersededAt!: string | null;
}
