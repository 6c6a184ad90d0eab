import type { AckMessage } from '@watchpost/shared';

/** One MQTT message handed to the ingest, stamped with the hub's receive time. */
export interface IngestMessage {
  topic: string;
  payload: Buffer;
  /** Hub clock: freshness and skew are judged by this, never by the agent's clock. */
  receivedAt: Date;
  /** A retained message replayed by the broker at subscribe time (status). */
  retained?: boolean;
}

/** What became of one message. `ack` is what to publish to the agent after the commit. */
export interface IngestOutcome {
  status: 'stored' | 'duplicate' | 'rejected' | 'status' | 'ignored';
  reason?: string;
  ack?: { agentId: string; message: AckMessage };
}

/** Counters for metrics and logs. */
export interface IngestStats {
  stored: number;
  duplicate: number;
  rejected: number;
  statusUpdates: number;
  batches: number;
  rejectedByReason: Record<string, number>;
  /** Wall time of the last committed batch, ms: from hand-in to commit (its decode and wait for the one before). */
  lastBatchMs: number;
}

/** Message pattern of the batch handler (the transport hands every batch to it). */
export const INGEST_BATCH_PATTERN = 'watchpost.ingest.batch';
