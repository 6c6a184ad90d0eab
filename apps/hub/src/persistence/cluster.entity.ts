import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Area, ClusterRole, Platform, ReportSummary } from '@watchpost/shared';

/**
 * One cluster's current, counted findings (see `postureCounts`): by area, `[pass, fail, warn, error,
 * not_applicable]`; open problems by severity, `[critical, high, medium, low, info]`; `v` the layout version.
 */
export interface PostureCounts {
  v: number;
  a: Partial<Record<Area, [number, number, number, number, number]>>;
  s: [number, number, number, number, number];
}

/**
 * One cluster of the fleet, as its newest report describes it. Times are ISO-8601 UTC strings
 * (`Date#toISOString()`, so they sort and compare as text on SQLite and PostgreSQL alike).
 */
@Entity({ name: 'clusters' })
@Index('ix_clusters_platform', ['platform'])
@Index('ix_clusters_last_received_at', ['lastReceivedAt'])
export class ClusterEntity {
  /** Cluster name from the enrollment token (the agent's report repeats it). */
  @PrimaryColumn({ type: 'varchar', length: 253 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  platform!: Platform;

  @Column({ type: 'varchar', length: 16 })
  role!: ClusterRole;

  @Column({ type: 'varchar', length: 128, nullable: true })
  location!: string | null;

  @Column({ name: 'kubernetes_version', type: 'varchar', length: 64, nullable: true })
  kubernetesVersion!: string | null;

  /** Agent whose report is the newest one for this cluster. */
  @Column({ name: 'last_agent_id', type: 'varchar', length: 128, nullable: true })
  lastAgentId!: string | null;

  @Column({ name: 'last_seq', type: 'integer', nullable: true })
  lastSeq!: number | null;

  /** The agent's clock: when the newest report's scan ran. */
  @Column({ name: 'last_scanned_at', type: 'varchar', length: 32, nullable: true })
  lastScannedAt!: string | null;

  /** The hub's clock: when the newest report arrived. Freshness and staleness use this, never the agent's clock. */
  @Column({ name: 'last_received_at', type: 'varchar', length: 32, nullable: true })
  lastReceivedAt!: string | null;

  /** receivedAt - scannedAt of the newest report, in ms (includes queueing delay; large values mean a wrong clock or an outage). */
  @Column({ name: 'clock_skew_ms', type: 'integer', nullable: true })
  clockSkewMs!: number | null;

  /** 0-100 per area (`posture/scoring.ts`: passed / (passed + failed + warned + errored)); areas with nothing applicable are absent. */
  @Column({ type: 'simple-json', nullable: true })
  scores!: Partial<Record<Area, number>> | null;

  /** Overall score over all areas, same formula. */
  @Column({ type: 'integer', nullable: true })
  score!: number | null;

  @Column({ type: 'simple-json', nullable: true })
  summary!: ReportSummary | null;

  /**
   * Counts of the cluster's current, counted (not exempted) findings by area, outcome and severity, kept by
   * every writer of its findings in the same transaction (`posture/posture-counts.ts`); the fleet summary sums
   * them. Null until first written (a cluster without findings, or rows written by something else).
   */
  @Column({ name: 'posture_counts', type: 'simple-json', nullable: true })
  postureCounts!: PostureCounts | null;

  /**
   * Bumped with `postureCounts`, in the same transaction, by every writer of the cluster's findings: a reader that
   * keeps some of those findings in memory (the fleet summary's certificate and KMS rows) re-reads a cluster only
   * when its revision moved, so every hub replica on the database sees every change at its next read.
   */
  @Column({ name: 'posture_revision', type: 'integer', default: 0 })
  postureRevision!: number;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 32 })
  updatedAt!: string;
}
