import { Logger } from '@nestjs/common';
import { BaseRpcContext, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { lastValueFrom } from 'rxjs';
import { agentTopic, TOPIC_PREFIX } from '@watchpost/shared';
import { INGEST_BATCH_PATTERN, type IngestMessage, type IngestOutcome } from './ingest.types.js';

/** How the hub connects to its broker (embedded or external). */
export interface MqttIngestOptions {
  url: string;
  /** 4 against the embedded Aedes broker, 5 against an external broker. */
  protocolVersion: 4 | 5;
  ca: string;
  cert: string;
  key: string;
  clientId: string;
  /** MQTT 5 only: reports through `$share/<group>/...` so hub replicas split them. */
  shareGroup?: string;
  sessionExpirySec: number;
  batchSize: number;
  batchMs: number;
  /** Check the broker certificate's name against the URL host (default true). */
  verifyHostname?: boolean;
  /** Metrics hooks. */
  hooks?: { connected?(connected: boolean): void; queueDepth?(depth: number): void };
}

interface Pending {
  msg: IngestMessage;
  /** Present for QoS 1/2 deliveries: PUBACK goes out only after the commit. */
  messageId?: number;
  /** Connection the message came in on: a PUBACK is never sent on a later connection (ids are per connection). */
  connection: number;
}

/** A batch handed to the ingest, and what became of it. */
interface InFlight {
  batch: Pending[];
  result: Promise<{ outcomes: IngestOutcome[] } | { err: unknown }>;
}

/**
 * Batches handed to the ingest at a time: one commits while the next one's reports are decoded (in the decode
 * worker thread), so the main thread goes from one commit to the next.
 */
const IN_FLIGHT_BATCHES = 2;

/** Marker passed to mqtt.js's ack callback: "do not PUBACK now". */
class DeferredAck extends Error {
  constructor() {
    super('PUBACK deferred until the database commit');
  }
}
// One instance for every message: building an Error (and its stack) per report showed up in profiles.
const DEFERRED_ACK = new DeferredAck();

type Sender = { _sendPacket(packet: { cmd: 'puback'; messageId: number }, cb?: () => void): void };

/**
 * NestJS transport strategy for the ingest (instead of the stock MQTT server, which PUBACKs before the handler
 * runs and subscribes at QoS 0). Persistent session (`clean: false`, MQTT 5 session expiry), QoS 1 subscriptions,
 * and a PUBACK for each message only after the batch holding it was committed.
 *
 * mqtt.js processes incoming packets one at a time and would PUBACK each before reading the next, which allows
 * no batching. So `customHandleAcks` takes the message, answers "deferred" (mqtt.js then sends nothing and moves
 * on), and the PUBACK is written later with the client's packet sender. PUBACKs go out in arrival order, as
 * MQTT requires for QoS 1. If the hub dies before the commit, the broker still holds the message and redelivers
 * it; a redelivery after a commit is recognised by (agent, seq) and answered `duplicate`.
 */
export class MqttIngestTransport extends Server implements CustomTransportStrategy {
  private readonly log = new Logger('MqttIngest');
  private client: MqttClient | undefined;
  /** Received and not yet acknowledged, in arrival order; the first `handed` are in batches in flight. */
  private queue: Pending[] = [];
  private handed = 0;
  private inFlight: InFlight[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Settles once every batch in flight was acknowledged or kept for a retry. */
  private working: Promise<void> | undefined;
  private retrying = false;
  private connection = 0;
  private closing = false;
  private retryMs = 0;
  private depthReport: NodeJS.Immediate | undefined;
  private readyResolve!: () => void;
  /** Resolves once the subscriptions are in place for the first time. */
  readonly ready: Promise<void> = new Promise((resolve) => (this.readyResolve = resolve));

  constructor(private readonly options: MqttIngestOptions) {
    super();
  }

  /** Messages received and not yet committed (metrics: queue depth). */
  get queueDepth(): number {
    return this.queue.length;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  listen(callback: () => void): void {
    const o = this.options;
    const opts: IClientOptions = {
      clientId: o.clientId,
      protocolVersion: o.protocolVersion,
      clean: false,
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      ...(o.verifyHostname === false ? { checkServerIdentity: () => undefined } : {}),
    };
    const deferAck: NonNullable<IClientOptions['customHandleAcks']> = (
      topic,
      message,
      packet: IPublishPacket,
      done,
    ) => {
      this.enqueue(topic, message, packet);
      done(DEFERRED_ACK);
    };
    if (o.protocolVersion === 5) {
      // Receive maximum bounds how many unacknowledged reports the broker sends us: the batches in flight and
      // one more, which fills while they are worked on.
      opts.properties = {
        sessionExpiryInterval: o.sessionExpirySec,
        receiveMaximum: Math.min(65_535, o.batchSize * (IN_FLIGHT_BATCHES + 1)),
      };
    }
    const client = mqtt.connect(o.url, opts);
    // mqtt.js honours the customHandleAcks option only for MQTT 5 and replaces it with an immediate ack for
    // 3.1.1; its publish handler reads the hook from client.options at delivery time, so set it there.
    client.options.customHandleAcks = deferAck;
    this.client = client;
    client.on('connect', (connack) => {
      this.connection++;
      this.log.log(`connected to ${o.url} as ${o.clientId} (session present: ${connack.sessionPresent})`);
      void this.subscribe(client);
    });
    client.on('close', () => o.hooks?.connected?.(false));
    // QoS 0 deliveries (a status published at QoS 0) bypass customHandleAcks.
    client.on('message', (topic, payload, packet) => {
      if (packet.qos === 0) this.enqueue(topic, payload, packet);
    });
    client.on('error', (err) => {
      if (err instanceof DeferredAck) return;
      this.log.warn(`broker connection: ${err.message}`);
    });
    client.on('offline', () => this.log.warn(`broker ${o.url} unreachable; reconnecting`));
    callback();
  }

  private async subscribe(client: MqttClient): Promise<void> {
    const reports = `${TOPIC_PREFIX}/+/report`;
    const status = `${TOPIC_PREFIX}/+/status`;
    // Reports are shared among hub replicas; status is not (retained messages are never sent to shared
    // subscriptions, and every replica may as well know every agent's liveness).
    const reportFilter =
      this.options.shareGroup && this.options.protocolVersion === 5
        ? `$share/${this.options.shareGroup}/${reports}`
        : reports;
    try {
      // Subscribe on every connect, even with a session present: a broker restored from its persistence file may
      // report the session but not route to it (seen with Mosquitto 2.0.11). `resubscribe` makes mqtt.js send the
      // SUBSCRIBE although it remembers the topics from the first connection.
      const topics = { [reportFilter]: { qos: 1 as const }, [status]: { qos: 1 as const } };
      const granted = await client.subscribeAsync(Object.assign(topics, { resubscribe: true }));
      const refused = granted.filter((g) => g.qos > 2);
      if (refused.length > 0) {
        this.log.error(
          `broker refused subscriptions: ${refused.map((g) => g.topic).join(', ')} (check the broker ACL for watchpost-hub)`,
        );
        return;
      }
      this.options.hooks?.connected?.(true);
      this.readyResolve();
    } catch (err) {
      this.log.error(`subscribe failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private enqueue(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const msg: IngestMessage = { topic, payload, receivedAt: new Date(), retained: packet.retain };
    const pending: Pending = { msg, connection: this.connection };
    if (packet.qos > 0 && packet.messageId !== undefined) pending.messageId = packet.messageId;
    this.queue.push(pending);
    this.reportDepth();
    this.pump(false);
  }

  /**
   * The queue depth for the metrics once per turn of the event loop: mqtt.js parses every packet of a socket read in
   * one go, and setting the gauge per message was 0.4 to 1.8 % of the hub's CPU in two hub-ingest profiles.
   */
  private reportDepth(): void {
    const hooks = this.options.hooks;
    if (!hooks?.queueDepth || this.depthReport) return;
    this.depthReport = setImmediate(() => {
      this.depthReport = undefined;
      hooks.queueDepth?.(this.queue.length);
    });
  }

  /**
   * Hands batches to the ingest: full ones as long as fewer than `IN_FLIGHT_BATCHES` are in flight, a partial one
   * when its `batchMs` ran out (`partial`) or when nothing else is in flight after a commit.
   */
  private pump(partial: boolean): void {
    if (this.closing || this.retrying) return;
    while (this.inFlight.length < IN_FLIGHT_BATCHES) {
      const waiting = this.queue.length - this.handed;
      if (waiting === 0) break;
      if (waiting < this.options.batchSize && !partial) break;
      partial = false;
      const batch = this.queue.slice(this.handed, this.handed + this.options.batchSize);
      this.handed += batch.length;
      this.inFlight.push({
        batch,
        result: this.handle(batch.map((p) => p.msg)).then(
          (outcomes) => ({ outcomes }),
          (err: unknown) => ({ err }),
        ),
      });
      this.working ??= this.settle();
    }
    if (this.queue.length > this.handed && this.inFlight.length < IN_FLIGHT_BATCHES) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.pump(true);
      }, this.options.batchMs);
    } else if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Takes the batches' results in the order they were handed in: acknowledges, or keeps them for a retry. */
  private async settle(): Promise<void> {
    let failed: unknown;
    let failures = false;
    while (this.inFlight.length > 0) {
      const head = this.inFlight[0];
      const r = await head.result;
      this.inFlight.shift();
      this.handed -= head.batch.length;
      if ('err' in r || failures) {
        // Nothing of it acknowledged: the batch stays queued and is handed in again later (database down). A batch
        // after it failed too (the ingest commits nothing ahead of an earlier batch that failed), and no new one
        // is handed in until the retry.
        if (!failures && 'err' in r) failed = r.err;
        failures = true;
        this.retrying = true;
        continue;
      }
      this.retryMs = 0;
      this.queue.splice(0, head.batch.length);
      this.reportDepth();
      this.acknowledge(head.batch, r.outcomes);
      this.pump(this.inFlight.length === 0);
    }
    this.working = undefined;
    if (failures) {
      this.retryMs = Math.min(30_000, Math.max(500, this.retryMs * 2));
      this.log.error(
        `ingest failed, retrying in ${this.retryMs} ms: ${failed instanceof Error ? failed.message : JSON.stringify(failed)}`,
      );
      if (this.closing) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.retrying = false;
        this.pump(true);
      }, this.retryMs);
    }
  }

  private async handle(batch: IngestMessage[]): Promise<IngestOutcome[]> {
    const handler = this.getHandlerByPattern(INGEST_BATCH_PATTERN);
    if (!handler) throw new Error(`no handler for ${INGEST_BATCH_PATTERN} (is IngestModule imported?)`);
    const result$ = this.transformToObservable(await handler(batch, new BaseRpcContext([])));
    return (await lastValueFrom(result$)) as IngestOutcome[];
  }

  private acknowledge(batch: Pending[], outcomes: IngestOutcome[]): void {
    const client = this.client;
    if (!client) return;
    // mqtt.js refuses a publish only while the client is disconnecting (it queues QoS 0 packets while offline).
    if (client.disconnecting)
      this.log.warn(
        `${outcomes.filter((o) => o?.ack).length} acks not sent: the MQTT client is disconnecting`,
      );
    batch.forEach((p, i) => {
      const ack = outcomes[i]?.ack;
      if (ack) {
        // QoS 0 (docs/contracts-changes.md): an agent's session is clean, so a QoS 1 ack bought nothing it does not
        // already have (an ack it misses, it resends the report after its ack timeout and is answered `duplicate`),
        // and cost the hub, the broker and the agent a PUBACK and a stored packet each per report. Written to the
        // socket before the PUBACK below, so the broker has the ack before it forgets the report.
        // No callback: with one, mqtt.js adds a 'drain' listener per packet written while the socket's buffer is
        // full, and a batch's 200 acks then cost an O(n^2) removal of those listeners (3 % of the hub's CPU in the
        // hub-ingest profile). The only refusal is the one logged above.
        client.publish(agentTopic(ack.agentId, 'ack'), JSON.stringify(ack.message), { qos: 0 });
      }
      if (p.messageId !== undefined && p.connection === this.connection && client.connected) {
        (client as unknown as Sender)._sendPacket({ cmd: 'puback', messageId: p.messageId });
      }
    });
  }

  /** Stops taking messages, finishes the batch being committed, and disconnects (uncommitted ones stay with the broker). */
  async close(): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.depthReport) clearImmediate(this.depthReport);
    await this.working;
    const client = this.client;
    this.client = undefined;
    if (client) await client.endAsync();
  }

  on(): never {
    throw new Error('MqttIngestTransport does not support event listeners');
  }

  unwrap<T>(): T {
    if (!this.client) throw new Error('not listening');
    return this.client as T;
  }
}
