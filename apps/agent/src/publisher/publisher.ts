import mqtt, { type IClientOptions, type MqttClient, type Packet } from 'mqtt';
import {
  ackSchema,
  agentTopic,
  REPORT_CONTENT_TYPE,
  type AckMessage,
  type AgentStatusMessage,
} from '@watchpost/shared/wire';
import type { AgentStore } from '../store/agent-store.js';
import { describeReasonCode, pubackVerdict } from './reason-codes.js';

/**
 * Publishes the outbox to the broker and finishes rows on the hub's application-level acks.
 *
 * - QoS 1 to `.../report`, oldest seq first, at most `inFlightWindow` reports awaiting the hub's ack.
 * - MQTT 5: PUBACK reason codes are read from the packets themselves (`packetreceive`), because the publish
 *   callback hides 0x10. 0x87 and other final refusals end the row as `rejected` with the reason.
 * - MQTT 3.1.1 (the embedded broker) has no reason codes: a refused publish makes the broker close the
 *   connection. A connection that closes with publishes outstanding and no PUBACK counts a strike; after
 *   `refusalStrikes` in a row the oldest outstanding report is rejected as "refused (probably not authorised)".
 * - Unacked rows are resent after `ackTimeoutMs`; on every reconnect everything unacked is resent (the session
 *   is clean, so acks sent while we were away are gone; the hub answers `duplicate`, which also finishes a row).
 * - The retained `.../status` says online after connect; the last will (retained) says offline.
 * - Reconnects with jittered exponential backoff.
 */

/** TLS material, PEM. */
export interface PublisherTls {
  cert: string;
  key: string;
  ca: string;
}

/** Something the publisher did, for logs and tests. */
export type PublisherEvent =
  | { type: 'connected' }
  | { type: 'closed' }
  | { type: 'published'; seq: number; attempt: number }
  | { type: 'acked'; seq: number; status: AckMessage['status'] }
  | { type: 'rejected'; seq: number; reason: string }
  | { type: 'resync'; seq: number; hubSeq: number; renumbered: number; lastSeq: number }
  | { type: 'problem'; message: string }
  /** The hub sent Kubernetes support data with an ack (not yet validated: the daemon decides). */
  | { type: 'support-data'; document: Record<string, unknown> };

/** Publisher settings. */
export interface PublisherOptions {
  agentId: string;
  agentVersion: string;
  brokerUrl: string;
  protocolVersion: 4 | 5;
  servername?: string;
  tls: PublisherTls;
  store: AgentStore;
  inFlightWindow: number;
  ackTimeoutMs: number;
  backoff?: { minMs: number; maxMs: number };
  /** 3.1.1: closes in a row, with no PUBACK, before the oldest outstanding report is rejected. */
  refusalStrikes?: number;
  onEvent?: (event: PublisherEvent) => void;
  now?: () => Date;
}

/**
 * Acks are read loosely: fields a newer hub adds must not make this agent ignore one. Built once: zod compiles a
 * schema on its first parse, and a `.loose()` per message recompiled it for every ack of a drain.
 */
const looseAckSchema = ackSchema.loose();

/** Longest delay before delivery bookkeeping is committed. */
const FLUSH_MS = 50;

interface InFlight {
  sentAt: number;
  attempt: number;
  pubacked: boolean;
}

