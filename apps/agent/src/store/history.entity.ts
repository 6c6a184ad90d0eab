import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One certificate serial seen at one identity (file path, endpoint, secret), first and last scan it was seen. */
@Entity({ name: 'certificate_history' })
@Index('idx_certificate_history_identity', ['identity', 'lastSeen'])
export class CertificateHistoryEntity {
  @PrimaryColumn({ type: 'varchar', length: 1024 })
  identity!: string;

  @PrimaryColumn({ type: 'varchar', length: 128 })
  serial!: string;

  @Column({ name: 'not_before', type: 'varchar', length: 40 })
  notBefore!: string;

  @Column({ name: 'not_after', type: 'varchar', length: 40 })
  notAfter!: string;

  @Column({ name: 'first_seen', type: 'varchar', length: 40 })
  firstSeen!: string;

  @Column({ name: 'last_seen', type: 'varchar', length: 40 })
  lastSeen!: string;
}

/** One KMS key id seen for one provider: when first and last seen in use (rotation and key age). */
@Entity({ name: 'kms_key_history' })
@Index('idx_kms_key_history_provider', ['provider', 'lastSeen'])
export class KmsKeyHistoryEntity {
  @PrimaryColumn({ type: 'varchar', length: 256 })
  provider!: string;

  @PrimaryColumn({ name: 'key_id', type: 'varchar', length: 512 })
  keyId!: string;

  @Column({ name: 'first_seen', type: 'varchar', length: 40 })
  firstSeen!: string;

  @Column({ name: 'last_seen', type: 'varchar', length: 40 })
  lastSeen!: string;
}
