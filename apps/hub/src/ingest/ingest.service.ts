import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service.js';
import { DataSource, type EntityManager } from 'typeorm';
import {
  agentStatusSchema,
  parseAgentTopic,
  type ReportEnvelopeV1,
  type ReportSummary,
} from '@watchpost/shared';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { AgentEntity } from '../persistence/agent.entity.js';
import { ClusterEntity } from '../persistence/cluster.entity.js';
import { placeholders } from '../persistence/data-source.js';
import { QuarantineEntity } from '../persistence/quarantine.entity.js';
import { ReportEntity } from '../persistence/report.entity.js';
import { countedScores, PostureWriter } from '../posture/posture-writer.js';
import { areaScores, scoreOf } from '../posture/scoring.js';
import { SupportDataService } from '../support-data/support-data.service.js';
import { warmEnvelopeValidator } from './envelope-validator.js';
import {
  decodeReport,
  decodeReports,
  decodeWorkerReady,
  IngestRejection,
  startDecodeWorker,
  type DecodedReport,
} from './report-decoder.js';
import { insertRows, selectRowsByKey, updateByKey, updateRows } from './row-writer.js';
import type { IngestMessage, IngestOutcome, IngestStats } from './ingest.types.js';

interface ReportItem {
  kind: 'report';
  msg: IngestMessage;
  agentId: string;
  decoded: DecodedReport;
  /**
   * Set when the envelope's results were let go (how many there were): a newer report of the same agent is in
   * the batch, so this one goes to history only, unless that newer one is refused; then, or when the batch is
   * retried one message at a time, the payload is decoded again before its results are applied.
   */
  resultsDropped?: number;
}

type Item =
  | ReportItem
  | { kind: 'status'; msg: IngestMessage; agentId: string }
  | { kind: 'bad-topic'; msg: IngestMessage };

interface Rejection {
  reason: IngestRejection;
  detail: string;
  seq?: number;
  envelopeAgentId?: string;
}

const EXCERPT_BYTES = 256;
/** How long start-up waits for the decode worker before the transport subscribes anyway. */
const DECODE_WORKER_WAIT_MS = 30_000;
const INT32 = 2_147_483_647;

/**
 * Validates, authorises and stores reports, a batch per transaction. Everything about one batch is decided
 * inside one transaction (history, posture, agents, clusters, quarantine), and the outcomes (with the acks to
 * send) are returned only after it committed: the transport PUBACKs and acks only then.
 */
