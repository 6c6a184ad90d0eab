/* eslint-disable @nx/enforce-module-boundaries -- e2e: drives the agent's store and publisher in-process against real brokers, and the hub's embedded broker; apps have no package entry points to import instead. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCertificate, summarise, type Report } from '@watchpost/shared';
import { Publisher, type PublisherEvent } from '../apps/agent/src/publisher/publisher.js';
import { AgentStore } from '../apps/agent/src/store/agent-store.js';
import { readAgentStatus } from '../apps/agent/src/store/status.reader.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../apps/hub/src/broker/embedded-broker.js';
import { AckingConsumer, waitUntil } from './support/acking-consumer.js';
import { startMosquitto, type ClientIdentity, type TestMosquitto } from './support/mosquitto.js';

/**
 * The agent's outbox against real brokers and a test hub that stores and acks: every report arrives in order,
 * exactly once after dedupe by seq, across broker restarts, late or missing acks and duplicate acks; a report
 * the broker refuses is rejected with the reason and shows in `status`.
 */

const scannedAt = '2026-11-23T12:00:00.000Z';
function report(n: number): Report {
  const results: Report['results'] = [
    {
      checkId: 'cert-expiry',
      area: 'certificates',
      severity: 'high',
      outcome: n % 2 ? 'fail' : 'pass',
      resource: { kind: 'File', path: '/etc/kubernetes/pki/apiserver.crt' },
      message: `scan ${n}`,
    },
  ];
  return {
    schemaVersion: 1,
    scannedAt,
    evaluatedAt: scannedAt,
    cluster: { name: 'hci-01', platform: 'aks-hci', role: 'workload' },
    summary: summarise(results),
    results,
    collectorErrors: [],
  };
}

interface TestAgent {
  store: AgentStore;
  publisher: Publisher;
  acked: Set<number>;
  rejected: Map<number, string>;
  events: PublisherEvent[];
  commit(n: number): Promise<void>;
  stop(): Promise<void>;
  dir: string;
}

async function startAgent(opts: {
  agentId: string;
  identity: ClientIdentity;
  url: string;
  protocolVersion: 4 | 5;
  consumer?: AckingConsumer;
  ackTimeoutMs?: number;
  window?: number;
  reports?: number;
}): Promise<TestAgent> {
  const dir = await mkdtemp(join(tmpdir(), 'agent-delivery-'));
  const store = await AgentStore.open({
    path: join(dir, 'agent.sqlite'),
    retention: { maxRows: 10_000, maxBytes: 1e9 },
  });
  await store.recordIdentity({ agentId: opts.agentId, brokerUrl: opts.url, intervalSeconds: 300 });
  const acked = new Set<number>();
  const rejected = new Map<number, string>();
  const events: PublisherEvent[] = [];
  const commit = async (n: number) => {
    for (let i = 0; i < n; i++)
      await store.commitReport({
        report: report(i),
        runId: `run-${i}`,
        agentId: opts.agentId,
        agentVersion: '0.1.0',
      });
  };
  await commit(opts.reports ?? 0);
  const publisher = new Publisher({
    agentId: opts.agentId,
    agentVersion: '0.1.0',
    brokerUrl: opts.url,
    protocolVersion: opts.protocolVersion,
    servername: 'localhost',
    tls: { cert: opts.identity.certPem, key: opts.identity.keyPem, ca: opts.identity.caPem },
    store,
    inFlightWindow: opts.window ?? 16,
    ackTimeoutMs: opts.ackTimeoutMs ?? 10_000,
    backoff: { minMs: 50, maxMs: 400 },
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'acked') acked.add(e.seq);
      if (e.type === 'rejected') rejected.set(e.seq, e.reason);
      opts.consumer?.notify();
      for (const w of [...agentWaiters]) w();
    },
  });
  publisher.start();
  return {
    store,
    publisher,
    acked,
    rejected,
    events,
    commit: async (n) => {
      await commit(n);
      publisher.kick();
    },
    stop: async () => {
      await publisher.stop();
      await store.close();
    },
    dir,
  };
}

