import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Area, CollectorError, ReportSummary } from '@watchpost/shared';

/** History: one row per stored report (agent x seq is unique, which is what makes ingest idempotent). */
@Entity({ name: 'reports' })
@Index('uq_reports_agent_seq', ['agentId', 'seq'], { unique: true })
@Index('ix_reports_cluster_received', ['clusterName', 'receivedAt'])
export class ReportEntity {
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  id!: number;

  @Column({ name: 'agent_id', type: 'varchar', length: 128 })
  agentId!: string;

  @Column({ name: 'cluster_name', type: 'varchar', length: 253 })
  clusterName!: string;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ name: 'run_id', type: 'varchar', length: 128 })
  runId!: string;

  @Column({ name: 'scanned_at', type: 'varchar', length: 32 })
  scannedAt!: string;

  @Column({ name: 'received_at', type: 'varchar', length: 32 })
  receivedAt!: string;

  @Column({ name: 'clock_skew_ms', type: 'integer' })
  clockSkewMs!: number;

  @Column({ name: 'agent_version', type: 'varchar', length: 64 })
  agentVersion!: string;

  @Column({ name: 'kubernetes_version', type: 'varchar', length: 64, nullable: true })
  kubernetesVersion!: string | null;

  @Column({ type: 'simple-json' })
  summary!: ReportSummary;

  @Column({ type: 'simple-json' })
  scores!: Partial<Record<Area, number>>;

  @Column({ type: 'integer', nullable: true })
  score!: number | null;

  @Column({ name: 'result_count', type: 'integer' })
  resultCount!: number;

  @Column({ name: 'collector_errors', type: 'simple-json' })
  collectorErrors!: CollectorError[];

  @Column({ type: 'integer' })
  dropped!: number;

  /** False when a newer seq of the same agent had already been stored: kept for history, posture untouched. */
  @Column({ name: 'applied_to_posture', type: 'boolean' })
  appliedToPosture!: boolean;
}
