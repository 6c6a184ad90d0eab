import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Area, Outcome, ResourceRef, ResultExemption, Severity } from '@watchpost/shared';

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
@Index('ix_findings_check_outcome', ['checkId', 'outcome', 'resolvedAt'])
@Index('ix_findings_exemption_expires_at', ['exemptionExpiresAt'])
@Index('ix_findings_override_expires_at', ['overrideExpiresAt'])
@Index('ix_findings_page', ['severity', 'outcome', 'clusterName', 'checkId', 'resourceKey', 'resolvedAt'])
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

  /** The effective severity: a severity override's when one applies, else the one the agent reported. */
  @Column({ type: 'varchar', length: 16 })
  severity!: Severity;

  /** The severity the agent reported, kept only while an override changes it (null: `severity` is the reported one). */
  @Column({ name: 'reported_severity', type: 'varchar', length: 16, nullable: true })
  reportedSeverity!: Severity | null;

  /** The severity override in force on this row, and when it stops applying (the sweep looks at this). */
  @Column({ name: 'override_id', type: 'varchar', length: 36, nullable: true })
  overrideId!: string | null;

  @Column({ name: 'override_expires_at', type: 'varchar', length: 32, nullable: true })
  overrideExpiresAt!: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome!: Outcome;

  @Column({ type: 'text' })
  message!: string;

  @Column({ type: 'simple-json', nullable: true })
  evidence!: Record<string, unknown> | null;

  /** Typed facts (`@watchpost/shared` facts, `{ type, version, ... }`); the only part of a result roll-ups read. */
  @Column({ type: 'simple-json', nullable: true })
  facts!: Record<string, unknown> | null;

  /** The exemption the agent put on the result (`ResultExemption`), as reported; whether it applies is below. */
  @Column({ name: 'agent_exemption', type: 'simple-json', nullable: true })
  agentExemption!: ResultExemption | null;

  /**
   * The exemption in force on this row (issue 17; docs/exemptions.md): `hub` (then `exemptionId`), `annotation` or
   * `config`; null when the row counts. Only `fail`/`warn` rows are ever exempted. An exempted row stays listed but
   * counts toward no score, open count, metric or ranking.
   */
  @Column({ name: 'exemption_source', type: 'varchar', length: 16, nullable: true })
  exemptionSource!: 'hub' | 'annotation' | 'config' | null;

  @Column({ name: 'exemption_id', type: 'varchar', length: 36, nullable: true })
  exemptionId!: string | null;

  @Column({ name: 'exemption_reason', type: 'text', nullable: true })
  exemptionReason!: string | null;

  @Column({ name: 'exemption_author', type: 'varchar', length: 128, nullable: true })
  exemptionAuthor!: string | null;

  @Column({ name: 'exemption_ref', type: 'varchar', length: 1024, nullable: true })
  exemptionRef!: string | null;

  /** When the exemption stops applying (the sweep re-evaluates the cluster then); null for agent ones without. */
  @Column({ name: 'exemption_expires_at', type: 'varchar', length: 32, nullable: true })
  exemptionExpiresAt!: string | null;

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
