import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * An accepted risk: findings of one check (or a whole area) in one scope stop counting until `expiresAt`.
 * Scope columns not used by the scope kind are null. Times are ISO-8601 strings (UTC) as elsewhere in the hub.
 */
@Entity({ name: 'exemptions' })
@Index('ix_exemptions_expires_at', ['expiresAt'])
export class ExemptionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** fleet | platform | cluster | namespace | resource */
  @Column({ name: 'scope_kind', type: 'varchar', length: 16 })
  scopeKind!: string;

  @Column({ type: 'varchar', length: 16, nullable: true })
  platform!: string | null;

  @Column({ type: 'varchar', length: 253, nullable: true })
  cluster!: string | null;

  @Column({ type: 'varchar', length: 253, nullable: true })
  namespace!: string | null;

  @Column({ name: 'resource_kind', type: 'varchar', length: 128, nullable: true })
  resourceKind!: string | null;

  @Column({ name: 'resource_name', type: 'varchar', length: 253, nullable: true })
  resourceName!: string | null;

  @Column({ name: 'resource_path', type: 'varchar', length: 1024, nullable: true })
  resourcePath!: string | null;

  /** Exactly one of checkId and area is set. */
  @Column({ name: 'check_id', type: 'varchar', length: 128, nullable: true })
  checkId!: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  area!: string | null;

  @Column({ type: 'text' })
  reason!: string;

  /** Name of the API token that created it. */
  @Column({ type: 'varchar', length: 128 })
  author!: string;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 32 })
  updatedAt!: string;

  @Column({ name: 'expires_at', type: 'varchar', length: 32 })
  expiresAt!: string;

  @Column({ name: 'revoked_at', type: 'varchar', length: 32, nullable: true })
  revokedAt!: string | null;

  @Column({ name: 'revoked_by', type: 'varchar', length: 128, nullable: true })
  revokedBy!: string | null;
}
