import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One change to an exemption, kept for ever: who did what, when, and the exemption after it. */
@Entity({ name: 'exemption_events' })
@Index('ix_exemption_events_exemption', ['exemptionId', 'id'])
export class ExemptionEventEntity {
  /** Insertion order: the history reads back in the order things happened. */
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  id!: number;

  @Column({ name: 'exemption_id', type: 'varchar', length: 36 })
  exemptionId!: string;

  /** created | updated | revoked */
  @Column({ type: 'varchar', length: 16 })
  action!: string;

  @Column({ type: 'varchar', length: 128 })
  actor!: string;

  @Column({ type: 'varchar', length: 32 })
  at!: string;

  /** What changed (updated: the fields with before and after; revoked/created: the reason given). */
  @Column({ type: 'text' })
  detail!: string;
}