/** The agent's MQTT side. */
export class Publisher {
  private client: MqttClient | undefined;
  private connected = false;
  private stopping = false;
  private readonly inFlight = new Map<number, InFlight>();
  /** Highest seq published on the current connection. */
  private highestQueued = 0;
  private pumping = false;
  private pumpAgain = false;
  private readonly messageIds = new Map<number, number>();
  private readonly payloadSeq = new WeakMap<Buffer, number>();
  private pendingAcks: AckMessage[] = [];
  private pendingSent: number[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private ackFlush: Promise<void> = Promise.resolve();
  private ackFlushScheduled = false;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private resendTimer: NodeJS.Timeout | undefined;
  private pubackThisConnection = false;
  private strikes = 0;
  private tls: PublisherTls;
  private readonly now: () => Date;

  constructor(private readonly opts: PublisherOptions) {
    this.tls = opts.tls;
    this.now = opts.now ?? (() => new Date());
  }

  /** Connects (and keeps reconnecting until `stop`). */
  start(): void {
    this.stopping = false;
    this.connect();
    const tick = Math.max(100, Math.min(5000, Math.floor(this.opts.ackTimeoutMs / 4)));
    this.resendTimer = setInterval(() => this.resendOverdue(), tick);
    this.resendTimer.unref();
  }

  /** New rows were committed: publish them if the window allows. */
  kick(): void {
    this.pump();
  }

  /** Whether the broker connection is up. */
  get isConnected(): boolean {
    return this.connected;
  }

  /** Reports published and awaiting the hub's ack. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** New client certificate (after renewal): reconnect with it. */
  reloadTls(tls: PublisherTls): void {
    this.tls = tls;
    if (!this.client) return;
    const old = this.client;
    this.client = undefined;
    this.connected = false;
    old.removeAllListeners();
    old.on('error', () => undefined);
    old.end(true, () => this.connect());
  }

  /** Says offline (retained), flushes acks, closes the connection. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.resendTimer);
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    if (client) {
      if (this.connected) {
        try {
          await withTimeout(
            client.publishAsync(agentTopic(this.opts.agentId, 'status'), this.statusPayload('offline'), {
              qos: 1,
              retain: true,
            }),
            2000,
          );
        } catch {
          // Shutting down anyway; the broker's copy of the last will is cleared only on a clean disconnect.
        }
      }
      client.removeAllListeners('close');
      // Forced: a graceful end waits for every in-flight QoS 1 publish, which may never complete when the broker is away.
      await client.endAsync(true).catch(() => undefined);
    }
    this.connected = false;
    clearTimeout(this.flushTimer);
    this.ackFlushScheduled = false;
    await this.ackFlush;
    await this.flushAcks();
  }

  private connect(): void {
    const v5 = this.opts.protocolVersion === 5;
    const options: IClientOptions = {
      protocolVersion: this.opts.protocolVersion,
      clientId: this.opts.agentId,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: 30,
      // mqtt-packet's default caches a Buffer for every packet id and length it may write (65,536 of them, about
      // 6 MB of heap held for the life of the daemon); one report every few minutes does not need it.
      writeCache: false,
      ca: this.tls.ca,
      cert: this.tls.cert,
      key: this.tls.key,
      rejectUnauthorized: true,
      ...(this.opts.servername ? { servername: this.opts.servername } : {}),
      will: {
        topic: agentTopic(this.opts.agentId, 'status'),
        payload: Buffer.from(this.statusPayload('offline')),
        qos: 1,
        retain: true,
      },
    };
    // Not in IClientOptions' type, but passed through to tls.connect.
    (options as Record<string, unknown>)['minVersion'] = 'TLSv1.2';
    const client = mqtt.connect(this.opts.brokerUrl, options);
    this.client = client;
    client.on('connect', () => void this.onConnect(client));
    client.on('close', () => this.onClose(client));
    client.on('error', (err: Error & { code?: unknown }) => {
      // A numeric code is a CONNACK refusal (3.1.1: 2 identifier rejected, 5 not authorised; 5.0: 0x85, 0x87...):
      // worth keeping for `status`, unlike the connection errors of an unreachable broker.
      if (typeof err.code === 'number') {
        void this.problem(
          `broker refused the connection: ${err.message} (code ${err.code}); the client id must be the certificate CN "${this.opts.agentId}" and the certificate must be valid and not revoked`,
        );
      } else this.emit({ type: 'problem', message: `mqtt: ${err.message}` });
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    client.on('packetsend', (packet: Packet) => {
      if (packet.cmd === 'publish' && packet.messageId !== undefined && Buffer.isBuffer(packet.payload)) {
        const seq = this.payloadSeq.get(packet.payload);
        if (seq !== undefined) this.messageIds.set(packet.messageId, seq);
      }
    });
    client.on('packetreceive', (packet: Packet) => {
      if (packet.cmd !== 'puback' || packet.messageId === undefined) return;
      this.pubackThisConnection = true;
      this.strikes = 0;
      const seq = this.messageIds.get(packet.messageId);
      this.messageIds.delete(packet.messageId);
      if (seq === undefined) {
        if (v5 && (packet.reasonCode ?? 0) >= 0x80) {
          void this.problem(`broker refused a status publish: ${describeReasonCode(packet.reasonCode ?? 0)}`);
        }
        return;
      }
      this.onPuback(seq, v5 ? (packet.reasonCode ?? 0) : 0);
    });
  }

  private async onConnect(client: MqttClient): Promise<void> {
    if (client !== this.client) return;
    this.connected = true;
    this.reconnectAttempt = 0;
    this.pubackThisConnection = false;
    this.highestQueued = 0;
    this.inFlight.clear();
    this.emit({ type: 'connected' });
    await this.opts.store.recordConnect(this.now()).catch(() => undefined);
    try {
      const granted = await client.subscribeAsync(agentTopic(this.opts.agentId, 'ack'), { qos: 1 });
      const code = granted[0]?.qos ?? 0x80;
      if (code >= 0x80)
        await this.problem(`broker refused the ack subscription: ${describeReasonCode(code)}`);
    } catch (err) {
      this.emit({
        type: 'problem',
        message: `subscribe: ${err instanceof Error ? err.message : String(err)}`,
      });
      return;
    }
    client.publish(
      agentTopic(this.opts.agentId, 'status'),
      this.statusPayload('online'),
      { qos: 1, retain: true },
      () => undefined,
    );
    this.pump();
  }

  private onClose(client: MqttClient): void {
    if (client !== this.client) return;
    const wasConnected = this.connected;
    this.connected = false;
    this.emit({ type: 'closed' });
    if (wasConnected && this.opts.protocolVersion === 4 && !this.pubackThisConnection) this.strike();
    if (this.stopping) return;
    const backoff = this.opts.backoff ?? { minMs: 1000, maxMs: 60_000 };
    const base = Math.min(backoff.maxMs, backoff.minMs * 2 ** this.reconnectAttempt);
    this.reconnectAttempt += 1;
    const delay = Math.round(base * (0.5 + Math.random() / 2));
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (this.stopping || this.client !== client) return;
      client.reconnect();
    }, delay);
  }

  /** 3.1.1: the broker closed the connection with our publishes outstanding and none acknowledged. */
  private strike(): void {
    const outstanding = [...this.inFlight.entries()].filter(([, f]) => !f.pubacked).map(([seq]) => seq);
    if (outstanding.length === 0) return;
    this.strikes += 1;
    const limit = this.opts.refusalStrikes ?? 3;
    if (this.strikes < limit) return;
    this.strikes = 0;
    const seq = Math.min(...outstanding);
    const reason = `broker closed the connection on publish ${limit} times in a row (MQTT 3.1.1 gives no reason code; most likely not authorised: the certificate CN must equal agentId "${this.opts.agentId}")`;
    void this.reject(seq, reason);
  }

  private onPuback(seq: number, code: number): void {
    const flight = this.inFlight.get(seq);
    if (!flight) return;
    switch (pubackVerdict(code)) {
      case 'accepted':
        flight.pubacked = true;
        return;
      case 'no-subscribers':
        flight.pubacked = true;
        void this.problem(
          `broker: ${describeReasonCode(code)} for report ${seq}: the hub is not subscribed; resending after the ack timeout`,
        );
        return;
      case 'refused':
        void this.reject(seq, `broker refused publish: ${describeReasonCode(code)}`);
        return;
      case 'transient':
        void this.problem(
          `broker: ${describeReasonCode(code)} for report ${seq}; resending after the ack timeout`,
        );
        return;
    }
  }

  private async reject(seq: number, reason: string): Promise<void> {
    this.inFlight.delete(seq);
    try {
      await this.opts.store.markRejected(seq, reason, this.now());
    } catch {
      // Store closing; the row stays undelivered and is retried next start.
    }
    this.emit({ type: 'rejected', seq, reason });
    this.pump();
  }

  private async problem(message: string): Promise<void> {
    this.emit({ type: 'problem', message });
    await this.opts.store.recordError(message, this.now()).catch(() => undefined);
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic !== agentTopic(this.opts.agentId, 'ack')) return;
    let ack: AckMessage;
    try {
      ack = looseAckSchema.parse(JSON.parse(payload.toString('utf8')));
    } catch {
      void this.problem(`ignored a malformed ack on ${topic}`);
      return;
    }
    this.inFlight.delete(ack.seq);
    if (ack.status === 'resync') {
      void this.resync(ack);
      return;
    }
    this.pendingAcks.push(ack);
    this.emit({ type: 'acked', seq: ack.seq, status: ack.status });
    if (ack.supportData) this.emit({ type: 'support-data', document: ack.supportData });
    this.scheduleAckFlush();
    this.pump();
  }

