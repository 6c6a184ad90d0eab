import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Delivery states of an outbox row. `acked` and `rejected` are final. */
export type OutboxState = 'pending' | 'sent' | 'acked' | 'rejected';

/** Delivery of one report to the hub, finished only by the hub's application-level ack. */
@Entity({ name: 'outbox' })
@Index('idx_outbox_state_seq', ['state', 'seq'])
export class OutboxEntity {
  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ type: 'varchar', length: 16 })
  state!: OutboxState;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'created_at', type: 'varchar', length: 40 })
  createdAt!: string;

  @Column({ name: 'last_sent_at', type: 'varchar', length: 40, nullable: true })
  lastSentAt!: string | null;

  @Column({ name: 'acked_at', type: 'varchar', length: 40, nullable: true })
  ackedAt!: string | null;

  /** Why the row was rejected (hub ack reason, broker reason code), or the last delivery problem. */
  @Column({ type: 'varchar', length: 1024, nullable: true })
  reason!: string | null;
}
