import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Area, Outcome, ResourceRef, Severity } from '@watchpost/shared';

/**
 * Current posture: one row per cluster x check x resource, every outcome (pass rows make pass rates possible).
 * `resourceKey` is `kind|namespace|name|path`; host-file resources (with a `path`) are per node, so their key
 * ends with `@<agentId>` and two nodes' copies of `/etc/kubernetes/pki/apiserver.crt` stay apart.
 */
@Entity({ name: 'findings' })
@Index('uq_findings_cluster_check_resource', ['clusterName', 'checkId', 'resourceKey'], { unique: true })
@Index('ix_findings_check_id', ['checkId'])
@Index('ix_findings_cluster_outcome', ['clusterName', 'outcome'])
@Index('ix_findings_area_outcome', ['area', 'outcome'])
@Index('ix_findings_severity', ['severity'])
export class FindingEntity {
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  id!: number;

  @Column({ name: 'cluster_name', type: 'varchar', length: 253 })
  clusterName!: string;

  /** Agent whose report last carried this row; only that agent's newer reports resolve it. */
  @Column({ name: 'agent_id', type: 'varchar', length: 128 })
  agentId!: string;

  @Column({ name: 'check_id', type: 'varchar', length: 128 })
  checkId!: string;

  @Column({ name: 'resource_key', type: 'varchar', length: 2048 })
  resourceKey!: string;

  @Column({ type: 'simple-json' })
  resource!: ResourceRef;

  @Column({ type: 'varchar', length: 16 })
  area!: Area;

  @Column({ type: 'varchar', length: 16 })
  severity!: Severity;

  @Column({ type: 'varchar', length: 16 })
  outcome!: Outcome;

  @Column({ type: 'text' })
  message!: string;

  @Column({ type: 'simple-json', nullable: true })
  evidence!: Record<string, unknown> | null;

  /** Typed facts (`@watchpost/shared` facts, `{ type, version, ... }`); the only part of a result roll-ups read. */
  @Column({ type: 'simple-json', nullable: true })
  facts!: Record<string, unknown> | null;

  /** First report (hub receive time) that carried this cluster x check x resource. */
  @Column({ name: 'first_seen_at', type: 'varchar', length: 32 })
  firstSeenAt!: string;

  /** Newest report that carried it. */
  @Column({ name: 'last_seen_at', type: 'varchar', length: 32 })
  lastSeenAt!: string;

  /** Since when the current outcome holds. */
  @Column({ name: 'outcome_since', type: 'varchar', length: 32 })
  outcomeSince!: string;

  /**
   * Set when a fail/warn/error turned pass or not_applicable, or vanished from a newer report of the same agent
   * (the row then keeps its last outcome); cleared when it comes back. Null for open problems and for passes.
   */
  @Column({ name: 'resolved_at', type: 'varchar', length: 32, nullable: true })
  resolvedAt!: string | null;

  @Column({ name: 'last_seq', type: 'integer' })
  lastSeq!: number;
}
