import { Injectable, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { AgentEntity } from '../persistence/agent.entity.js';
import { PostureMetricsService } from '../posture/posture-metrics.service.js';

/** Ack statuses the ingest counts (the same set as the wire ack). */
export type IngestStatus = 'stored' | 'duplicate' | 'rejected';

// Ingest latency = broker delivery to ack published (validate, decompress, commit): milliseconds to seconds.
const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const STATUSES: IngestStatus[] = ['stored', 'duplicate', 'rejected'];

/**
 * Names of the posture series: part of the contract (alert rules and the dashboard in deploy/monitoring use
 * them; a test keeps the three in step).
 */
export const POSTURE_SERIES = [
  'watchpost_cluster_score',
  'watchpost_findings_open',
  'watchpost_findings_exempted',
  'watchpost_certificate_expiry_seconds',
  'watchpost_certificate_lifetime_left_ratio',
  'watchpost_kms_key_age_seconds',
  'watchpost_cluster_last_report_timestamp_seconds',
  'watchpost_agent_clock_skew_seconds',
] as const;

/**
 * The hub's Prometheus metrics on prom-client, one registry per hub (tests run several in one process).
 * hub-core's ingest reports into it (`recordIngest`, `setQueueDepth`, `setIngestConnected`); the HTTP side
 * reads it (`/metrics`, `/readyz`). Agent counts and posture series are read from the database at scrape time.
 * Global: inject it anywhere.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly ingestCounts: Record<IngestStatus, number> = { stored: 0, duplicate: 0, rejected: 0 };
  private readonly reasons = new Set<string>();
  private queueDepth = 0;
  private ingestConnected = false;
  private readonly messages: Counter<'status'>;
  private readonly rejected: Counter<'reason'>;
  private readonly latency: Histogram;
  private readonly queue: Gauge;
  private readonly connected: Gauge;

  constructor(
    private readonly dataSource: DataSource,
    @Optional() private readonly posture?: PostureMetricsService,
  ) {
    const registers = [this.registry];
    this.messages = new Counter({
      name: 'watchpost_ingest_messages_total',
      help: 'Report messages handled by the ingest, by ack status.',
      labelNames: ['status'],
      registers,
    });
    for (const s of STATUSES) this.messages.inc({ status: s }, 0);
    this.rejected = new Counter({
      name: 'watchpost_ingest_rejected_total',
      help: 'Rejected report messages by reason code.',
      labelNames: ['reason'],
      registers,
    });
    this.latency = new Histogram({
      name: 'watchpost_ingest_latency_seconds',
      help: 'Time from receiving a report message to publishing its ack (after the database commit).',
      buckets: LATENCY_BUCKETS_S,
      registers,
    });
    this.queue = new Gauge({
      name: 'watchpost_ingest_queue_depth',
      help: 'Messages received and not yet committed and acked.',
      registers,
    });
    this.connected = new Gauge({
      name: 'watchpost_ingest_connected',
      help: '1 when the ingest is connected and subscribed to the broker.',
      registers,
    });
    this.connected.set(0);
    this.queue.set(0);
    this.agentGauges(registers);
    this.postureGauges(registers);
    // process_resident_memory_bytes, process_start_time_seconds and the rest of prom-client's process metrics.
    collectDefaultMetrics({ register: this.registry });
  }

  /** One message handled by the ingest: its ack status, the time from receipt to ack (ms), and a rejection reason code. */
  recordIngest(status: IngestStatus, latencyMs: number, reason?: string): void {
    this.ingestCounts[status] += 1;
    this.messages.inc({ status });
    this.latency.observe(Math.max(0, latencyMs) / 1000);
    if (status === 'rejected' && reason) {
      // Reason codes are a closed enum in the ingest; the cap keeps a bug from exploding label cardinality.
      const key = this.reasons.size < 50 || this.reasons.has(reason) ? reason : 'other';
      this.reasons.add(key);
      this.rejected.inc({ reason: key });
    }
  }

  /** Messages received but not yet committed and acked (the ingest batch queue). */
  setQueueDepth(depth: number): void {
    this.queueDepth = depth;
    this.queue.set(depth);
  }

  /** Whether the ingest is connected and subscribed to the broker (part of `/readyz`). */
  setIngestConnected(connected: boolean): void {
    this.ingestConnected = connected;
    this.connected.set(connected ? 1 : 0);
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

  /** The Prometheus text document. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Content type of `render()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  private agentGauges(registers: Registry[]): void {
    const ds = this.dataSource;
    const byStatus = async (): Promise<Record<string, number>> => {
      const rows = await ds
        .getRepository(AgentEntity)
        .createQueryBuilder('a')
        .select('a.status', 'status')
        .addSelect('COUNT(*)', 'n')
        .where('a.revoked = :revoked', { revoked: false })
        .groupBy('a.status')
        .getRawMany<{ status: string; n: number | string }>();
      const out: Record<string, number> = { online: 0, offline: 0, unknown: 0 };
      for (const r of rows) out[r.status] = Number(r.n);
      return out;
    };
    new Gauge({
      name: 'watchpost_agents_online',
      help: 'Unrevoked agents whose retained status is online.',
      registers,
      async collect() {
        this.set((await byStatus())['online'] ?? 0);
      },
    });
    new Gauge({
      name: 'watchpost_agents',
      help: 'Unrevoked agents by liveness (online, offline from their last will or own message, unknown).',
      labelNames: ['status'],
      registers,
      async collect() {
        this.reset();
        for (const [status, n] of Object.entries(await byStatus())) this.set({ status }, n);
      },
    });
  }

  /**
   * The posture series, read once per scrape (the first gauge's collect reads, the others reuse it). A cluster
   * without a value (no certificate that needs a person, no KMS key of known age) has no sample for that series.
   */
  private postureGauges(registers: Registry[]): void {
    const posture = this.posture;
    if (!posture) return;
    let pending: ReturnType<PostureMetricsService['clusterMetrics']> | null = null;
    // One database read per scrape: the first collect starts it, the others of the same scrape share it.
    const rows = () => {
      pending ??= posture.clusterMetrics().finally(() => setImmediate(() => (pending = null)));
      return pending;
    };
    const gauge = <L extends string>(
      name: (typeof POSTURE_SERIES)[number],
      help: string,
      labelNames: L[],
      fill: (g: Gauge<L>, r: Awaited<ReturnType<typeof rows>>[number]) => void,
    ) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          const all = await rows();
          this.reset();
          for (const r of all) fill(this, r);
        },
      });
    gauge(
      'watchpost_cluster_score',
      'Posture score 0-100 of the newest report per area, and area="overall" (pass share of evaluated results).',
      ['cluster', 'platform', 'area'],
      (g, r) => {
        for (const [area, v] of Object.entries(r.scores))
          g.set({ cluster: r.cluster, platform: r.platform, area }, v);
      },
    );
    gauge(
      'watchpost_findings_open',
      'Open problems (fail, warn, error; unresolved; not exempted) per cluster and effective severity.',
      ['cluster', 'platform', 'severity'],
      (g, r) => {
        for (const [severity, n] of Object.entries(r.openBySeverity))
          g.set({ cluster: r.cluster, platform: r.platform, severity }, n);
      },
    );
    gauge(
      'watchpost_findings_exempted',
      'Problems an exemption covers (accepted risks, never paged) per cluster and effective severity.',
      ['cluster', 'platform', 'severity'],
      (g, r) => {
        for (const [severity, n] of Object.entries(r.exemptedBySeverity))
          g.set({ cluster: r.cluster, platform: r.platform, severity }, n);
      },
    );
    gauge(
      'watchpost_certificate_expiry_seconds',
      'Least time left (seconds, negative once expired) among certificates not renewed automatically.',
      ['cluster', 'platform'],
      (g, r) => {
        if (r.certificateExpirySeconds !== null)
          g.set({ cluster: r.cluster, platform: r.platform }, r.certificateExpirySeconds);
      },
    );
    gauge(
      'watchpost_certificate_lifetime_left_ratio',
      'Least share of its own lifetime left (0-1) among certificates not renewed automatically.',
      ['cluster', 'platform'],
      (g, r) => {
        if (r.certificateLifetimeLeftRatio !== null)
          g.set({ cluster: r.cluster, platform: r.platform }, r.certificateLifetimeLeftRatio);
      },
    );
    gauge(
      'watchpost_kms_key_age_seconds',
      'Age of the oldest KMS key in use (seconds since the agent first saw it; exact once a rotation was seen).',
      ['cluster'],
      (g, r) => {
        if (r.kmsKeyAgeSeconds !== null) g.set({ cluster: r.cluster }, r.kmsKeyAgeSeconds);
      },
    );
    gauge(
      'watchpost_cluster_last_report_timestamp_seconds',
      "Hub receive time of the cluster's newest report (Unix seconds; 0 = enrolled, never reported).",
      ['cluster', 'platform'],
      (g, r) => g.set({ cluster: r.cluster, platform: r.platform }, r.lastReportSeconds ?? 0),
    );
    gauge(
      'watchpost_agent_clock_skew_seconds',
      "Hub receive time minus the agent's scan time of the cluster's newest report (seconds).",
      ['cluster'],
      (g, r) => {
        if (r.clockSkewSeconds !== null) g.set({ cluster: r.cluster }, r.clockSkewSeconds);
      },
    );
  }
}
