import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Every certificate the hub CA issued to an agent (enrollment or renewal). Revocation is per serial. */
@Entity({ name: 'issued_certificates' })
@Index('ix_issued_certificates_agent_id', ['agentId'])
export class IssuedCertificateEntity {
  /** Upper-case hex, as Node's `X509Certificate.serialNumber` prints it. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  serial!: string;

  @Column({ name: 'agent_id', type: 'varchar', length: 128 })
  agentId!: string;

  @Column({ type: 'varchar', length: 80 })
  fingerprint!: string;

  @Column({ name: 'not_before', type: 'varchar', length: 32 })
  notBefore!: string;

  @Column({ name: 'not_after', type: 'varchar', length: 32 })
  notAfter!: string;

  @Column({ name: 'issued_at', type: 'varchar', length: 32 })
  issuedAt!: string;

  /** `enroll` or `renew`. */
  @Column({ type: 'varchar', length: 16 })
  reason!: 'enroll' | 'renew';

  @Column({ name: 'revoked_at', type: 'varchar', length: 32, nullable: true })
  revokedAt!: string | null;
}
