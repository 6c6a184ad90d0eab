import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One whole scan, as the envelope that goes on the wire (gzip), kept until retention needs the room. */
@Entity({ name: 'reports' })
export class ReportEntity {
  /** The agent's sequence number: monotonic, assigned in the transaction that stores the report. */
  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ name: 'run_id', type: 'varchar', length: 128 })
  runId!: string;

  @Column({ name: 'scanned_at', type: 'varchar', length: 40 })
  scannedAt!: string;

  @Column({ name: 'created_at', type: 'varchar', length: 40 })
  createdAt!: string;

  /** Outcome counts overall and by area (JSON), so `status` needs no decompression for the headline. */
  @Column({ name: 'summary_json', type: 'text' })
  summaryJson!: string;

  /** The envelope v1 JSON, gzip-compressed: exactly the bytes published. */
  @Column({ type: 'blob' })
  payload!: Buffer;

  @Column({ name: 'payload_bytes', type: 'integer' })
  payloadBytes!: number;

  /** Reports dropped before this one that this one's envelope announces (re-counted if this one is dropped). */
  @Column({ type: 'integer', default: 0 })
  dropped!: number;
}
