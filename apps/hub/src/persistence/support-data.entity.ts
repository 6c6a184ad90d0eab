import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One imported Kubernetes support data document (`watchpost-hub data import`), kept whole: the newest by
 * `dataVersion` is what agents receive with their acks. Older ones stay as the import history.
 */
@Entity({ name: 'support_data' })
export class SupportDataEntity {
  /** `YYYY.M.N`, unique: a version is imported once. */
  @PrimaryColumn({ name: 'data_version', type: 'varchar', length: 32 })
  dataVersion!: string;

  @Column({ name: 'compiled_at', type: 'varchar', length: 10 })
  compiledAt!: string;

  /** The validated document as JSON. */
  @Column({ type: 'text' })
  document!: string;

  /** What was imported: file name and format (`az aks get-versions` merge or full document). */
  @Column({ type: 'varchar', length: 512 })
  source!: string;

  @Column({ name: 'imported_at', type: 'varchar', length: 40 })
  importedAt!: string;
}
