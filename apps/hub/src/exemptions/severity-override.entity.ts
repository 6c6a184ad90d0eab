import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A severity override: one check's findings take `severity` in a scope (fleet, platform or cluster; the narrowest
 * wins) without editing the catalogue. `expiresAt` is optional. Times are ISO-8601 strings (UTC).
 */
@Entity({ name: 'severity_overrides' })
@Index('ix_severity_overrides_check', ['checkId'])
export class SeverityOverrideEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** fleet | platform | cluster */
  @Column({ name: 'scope_kind', type: 'varchar', length: 16 })
  scopeKind!: string;

  @Column({ type: 'varchar', length: 16, nullable: true })
  platform!: string | null;

  @Column({ type: 'varchar', length: 253, nullable: true })
  cluster!: string | null;

  @Column({ name: 'check_id', type: 'varchar', length: 128 })
  checkId!: string;

  @Column({ type: 'varchar', length: 16 })
  severity!: string;

  @Column({ type: 'text' })
  reason!: string;

  /** Name of the API token that created it. */
  @Column({ type: 'varchar', length: 128 })
  author!: string;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 32 })
  updatedAt!: string;

  @Column({ name: 'expires_at', type: 'varchar', length: 32, nullable: true })
  expiresAt!: string | null;

  @Column({ name: 'revoked_at', type: 'varchar', length: 32, nullable: true })
  revokedAt!: string | null;

  @Column({ name: 'revoked_by', type: 'varchar', length: 128, nullable: true })
  revokedBy!: string | null;
}