@Injectable()
export class IngestService implements OnModuleInit {
  private readonly logger = new Logger('Ingest');
  private readonly skewed = new Set<string>();
  private readonly posture: PostureWriter;
  readonly stats: IngestStats = {
    stored: 0,
    duplicate: 0,
    rejected: 0,
    statusUpdates: 0,
    batches: 0,
    rejectedByReason: {},
    lastBatchMs: 0,
  };
  /** Settles with whether the batch handed in last committed; the next one commits only after it. */
  private turn: Promise<boolean> = Promise.resolve(true);
  /** Batches handed in and not yet settled. */
  private waiting = 0;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Optional() private readonly metrics?: MetricsService,
    @Optional() writer?: PostureWriter,
    @Optional() private readonly supportData?: SupportDataService,
  ) {
    this.posture = writer ?? new PostureWriter();
    // Compiled now rather than while the first report waits (here for the inline fallback, and in the worker).
    warmEnvelopeValidator();
    startDecodeWorker();
  }

  /**
   * Nest runs this before the MQTT transport listens, so the hub subscribes (and the broker sends it the backlog a
   * restart left) only once the decode worker has loaded: before, the first batches waited for it, a few hundred
   * ms in which the broker's window of unacknowledged reports stood full.
   */
  async onModuleInit(): Promise<void> {
    const worker = await decodeWorkerReady(DECODE_WORKER_WAIT_MS);
    if (worker === 'unavailable')
      this.logger.warn(
        'the report decode worker could not be started: reports are decoded on the main thread',
      );
    else if (worker === 'late')
      this.logger.warn(
        `the report decode worker was not ready after ${DECODE_WORKER_WAIT_MS / 1000} s; subscribing anyway (it decodes the reports once it is)`,
      );
  }

  /**
   * Ingests a batch. If the batch transaction fails, each message is retried in its own transaction, and a
   * message that still fails is quarantined as `store-failed`; if even that fails (database down) this throws
   * and the caller must retry later without acknowledging anything.
   *
   * A caller may hand in the next batch before this one settled (the transport does: its reports are decoded
   * meanwhile). Batches commit in the order they were handed in; one handed in while an earlier one was still
   * pending fails without committing when that one failed, so nothing commits ahead of a batch that will be
   * retried.
   */
  async ingestBatch(messages: IngestMessage[]): Promise<IngestOutcome[]> {
    const started = performance.now();
    // Decoding starts now (in the worker thread), while an earlier batch may still be committing; the batches
    // commit one after the other, in the order they were handed in.
    const classified = this.classify(messages);
    classified.catch(() => undefined); // awaited below; not left unhandled when an earlier batch failed
    const before = this.turn;
    let done!: (committed: boolean) => void;
    this.turn = new Promise((resolve) => (done = resolve));
    this.waiting++;
    let committed = false;
    try {
      if (!(await before)) {
        // Database down: this one would fail the same way, and must not commit before the earlier one.
        throw new Error('the batch before this one could not be stored; both are retried');
      }
      const outcomes = await this.store(await classified, messages, started);
      committed = true;
      return outcomes;
    } finally {
      done(committed);
      // A batch handed in after every earlier one settled starts afresh (the transport's retry).
      if (--this.waiting === 0) this.turn = Promise.resolve(true);
    }
  }

  private async store(items: Item[], messages: IngestMessage[], started: number): Promise<IngestOutcome[]> {
    let outcomes: IngestOutcome[];
    try {
      outcomes = await this.dataSource.transaction((m) => this.apply(m, items));
    } catch (err) {
      this.logger.warn(`batch of ${items.length} failed (${errorText(err)}); retrying one by one`);
      outcomes = [];
      for (const item of items) outcomes.push(await this.ingestAlone(item));
    }
    this.count(outcomes);
    if (this.supportData) await this.attachSupportData(items, outcomes, this.supportData);
    const done = Date.now();
    outcomes.forEach((o, i) => {
      if (o.status === 'stored' || o.status === 'duplicate' || o.status === 'rejected') {
        this.metrics?.recordIngest(
          o.status,
          done - messages[i].receivedAt.getTime(),
          o.reason?.split(':')[0],
        );
      }
    });
    this.stats.lastBatchMs = performance.now() - started;
    return outcomes;
  }

  /** Acks to agents judging with older Kubernetes support data carry the newest document (after the commit). */
  private async attachSupportData(
    items: Item[],
    outcomes: IngestOutcome[],
    svc: SupportDataService,
  ): Promise<void> {
    for (let i = 0; i < outcomes.length; i++) {
      const o = outcomes[i];
      const item = items[i];
      if (!o?.ack || item?.kind !== 'report' || !item.decoded.ok) continue;
      o.ack.message = await svc.attach(o.ack.message, item.decoded.envelope.supportDataVersion);
    }
  }

  private async ingestAlone(item: Item): Promise<IngestOutcome> {
    try {
      const once = async () => (await this.dataSource.transaction((m) => this.apply(m, [item])))[0];
      try {
        return await once();
      } catch (err) {
        // A row another writer committed meanwhile (a cluster row, a report): the second try sees it.
        if (!isUniqueViolation(err)) throw err;
        return await once();
      }
    } catch (err) {
      const rejection: Rejection = {
        reason: IngestRejection.StoreFailed,
        detail: `could not store: ${errorText(err)}`,
      };
      if (item.kind === 'report' && !item.decoded.ok && item.decoded.seq) rejection.seq = item.decoded.seq;
      if (item.kind === 'report' && item.decoded.ok) rejection.seq = item.decoded.envelope.seq;
      await this.dataSource.transaction((m) =>
        m.getRepository(QuarantineEntity).insert(this.quarantineRow(item, rejection)),
      );
      return this.rejected(item, rejection);
    }
  }

  /**
   * Topics read here, reports decoded all together (`decodeReports`: in the worker thread, and only the newest
   * report of each agent keeps its parsed results, as only it can reach posture; the others' would otherwise live
   * until the batch commits, and every young-generation scavenge meanwhile copied them).
   */
  private async classify(messages: IngestMessage[]): Promise<Item[]> {
    const items = new Array<Item>(messages.length);
    const reports: { index: number; agentId: string }[] = [];
    messages.forEach((msg, index) => {
      const topic = parseAgentTopic(msg.topic);
      if (!topic || topic.kind === 'ack') items[index] = { kind: 'bad-topic', msg };
      else if (topic.kind === 'status') items[index] = { kind: 'status', msg, agentId: topic.agentId };
      else reports.push({ index, agentId: topic.agentId });
    });
    const decoded = await decodeReports(
      reports.map(({ index, agentId }) => ({
        payload: messages[index].payload,
        topicAgentId: agentId,
        receivedAt: messages[index].receivedAt,
      })),
      this.config,
    );
    reports.forEach(({ index, agentId }, k) => {
      const item: ReportItem = { kind: 'report', msg: messages[index], agentId, decoded: decoded[k].decoded };
      if (decoded[k].resultsDropped !== undefined) item.resultsDropped = decoded[k].resultsDropped;
      items[index] = item;
    });
    return items;
  }

  private async apply(m: EntityManager, items: Item[]): Promise<IngestOutcome[]> {
    const agentIds = [...new Set(items.flatMap((i) => (i.kind === 'bad-topic' ? [] : [i.agentId])))];
    const agents = new Map<string, AgentEntity>();
    if (agentIds.length > 0) {
      // Two replicas may hold reports of one agent at once (a resend routed to the other one). On PostgreSQL
      // the agent rows are locked, in id order so replicas cannot deadlock: the second waits for the first to
      // commit, then sees its reports (a duplicate, not a store failure) and its lastSeq (newest still wins).
      // SQLite has one writer at a time already.
      // Plain SQL (row-writer.ts): TypeORM's find built the query and hydrated the entities for every batch.
      const rows = await selectRowsByKey(m, AgentEntity, agentIds, true);
      for (const a of rows) agents.set(a.id, a);
    }
    const valid = items.flatMap((i) => (i.kind === 'report' && i.decoded.ok ? [i.decoded.envelope] : []));
    const stored = new Map<string, string>(); // `${agentId}/${seq}` -> runId
    if (valid.length > 0) {
      const ids = [...new Set(valid.map((e) => e.agentId))];
      const seqs = [...new Set(valid.map((e) => e.seq))];
      const mark = placeholders(m.connection.options.type === 'postgres');
      const rows = await m.query<{ agentId: string; seq: number; runId: string }[]>(
        `SELECT "agent_id" AS "agentId", "seq", "run_id" AS "runId" FROM "reports"
         WHERE "agent_id" IN (${ids.map((_, i) => mark(i + 1)).join(', ')})
           AND "seq" IN (${seqs.map((_, i) => mark(ids.length + i + 1)).join(', ')})`,
        [...ids, ...seqs],
      );
      for (const r of rows) stored.set(`${r.agentId}/${Number(r.seq)}`, r.runId);
    }

    const outcomes: IngestOutcome[] = new Array<IngestOutcome>(items.length);
    const quarantine: Partial<QuarantineEntity>[] = [];
    const accepted: { index: number; envelope: ReportEnvelopeV1; agent: AgentEntity; receivedAt: string }[] =
      [];
    const dirtyAgents = new Set<AgentEntity>();

    const refuse = (index: number, item: Item, r: Rejection): void => {
      quarantine.push(this.quarantineRow(item, r));
      outcomes[index] = this.rejected(item, r);
    };

    items.forEach((item, index) => {
      if (item.kind === 'bad-topic') {
        refuse(index, item, {
          reason: IngestRejection.BadTopic,
          detail: `"${item.msg.topic}" is not an agent report or status topic`,
        });
        return;
      }
      const agent = agents.get(item.agentId);
      if (item.kind === 'status') {
        const o = this.applyStatus(item, agent, dirtyAgents, (r) => refuse(index, item, r));
        outcomes[index] ??= o; // a refusal already recorded its own outcome
        return;
      }
      const d = item.decoded;
      if (!d.ok) {
        refuse(index, item, d);
        return;
      }
      const env = d.envelope;
      const claims = { seq: env.seq, envelopeAgentId: env.agentId };
      const receivedAt = item.msg.receivedAt.toISOString();
      if (!agent) {
        refuse(index, item, {
          ...claims,
          reason: IngestRejection.UnknownAgent,
          detail: `agent "${item.agentId}" is not enrolled on this hub`,
        });
        return;
      }
      if (agent.revoked) {
        refuse(index, item, {
          ...claims,
          reason: IngestRejection.Revoked,
          detail:
            `agent "${agent.id}" was revoked at ${agent.revokedAt ?? '?'}` +
            (agent.supersededBy ? `: superseded by "${agent.supersededBy}" (its node enrolled again)` : ''),
        });
        return;
      }
      if (agent.certNotAfter && receivedAt > agent.certNotAfter) {
        refuse(index, item, {
          ...claims,
          reason: IngestRejection.CertificateExpired,
          detail: `the newest certificate of "${agent.id}" expired at ${agent.certNotAfter}; re-enroll the agent with a new token`,
        });
        return;
      }
      if (env.cluster.name !== agent.clusterName) {
        refuse(index, item, {
          ...claims,
          reason: IngestRejection.ClusterMismatch,
          detail: `report is for cluster "${env.cluster.name}" but "${agent.id}" was enrolled for "${agent.clusterName}"`,
        });
        return;
      }
      const k = `${env.agentId}/${env.seq}`;
      const runId = stored.get(k);
      if (runId !== undefined) {
        if (runId === env.runId) {
          outcomes[index] = {
            status: 'duplicate',
            reason: `seq ${env.seq} was already stored; nothing changed`,
            ack: {
              agentId: agent.id,
              message: { seq: env.seq, status: 'duplicate', reason: `seq ${env.seq} already stored` },
            },
          };
        } else {
          // The agent reused a seq (its store lost reports it had published): refusing alone would loop, so the
          // ack tells it the hub's high-water mark to move past and resend under (docs/contracts-changes.md).
          const hubSeq = Math.max(agent.lastSeq ?? 0, env.seq);
          refuse(index, item, {
            ...claims,
            reason: IngestRejection.SeqConflict,
            detail: `seq ${env.seq} was already stored for run ${runId}; this message carries run ${env.runId}; told the agent to resend above seq ${hubSeq}`,
          });
          const ack = outcomes[index].ack;
          if (ack) ack.message = { ...ack.message, status: 'resync', hubSeq };
        }
        return;
      }
      stored.set(k, env.runId);
      accepted.push({ index, envelope: env, agent, receivedAt });
      if (d.unknownChecks) {
        // The report is stored without them; the quarantine row says what was taken out and why.
        quarantine.push(
          this.quarantineRow(item, {
            ...claims,
            reason: IngestRejection.UnknownCheckId,
            detail: `${d.unknownChecks.count} result(s) taken out of the report (kept out of posture): check ids unknown to this hub's catalogue or in another area: ${d.unknownChecks.ids.join(', ')}`,
          }),
        );
      }
    });

    // Newest wins: of the accepted reports, only the highest seq per agent that is above what the agent already
    // has touches the posture; the others go to history only.
    const winners = new Map<string, (typeof accepted)[number]>();
    for (const a of accepted) {
      const floor = a.agent.lastSeq ?? 0;
      const best = winners.get(a.agent.id);
      if (a.envelope.seq > floor && (!best || a.envelope.seq > best.envelope.seq)) winners.set(a.agent.id, a);
    }

    const reportRows: Partial<ReportEntity>[] = [];
    for (const a of accepted) {
      const env = a.envelope;
      const applied = winners.get(a.agent.id) === a;
      const skew = clampInt(Date.parse(a.receivedAt) - Date.parse(env.scannedAt));
      const scores = areaScores(env.summary);
      reportRows.push({
        agentId: env.agentId,
        clusterName: a.agent.clusterName,
        seq: env.seq,
        runId: env.runId,
        scannedAt: new Date(env.scannedAt).toISOString(),
        receivedAt: a.receivedAt,
        clockSkewMs: skew,
        agentVersion: env.agentVersion,
        kubernetesVersion: env.cluster.kubernetesVersion ?? null,
        summary: env.summary,
        scores,
        score: scoreOf(env.summary),
        resultCount: (items[a.index] as ReportItem).resultsDropped ?? env.results.length,
        collectorErrors: env.collectorErrors,
        dropped: env.dropped,
        appliedToPosture: applied,
      });
      a.agent.droppedTotal += env.dropped;
      a.agent.agentVersion = env.agentVersion;
      dirtyAgents.add(a.agent);
      const item = items[a.index];
      const unknown = item.kind === 'report' && item.decoded.ok ? item.decoded.unknownChecks : undefined;
      const notes = [
        applied ? '' : `older than seq ${a.agent.lastSeq ?? '?'}: kept in history, posture unchanged`,
        unknown ? `${unknown.count} result(s) with unknown check ids quarantined` : '',
      ].filter(Boolean);
      outcomes[a.index] = {
        status: 'stored',
        ...(notes.length ? { reason: notes.join('; ') } : {}),
        ack: { agentId: a.agent.id, message: { seq: env.seq, status: 'stored' } },
      };
    }
    await insertRows(m, ReportEntity, reportRows);

    // Cluster rows are locked as each winner is applied: in cluster-name order, as rule changes lock them, so two
    // hub replicas (or a replica and a rule change) never lock two clusters in opposite orders. Reports of one
    // cluster keep their arrival order.
    const byCluster = [...winners.values()].sort((x, y) =>
      x.agent.clusterName < y.agent.clusterName ? -1 : x.agent.clusterName > y.agent.clusterName ? 1 : 0,
    );
    for (const w of byCluster) {
      const env = await this.withResults(items[w.index] as ReportItem, w.envelope);
      const keepResolvedFrom = new Date(
        Date.parse(w.receivedAt) - this.config.resolvedRetentionMs,
      ).toISOString();
      await this.posture.pruneResolved(m, w.agent.clusterName, keepResolvedFrom);
      const delta = await this.posture.applyReport(m, w.agent.clusterName, env, w.receivedAt);
      // The report's history point counts as the cluster does: without the results exempted when it arrived.
      if (delta.exempted > 0)
        await m
          .getRepository(ReportEntity)
          .update({ agentId: env.agentId, seq: env.seq }, countedScores(delta.counted));
      const skew = clampInt(Date.parse(w.receivedAt) - Date.parse(env.scannedAt));
      const scannedAt = new Date(env.scannedAt).toISOString();
      Object.assign(w.agent, {
        lastSeq: env.seq,
        lastScannedAt: scannedAt,
        lastReceivedAt: w.receivedAt,
        clockSkewMs: skew,
      });
      // Said once when an agent's clock goes wrong and once when it is right again, not for every report.
      const wrong = Math.abs(skew) > this.config.clockSkewToleranceMs;
      if (wrong !== this.skewed.has(w.agent.id)) {
        if (wrong) this.skewed.add(w.agent.id);
        else this.skewed.delete(w.agent.id);
        this.logger.warn(
          wrong
            ? `agent "${w.agent.id}": clock off by ${Math.round(skew / 1000)} s (scan time vs hub receive time)`
            : `agent "${w.agent.id}": clock within tolerance again`,
        );
      }
      await this.upsertCluster(m, w.agent, env, scannedAt, w.receivedAt, skew, delta.counted);
    }

    await updateRows(m, AgentEntity, [...dirtyAgents]);
    if (quarantine.length > 0) {
      for (let i = 0; i < quarantine.length; i += 50) {
        await m
          .createQueryBuilder()
          .insert()
          .into(QuarantineEntity)
          .values(quarantine.slice(i, i + 50))
          .updateEntity(false)
          .execute();
      }
    }
    return outcomes;
  }

  /** The envelope with its results: decoded again from the payload when they were let go (see `ReportItem`). */
  private async withResults(item: ReportItem, envelope: ReportEnvelopeV1): Promise<ReportEnvelopeV1> {
    if (item.resultsDropped === undefined) return envelope;
    const again = await decodeReport(item.msg.payload, item.agentId, this.config, item.msg.receivedAt);
    // Decoding is a function of the payload, the topic and the receive time: the same envelope as the first time.
    if (
      !again.ok ||
      again.envelope.seq !== envelope.seq ||
      again.envelope.results.length !== item.resultsDropped
    )
      throw new Error(`report seq ${envelope.seq} of "${item.agentId}" did not decode the same way twice`);
    return again.envelope;
  }

  private applyStatus(
    item: Extract<Item, { kind: 'status' }>,
    agent: AgentEntity | undefined,
    dirty: Set<AgentEntity>,
    refuse: (r: Rejection) => void,
  ): IngestOutcome {
    // An empty retained message clears a status; nothing to record.
    if (item.msg.payload.length === 0) return { status: 'ignored' };
    let parsed: ReturnType<typeof agentStatusSchema.safeParse>;
    try {
      parsed = agentStatusSchema.safeParse(JSON.parse(item.msg.payload.toString('utf8')));
    } catch (err) {
      refuse({
        reason: IngestRejection.MalformedJson,
        detail: `status is not valid JSON: ${errorText(err)}`,
      });
      return { status: 'rejected' };
    }
    if (!parsed.success) {
      refuse({
        reason: IngestRejection.SchemaInvalid,
        detail: `status does not match the schema: ${parsed.error.issues[0]?.message ?? ''}`,
      });
      return { status: 'rejected' };
    }
    if (!agent) {
      refuse({
        reason: IngestRejection.UnknownAgent,
        detail: `status from "${item.agentId}", which is not enrolled`,
      });
      return { status: 'rejected' };
    }
    const s = parsed.data;
    // A retained copy replayed on (re)subscribe says nothing new when the state is the same.
    if (item.msg.retained && agent.status === s.state) return { status: 'ignored' };
    agent.status = s.state;
    agent.statusAt = item.msg.receivedAt.toISOString();
    agent.statusReportedAt = s.at ? new Date(s.at).toISOString() : null;
    if (s.agentVersion) agent.agentVersion = s.agentVersion;
    dirty.add(agent);
    return { status: 'status' };
  }

  private async upsertCluster(
    m: EntityManager,
    agent: AgentEntity,
    env: ReportEnvelopeV1,
    scannedAt: string,
    receivedAt: string,
    skew: number,
    counted: ReportSummary,
  ): Promise<void> {
    const fields: Partial<ClusterEntity> = {
      kubernetesVersion: env.cluster.kubernetesVersion ?? null,
      lastAgentId: agent.id,
      lastSeq: env.seq,
      lastScannedAt: scannedAt,
      lastReceivedAt: receivedAt,
      clockSkewMs: skew,
      // Exempted results do not count (docs/exemptions.md); the summary is kept as reported.
      ...countedScores(counted),
      summary: env.summary,
      updatedAt: receivedAt,
    };
    const updated = await updateByKey(m, ClusterEntity, agent.clusterName, fields);
    if (!updated) {
      // Normally created at enrollment; the report's own description fills in when it was not.
      await m.getRepository(ClusterEntity).insert({
        name: agent.clusterName,
        platform: env.cluster.platform as ClusterEntity['platform'],
        role: env.cluster.role as ClusterEntity['role'],
        location: env.cluster.location ?? null,
        createdAt: receivedAt,
        ...fields,
      });
    }
  }

  private quarantineRow(item: Item, r: Rejection): Partial<QuarantineEntity> {
    return {
      topic: item.msg.topic.slice(0, 512),
      agentId: item.kind === 'bad-topic' ? null : item.agentId,
      envelopeAgentId: r.envelopeAgentId ?? null,
      seq: r.seq ?? null,
      reason: r.reason,
      detail: r.detail.slice(0, 4000),
      receivedAt: item.msg.receivedAt.toISOString(),
      payloadBytes: item.msg.payload.length,
      payloadExcerpt: item.msg.payload.subarray(0, EXCERPT_BYTES).toString('base64'),
    };
  }

  private rejected(item: Item, r: Rejection): IngestOutcome {
    const reason = `${r.reason}: ${r.detail}`.slice(0, 1024);
    const out: IngestOutcome = { status: 'rejected', reason };
    // Only a report with a readable seq can be answered; the agent matches acks by seq.
    if (item.kind === 'report' && r.seq !== undefined) {
      out.ack = { agentId: item.agentId, message: { seq: r.seq, status: 'rejected', reason } };
    }
    return out;
  }

  private count(outcomes: IngestOutcome[]): void {
    this.stats.batches++;
    for (const o of outcomes) {
      if (o.status === 'stored') this.stats.stored++;
      else if (o.status === 'duplicate') this.stats.duplicate++;
      else if (o.status === 'status') this.stats.statusUpdates++;
      else if (o.status === 'rejected') {
        this.stats.rejected++;
        const code = (o.reason ?? 'unknown').split(':')[0];
        this.stats.rejectedByReason[code] = (this.stats.rejectedByReason[code] ?? 0) + 1;
      }
    }
  }
}

function clampInt(n: number): number {
  return Math.max(-INT32, Math.min(INT32, Math.round(n)));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A unique or primary-key violation, on PostgreSQL (23505) or SQLite. */
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } } | null;
  const code = e?.driverError?.code ?? e?.code ?? '';
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
