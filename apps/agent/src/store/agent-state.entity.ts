import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The agent's own state: one row (id = 1). */
@Entity({ name: 'agent_state' })
export class AgentStateEntity {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'agent_id', type: 'varchar', length: 128, nullable: true })
  agentId!: string | null;

  @Column({ name: 'cluster_json', type: 'text', nullable: true })
  clusterJson!: string | null;

  @Column({ name: 'broker_url', type: 'varchar', length: 512, nullable: true })
  brokerUrl!: string | null;

  /** Highest seq ever assigned (never reused, even after retention deleted the row). */
  @Column({ name: 'last_seq', type: 'integer', default: 0 })
  lastSeq!: number;

  @Column({ name: 'last_connect_at', type: 'varchar', length: 40, nullable: true })
  lastConnectAt!: string | null;

  @Column({ name: 'last_ack_at', type: 'varchar', length: 40, nullable: true })
  lastAckAt!: string | null;

  /** Reports dropped by retention and not yet announced in a stored report's `dropped`. */
  @Column({ name: 'dropped_unreported', type: 'integer', default: 0 })
  droppedUnreported!: number;

  @Column({ name: 'dropped_total', type: 'integer', default: 0 })
  droppedTotal!: number;

  @Column({ name: 'rejected_total', type: 'integer', default: 0 })
  rejectedTotal!: number;

  /** Latest delivery problem worth showing (`broker refused publish: 0x87 not authorised`). */
  @Column({ name: 'last_error', type: 'varchar', length: 1024, nullable: true })
  lastError!: string | null;

  @Column({ name: 'last_error_at', type: 'varchar', length: 40, nullable: true })
  lastErrorAt!: string | null;

  /** The agent certificate's notAfter, as last loaded by the daemon (for offline `status`). */
  @Column({ name: 'cert_not_after', type: 'varchar', length: 40, nullable: true })
  certNotAfter!: string | null;

  @Column({ name: 'interval_seconds', type: 'integer', nullable: true })
  intervalSeconds!: number | null;

  @Column({ name: 'updated_at', type: 'varchar', length: 40 })
  updatedAt!: string;
}
