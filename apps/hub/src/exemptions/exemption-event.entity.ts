import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One change to an exemption or a severity override, kept for ever: who did what, when, and the exemption after it. */
@Entity({ name: 'exemption_events' })
@Index('ix_exemption_events_exemption', ['exemptionId', 'id'])
export class ExemptionEventEntity {
  /** Insertion order: the history reads back in the order things happened. */
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  id!: number;

  /** Id of the exemption, or of the severity override when `subject` is `override`. */
  @Column({ name: 'exemption_id', type: 'varchar', length: 36 })
  exemptionId!: string;

  /** exemption | override: both keep their audit in this one history. */
  @Column({ type: 'varchar', length: 16, default: 'exemption' })
  subject!: string;

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
