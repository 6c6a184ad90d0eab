import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AgentEntity } from '../persistence/agent.entity.js';
import { Histogram, type MetricFamily, renderPrometheus } from './prometheus.js';

/** Ack statuses the ingest counts (the same set as the wire ack). */
export type IngestStatus = 'stored' | 'duplicate' | 'rejected';

// Ingest latency = broker delivery to ack published (validate, decompress, commit): milliseconds to seconds.
const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The hub's Prometheus metrics. hub-core's ingest reports into it (`recordIngest`, `setQueueDepth`,
 * `setIngestConnected`); the HTTP side reads it (`/metrics`, `/readyz`). Global: inject it anywhere.
 */
@Injectable()
export class MetricsService {
  private readonly ingestCounts: Record<IngestStatus, number> = { stored: 0, duplicate: 0, rejected: 0 };
  private readonly rejectedByReason = new Map<string, number>();
  private readonly ingestLatency = new Histogram(LATENCY_BUCKETS_S);
  private queueDepth = 0;
  private ingestConnected = false;
  private readonly startedAt = Date.now();

  constructor(private readonly dataSource: DataSource) {}

  /** One message handled by the ingest: its ack status, the time from receipt to ack (ms), and a rejection reason code. */
  recordIngest(status: IngestStatus, latencyMs: number, reason?: string): void {
    this.ingestCounts[status] += 1;
    this.ingestLatency.observe(Math.max(0, latencyMs) / 1000);
    if (status === 'rejected' && reason) {
      // Reason codes are a closed enum in the ingest; the cap keeps a bug from exploding label cardinality.
      const key = this.rejectedByReason.size < 50 || this.rejectedByReason.has(reason) ? reason : 'other';
      this.rejectedByReason.set(key, (this.rejectedByReason.get(key) ?? 0) + 1);
    }
  }

  /** Messages received but not yet committed and acked (the ingest batch queue). */
  setQueueDepth(depth: number): void {
    this.queueDepth = depth;
  }

  /** Whether the ingest is connected and subscribed to the broker (part of `/readyz`). */
  setIngestConnected(connected: boolean): void {
    this.ingestConnected = connected;
  }

  isIngestConnected(): boolean {
    return this.ingestConnected;
  }

  /** Counts so far (tests, the web page). */
  snapshot(): { ingest: Record<IngestStatus, number>; queueDepth: number; ingestConnected: boolean } {
    return {
      ingest: { ...this.ingestCounts },
      queueDepth: this.queueDepth,
      ingestConnected: this.ingestConnected,
    };
  }

  /** The Prometheus text document; agent counts come from the database at scrape time. */
  async render(): Promise<string> {
    const agents = this.dataSource.getRepository(AgentEntity);
    const rows = await agents
      .createQueryBuilder('a')
      .select('a.status', 'status')
      .addSelect('COUNT(*)', 'n')
      .where('a.revoked = :revoked', { revoked: false })
      .groupBy('a.status')
      .getRawMany<{ status: string; n: number | string }>();
    const byStatus: Record<string, number> = { online: 0, offline: 0, unknown: 0 };
    for (const r of rows) byStatus[r.status] = Number(r.n);
    const mem = process.memoryUsage();
    const families: MetricFamily[] = [
      {
        name: 'watchpost_ingest_messages_total',
        help: 'Report messages handled by the ingest, by ack status.',
        type: 'counter',
        samples: (Object.keys(this.ingestCounts) as IngestStatus[]).map((s) => ({
          labels: { status: s },
          value: this.ingestCounts[s],
        })),
      },
      {
        name: 'watchpost_ingest_rejected_total',
        help: 'Rejected report messages by reason code.',
        type: 'counter',
        samples: [...this.rejectedByReason].map(([reason, n]) => ({ labels: { reason }, value: n })),
      },
      {
        name: 'watchpost_ingest_latency_seconds',
        help: 'Time from receiving a report message to publishing its ack (after the database commit).',
        type: 'histogram',
        samples: this.ingestLatency.samples(),
      },
      {
        name: 'watchpost_ingest_queue_depth',
        help: 'Messages received and not yet committed and acked.',
        type: 'gauge',
        samples: [{ value: this.queueDepth }],
      },
      {
        name: 'watchpost_ingest_connected',
        help: '1 when the ingest is connected and subscribed to the broker.',
        type: 'gauge',
        samples: [{ value: this.ingestConnected ? 1 : 0 }],
      },
      {
        name: 'watchpost_agents_online',
        help: 'Unrevoked agents whose retained status is online.',
        type: 'gauge',
        samples: [{ value: byStatus['online'] ?? 0 }],
      },
      {
        name: 'watchpost_agents',
        help: 'Unrevoked agents by liveness (online, offline from their last will or own message, unknown).',
        type: 'gauge',
        samples: Object.entries(byStatus).map(([status, n]) => ({ labels: { status }, value: n })),
      },
      {
        name: 'process_resident_memory_bytes',
        help: 'Resident memory of the hub process.',
        type: 'gauge',
        samples: [{ value: mem.rss }],
      },
      {
        name: 'process_start_time_seconds',
        help: 'Start time of the hub process (Unix seconds).',
        type: 'gauge',
        samples: [{ value: Math.floor(this.startedAt / 1000) }],
      },
    ];
    return renderPrometheus(families);
  }
}
