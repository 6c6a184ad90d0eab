import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A message the ingest refused, with why. Never reaches posture; kept for operators (and the REST API). */
@Entity({ name: 'quarantine' })
@Index('ix_quarantine_received_at', ['receivedAt'])
@Index('ix_quarantine_agent_id', ['agentId'])
export class QuarantineEntity {
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 512 })
  topic!: string;

  /** The agent id the topic claims (null when the topic itself was unusable). */
  @Column({ name: 'agent_id', type: 'varchar', length: 128, nullable: true })
  agentId!: string | null;

  /** The envelope's `agentId`, when it got that far. */
  @Column({ name: 'envelope_agent_id', type: 'varchar', length: 128, nullable: true })
  envelopeAgentId!: string | null;

  @Column({ type: 'integer', nullable: true })
  seq!: number | null;

  /** Machine-readable reason code (`IngestRejection`). */
  @Column({ type: 'varchar', length: 64 })
  reason!: string;

  /** Human-readable detail: which field, what limit. */
  @Column({ type: 'text' })
  detail!: string;

  @Column({ name: 'received_at', type: 'varchar', length: 32 })
  receivedAt!: string;

  @Column({ name: 'payload_bytes', type: 'integer' })
  payloadBytes!: number;

  /** First bytes of the payload, base64 (it may be binary). */
  @Column({ name: 'payload_excerpt', type: 'text' })
  payloadExcerpt!: string;
}
