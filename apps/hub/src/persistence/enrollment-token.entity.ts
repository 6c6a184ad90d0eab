import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ClusterRole, Platform } from '@watchpost/shared';

/** A single-use enrollment token bound to one cluster. Only its SHA-256 is stored. */
@Entity({ name: 'enrollment_tokens' })
@Index('uq_enrollment_tokens_token_hash', ['tokenHash'], { unique: true })
export class EnrollmentTokenEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Hex SHA-256 of the token string. */
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ name: 'cluster_name', type: 'varchar', length: 253 })
  clusterName!: string;

  @Column({ type: 'varchar', length: 16 })
  platform!: Platform;

  @Column({ type: 'varchar', length: 16 })
  role!: ClusterRole;

  @Column({ type: 'varchar', length: 128, nullable: true })
  location!: string | null;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;

  @Column({ name: 'expires_at', type: 'varchar', length: 32 })
  expiresAt!: string;

  @Column({ name: 'used_at', type: 'varchar', length: 32, nullable: true })
  usedAt!: string | null;

  @Column({ name: 'used_by_agent_id', type: 'varchar', length: 128, nullable: true })
  usedByAgentId!: string | null;
}