const agentWaiters = new Set<() => void>();
const until = (predicate: () => boolean, what: string, timeoutMs = 30_000) =>
  waitUntil(agentWaiters, predicate, timeoutMs, what);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('agent delivery through Mosquitto (MQTT 5, mTLS, ACL)', () => {
  let broker: TestMosquitto;
  let consumer: AckingConsumer;
  const dirs: string[] = [];

  beforeAll(async () => {
    broker = await startMosquitto();
    consumer = await AckingConsumer.start({
      url: broker.url,
      identity: broker.hubIdentity(),
      servername: 'localhost',
      protocolVersion: 5,
    });
  });
  afterAll(async () => {
    await consumer.close();
    await broker.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('delivers in order exactly once across a broker restart mid-stream, with duplicate acks', async () => {
    consumer.policy = 'twice';
    const agent = await startAgent({
      agentId: 'hci-01',
      identity: broker.identity('hci-01'),
      url: broker.url,
      protocolVersion: 5,
      consumer,
      reports: 30,
    });
    dirs.push(agent.dir);
    await consumer.waitFor(() => consumer.seqs('hci-01').length >= 10, 20_000, '10 reports');
    await broker.stop();
    await agent.commit(10); // stored while the broker is down
    await broker.start();
    await until(() => agent.acked.size >= 40, 'all 40 acked', 15_000).catch((err: Error) => {
      throw new Error(
        `${err.message}; acked ${[...agent.acked].join(',')}; consumer ${consumer.seqs('hci-01').join(',')}; events ${JSON.stringify(agent.events.filter((e) => e.type !== 'published' && e.type !== 'acked'))}`,
      );
    });
    await agent.publisher.stop();
    const seqs = consumer.seqs('hci-01');
    expect(seqs).toEqual(range(1, 40));
    expect(consumer.invalid).toEqual([]);
    const backlog = await agent.store.backlog();
    expect(backlog.byState).toEqual({ acked: 40 });
    await agent.store.close();
    consumer.policy = 'immediate';
  });

  it('resends when the hub acks late or never, and finishes rows once it acks', async () => {
    consumer.policy = 'never';
    const agent = await startAgent({
      agentId: 'hci-02',
      identity: broker.identity('hci-02'),
      url: broker.url,
      protocolVersion: 5,
      consumer,
      reports: 5,
      ackTimeoutMs: 300,
    });
    dirs.push(agent.dir);
    await consumer.waitFor(
      () => (consumer.arrivals.get('hci-02') ?? []).filter((s) => s === 1).length >= 2,
      20_000,
      'a resend of seq 1',
    );
    expect(agent.acked.size).toBe(0);
    consumer.policy = { delayMs: 100 };
    await until(() => agent.acked.size === 5, 'all 5 acked');
    await agent.stop();
    expect(consumer.seqs('hci-02')).toEqual(range(1, 5));
    consumer.policy = 'immediate';
  });

  it('an agent publishing under another id is refused (0x87) and says so in status', async () => {
    const agent = await startAgent({
      agentId: 'hci-03',
      identity: broker.identity('hci-04'),
      url: broker.url,
      protocolVersion: 5,
      consumer,
      reports: 3,
    });
    dirs.push(agent.dir);
    await until(() => agent.rejected.size === 3, '3 rejections');
    await agent.stop();
    expect([...agent.rejected.values()][0]).toBe('broker refused publish: 0x87 not authorised');
    expect(consumer.seqs('hci-03')).toEqual([]);
    const status = readAgentStatus(join(agent.dir, 'agent.sqlite'), new Date());
    expect(status.health).toBe('degraded');
    expect(status.outbox.rejected).toBe(3);
    expect(status.problems.join('\n')).toContain('0x87 not authorised');
  });
});

describe('agent delivery through the embedded Aedes broker (MQTT 3.1.1)', () => {
  let broker: EmbeddedBroker;
  let mosquittoForPki: TestMosquitto;
  let consumer: AckingConsumer;
  let url: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    // Borrow the harness's CA and identities; the embedded broker itself is the hub's.
    mosquittoForPki = await startMosquitto();
    await mosquittoForPki.stop();
    const serverCert = issueCertificate({
      ca: mosquittoForPki.ca,
      commonName: 'localhost',
      usage: 'server',
      sans: ['localhost', '127.0.0.1'],
      validDays: 1,
    });
    broker = await startEmbeddedBroker({
      port: 0,
      host: '127.0.0.1',
      ca: mosquittoForPki.ca.certPem,
      cert: serverCert.certPem,
      key: serverCert.keyPem,
    });
    url = `mqtts://127.0.0.1:${broker.port}`;
    consumer = await AckingConsumer.start({
      url,
      identity: mosquittoForPki.hubIdentity(),
      servername: 'localhost',
      protocolVersion: 4,
    });
  });
  afterAll(async () => {
    await consumer.close();
    await broker.close();
    await mosquittoForPki.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('delivers in order exactly once with duplicate acks', async () => {
    consumer.policy = 'twice';
    const agent = await startAgent({
      agentId: 'arc-01',
      identity: mosquittoForPki.identity('arc-01'),
      url,
      protocolVersion: 4,
      consumer,
      reports: 25,
    });
    dirs.push(agent.dir);
    await until(() => agent.acked.size >= 25, 'all 25 acked');
    await agent.stop();
    expect(consumer.seqs('arc-01')).toEqual(range(1, 25));
    consumer.policy = 'immediate';
  });

  it('an agent connecting under another id is refused at CONNECT, keeps its reports and says why in status', async () => {
    const agent = await startAgent({
      agentId: 'arc-02',
      identity: mosquittoForPki.identity('arc-03'),
      url,
      protocolVersion: 4,
      consumer,
      reports: 2,
    });
    dirs.push(agent.dir);
    const refused = () =>
      agent.events.filter(
        (e) => e.type === 'problem' && e.message.startsWith('broker refused the connection'),
      ).length;
    await until(() => refused() >= 2, 'two refused connects');
    await agent.stop();
    expect(consumer.seqs('arc-02')).toEqual([]);
    const status = readAgentStatus(join(agent.dir, 'agent.sqlite'), new Date());
    expect(status.lastError?.message).toMatch(/broker refused the connection: .*code 2/);
    expect(status.outbox.undelivered).toBe(2);
  });
});
