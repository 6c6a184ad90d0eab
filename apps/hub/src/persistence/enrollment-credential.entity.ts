import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ClusterRole, Platform } from '@watchpost/shared';

/**
 * A cluster enrollment credential (for a DaemonSet): bound to one cluster, usable by at most `maxAgents` nodes,
 * expiring, revocable. Only its SHA-256 is stored. Each node enrolls with it under its own id `<cluster>.<node>`.
 */
@Entity({ name: 'enrollment_credentials' })
@Index('uq_enrollment_credentials_hash', ['credentialHash'], { unique: true })
export class EnrollmentCredentialEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Hex SHA-256 of the credential string. */
  @Column({ name: 'credential_hash', type: 'varchar', length: 64 })
  credentialHash!: string;

  @Column({ name: 'cluster_name', type: 'varchar', length: 253 })
  clusterName!: string;

  @Column({ type: 'varchar', length: 16 })
  platform!: Platform;

  @Column({ type: 'varchar', length: 16 })
  role!: ClusterRole;

  @Column({ type: 'varchar', length: 128, nullable: true })
  location!: string | null;

  /** How many distinct nodes may enroll with it (a node re-enrolling does not count twice). */
  @Column({ name: 'max_agents', type: 'integer' })
  maxAgents!: number;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;

  @Column({ name: 'expires_at', type: 'varchar', length: 32 })
  expiresAt!: string;

  @Column({ name: 'revoked_at', type: 'varchar', length: 32, nullable: true })
  revokedAt!: string | null;
}
