import { gunzipSync } from 'node:zlib';
import mqtt, { type MqttClient } from 'mqtt';
import {
  parseAgentTopic,
  reportEnvelopeV1Schema,
  type AckMessage,
  type ReportEnvelopeV1,
} from '@watchpost/shared';
import type { ClientIdentity } from './mosquitto.js';

/** How the test hub answers reports. */
export type AckPolicy = 'immediate' | 'never' | 'twice' | { delayMs: number };

/**
 * A stand-in for the hub's ingest: a persistent-session subscriber that validates each report, stores it by
 * (agent, seq) and acks `stored` the first time, `duplicate` after. Tests switch `policy` to ack late, never,
 * or twice, and wait on conditions that are re-checked after every message (no sleeps).
 */
export class AckingConsumer {
  policy: AckPolicy = 'immediate';
  /** Every arrival, duplicates included, per agent. */
  readonly arrivals = new Map<string, number[]>();
  /** First-arrival order of distinct seqs, per agent. */
  readonly stored = new Map<string, number[]>();
  readonly envelopes = new Map<string, ReportEnvelopeV1>();
  readonly invalid: string[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(readonly client: MqttClient) {}

  static async start(opts: {
    url: string;
    identity: ClientIdentity;
    servername: string;
    protocolVersion: 4 | 5;
    clientId?: string;
  }): Promise<AckingConsumer> {
    const client = mqtt.connect(opts.url, {
      protocolVersion: opts.protocolVersion,
      clientId: opts.clientId ?? 'watchpost-hub-test',
      clean: false,
      ...(opts.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}),
      ca: opts.identity.caPem,
      cert: opts.identity.certPem,
      key: opts.identity.keyPem,
      servername: opts.servername,
      reconnectPeriod: 100,
    });
    const consumer = new AckingConsumer(client);
    client.on('message', (topic, payload) => consumer.onMessage(topic, payload));
    client.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync('watchpost/v1/agents/+/report', { qos: 1 });
    return consumer;
  }

  /** Distinct seqs received from `agentId`, in first-arrival order. */
  seqs(agentId: string): number[] {
    return this.stored.get(agentId) ?? [];
  }

  /** Resolves once `predicate` holds (checked now and after every message); rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
    return waitUntil(this.waiters, predicate, timeoutMs, what);
  }

  /** Lets other event sources (the agent's publisher) re-check waiters. */
  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await this.client.endAsync(true);
  }

  private onMessage(topic: string, payload: Buffer): void {
    const parsed = parseAgentTopic(topic);
    if (!parsed || parsed.kind !== 'report') return;
    let envelope: ReportEnvelopeV1;
    try {
      const text =
        payload[0] === 0x1f && payload[1] === 0x8b
          ? gunzipSync(payload).toString('utf8')
          : payload.toString('utf8');
      envelope = reportEnvelopeV1Schema.parse(JSON.parse(text));
    } catch (err) {
      this.invalid.push(`${topic}: ${err instanceof Error ? err.message : String(err)}`);
      this.notify();
      return;
    }
    const agentId = parsed.agentId;
    (this.arrivals.get(agentId) ?? this.arrivals.set(agentId, []).get(agentId)!).push(envelope.seq);
    const seqs = this.stored.get(agentId) ?? this.stored.set(agentId, []).get(agentId)!;
    const duplicate = seqs.includes(envelope.seq);
    if (!duplicate) {
      seqs.push(envelope.seq);
      this.envelopes.set(`${agentId}#${envelope.seq}`, envelope);
    }
    const ack: AckMessage = { seq: envelope.seq, status: duplicate ? 'duplicate' : 'stored' };
    const send = () =>
      this.client.publish(`watchpost/v1/agents/${agentId}/ack`, JSON.stringify(ack), { qos: 1 });
    const policy = this.policy;
    if (policy === 'immediate') send();
    else if (policy === 'twice') {
      send();
      send();
    } else if (policy !== 'never') {
      const t = setTimeout(() => {
        this.timers.delete(t);
        send();
      }, policy.delayMs);
      this.timers.add(t);
    }
    this.notify();
  }
}

/** Event-driven wait shared by the consumer and tests. */
export function waitUntil(
  waiters: Set<() => void>,
  predicate: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  if (predicate()) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!predicate()) return;
      waiters.delete(check);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    waiters.add(check);
  });
}