  /**
   * The hub holds a different report under this seq (this agent's store lost or never kept reports it had
   * published): move past the hub's seq, renumber what is undelivered, send it again.
   */
  private async resync(ack: AckMessage): Promise<void> {
    const hubSeq = ack.hubSeq ?? ack.seq;
    try {
      const result = await this.opts.store.resync(ack.seq, hubSeq);
      for (const r of result.renumbered) this.inFlight.delete(r.from);
      this.emit({
        type: 'resync',
        seq: ack.seq,
        hubSeq,
        renumbered: result.renumbered.length,
        lastSeq: result.lastSeq,
      });
    } catch (err) {
      // The store could not take it (full disk): the row stays, is resent after the timeout and resynced then.
      this.emit({
        type: 'problem',
        message: `resync after seq ${ack.seq}: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
    this.pump();
  }

  /**
   * Delivery bookkeeping (rows sent, acks) is written in batches at most every FLUSH_MS: each commit fsyncs
   * (synchronous = FULL) and better-sqlite3 blocks the event loop while it does, so one commit per ack would cap
   * the drain at a few hundred reports a second. Losing a batch to a crash only means a resend and a
   * `duplicate` ack.
   */
  private scheduleAckFlush(): void {
    if (this.ackFlushScheduled) return;
    this.ackFlushScheduled = true;
    this.flushTimer = setTimeout(() => {
      this.ackFlush = this.ackFlush.then(async () => {
        this.ackFlushScheduled = false;
        await this.flushAcks();
      });
    }, FLUSH_MS);
  }

  private async flushAcks(): Promise<void> {
    const sent = this.pendingSent;
    const batch = this.pendingAcks;
    this.pendingSent = [];
    this.pendingAcks = [];
    try {
      if (sent.length > 0) await this.opts.store.markSent(sent, this.now());
      if (batch.length > 0) await this.opts.store.applyAcks(batch, this.now());
    } catch {
      // Store closed under us (shutdown): the rows stay undelivered, are resent next start and acked `duplicate`.
    }
  }

  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          await this.pumpOnce();
        } while (this.pumpAgain);
      } catch (err) {
        this.emit({
          type: 'problem',
          message: `outbox: ${err instanceof Error ? err.message : String(err)}`,
        });
      } finally {
        this.pumping = false;
      }
    })();
  }

  private async pumpOnce(): Promise<void> {
    const client = this.client;
    if (!client || !this.connected) return;
    const room = this.opts.inFlightWindow - this.inFlight.size;
    if (room <= 0) return;
    const rows = await this.opts.store.undelivered(this.highestQueued, room);
    if (rows.length === 0 || client !== this.client || !this.connected) return;
    for (const row of rows) {
      this.publish(client, row.seq, row.payload, row.attempts + 1);
      this.highestQueued = Math.max(this.highestQueued, row.seq);
    }
    this.pendingSent.push(...rows.map((r) => r.seq));
    this.scheduleAckFlush();
    if (rows.length === room) this.pumpAgain = true;
  }

  private publish(client: MqttClient, seq: number, payload: Buffer, attempt: number): void {
    // A fresh Buffer object per send so `packetsend` maps its message id to this seq.
    const body = Buffer.from(payload);
    this.payloadSeq.set(body, seq);
    this.inFlight.set(seq, { sentAt: Date.now(), attempt, pubacked: false });
    client.publish(
      agentTopic(this.opts.agentId, 'report'),
      body,
      {
        qos: 1,
        ...(this.opts.protocolVersion === 5 ? { properties: { contentType: REPORT_CONTENT_TYPE } } : {}),
      },
      () => undefined,
    );
    this.emit({ type: 'published', seq, attempt });
  }

  private resendOverdue(): void {
    const client = this.client;
    if (!client || !this.connected) return;
    const cutoff = Date.now() - this.opts.ackTimeoutMs;
    const overdue = [...this.inFlight.entries()].filter(([, f]) => f.sentAt <= cutoff).map(([seq]) => seq);
    if (overdue.length === 0) return;
    void (async () => {
      const resent: number[] = [];
      for (const seq of overdue) {
        const row = await this.opts.store.outgoing(seq);
        if (!row) {
          this.inFlight.delete(seq);
          continue;
        }
        if (client !== this.client || !this.connected) return;
        this.publish(client, seq, row.payload, row.attempts + 1);
        resent.push(seq);
      }
      this.pendingSent.push(...resent);
      this.scheduleAckFlush();
    })().catch((err: unknown) =>
      this.emit({ type: 'problem', message: `resend: ${err instanceof Error ? err.message : String(err)}` }),
    );
  }

  private statusPayload(state: AgentStatusMessage['state']): string {
    const msg: AgentStatusMessage = {
      state,
      at: this.now().toISOString(),
      agentVersion: this.opts.agentVersion,
    };
    return JSON.stringify(msg);
  }

  private emit(event: PublisherEvent): void {
    this.opts.onEvent?.(event);
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
