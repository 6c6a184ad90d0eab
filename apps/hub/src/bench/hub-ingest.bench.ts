import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import {
  agentTopic,
  CATALOGUE,
  createCsr,
  createKeyPair,
  HUB_IDENTITY,
  type CheckResult,
} from '@watchpost/shared';
import { loadHubConfig } from '../config/hub-config.js';
import { encodeEnvelope, sampleEnvelope } from '../ingest/sample-envelope.js';
import { createHubDataSource, openAndMigrate } from '../persistence/data-source.js';
import { EnrollmentService } from '../pki/enrollment.service.js';
import { loadOrCreateHubPki } from '../pki/hub-pki.js';
import { startShippedMosquitto } from '@watchpost/shared/testing';

/**
 * Durable hub ingest rate against a raw mqtt.js subscriber on the same Mosquitto in the same run: many agent
 * identities publish ~2 KB gzip reports at QoS 1. Raw = messages received by a plain QoS 1 subscriber per second.
 * Hub = reports validated, committed (SQLite, batched) and acknowledged end to end (the agent has the app-level
 * ack) per second.
 */
export const name = 'hub-ingest';

const AGENTS = 50;
const REPORTS_PER_AGENT = 40;

/** Per-agent text that is stable from scan to scan (as real findings are) but does not compress away. */
function noise(agentId: string, i: number): string {
  let h = 2166136261;
  for (const ch of `${agentId}/${i}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return (h >>> 0).toString(36) + ((h * 31) >>> 0).toString(36);
}

/**
 * ~2 KB compressed: 45 results with per-agent detail, as a mid-sized cluster's report; from one report to the
 * next a few outcomes change, the rest stays (posture is upserted, not appended).
 */
// Real catalogue ids: the hub takes results of unknown checks out of posture, which would skip the upserts.
const WORKLOAD_CHECKS = CATALOGUE.filter((c) => c.area === 'workload').map((c) => c.id);

function results(agentId: string, seq: number): CheckResult[] {
  return Array.from({ length: 45 }, (_, i) => ({
    checkId: WORKLOAD_CHECKS[i % WORKLOAD_CHECKS.length],
    area: 'workload',
    severity: 'medium',
    outcome: i % 10 === seq % 10 ? 'fail' : 'pass',
    resource: { kind: 'Pod', namespace: `ns-${noise(agentId, i % 7)}`, name: `pod-${noise(agentId, i)}` },
    message: `container ${noise(agentId, i + 100)} in pod ${noise(agentId, i + 200)} runs as root`,
  }));
}

function connect(url: string, opts: mqtt.IClientOptions): Promise<MqttClient> {
  const c = mqtt.connect(url, { protocolVersion: 5, reconnectPeriod: 0, servername: 'localhost', ...opts });
  return new Promise((resolve, reject) => {
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

/** `watchpost-hub serve` as its own process, as in production; resolves once its ingest has subscribed. */
async function spawnHub(env: Record<string, string>): Promise<{ proc: ChildProcess; output: () => string }> {
  const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'watchpost-hub.js');
  // BENCH_HUB_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the hub process.
  const nodeArgs = (process.env['BENCH_HUB_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, bin, 'serve'], {
    env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer) => {
      out += c.toString();
      if (out.includes('ingest ready')) resolve();
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`hub exited (${code}):\n${out}`)));
  });
  return { proc, output: () => out };
}

/** Rejects after `ms` with `what` (a benchmark must end, not hang). */
function within<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export async function run(): Promise<Record<string, unknown>[]> {
  const dir = mkdtempSync(join(tmpdir(), 'watchpost-bench-hub-'));
  const env: Record<string, string> = {
    WATCHPOST_HTTP_PORT: '0',
    WATCHPOST_HTTP_HOST: '127.0.0.1',
    WATCHPOST_TLS_SANS: 'localhost,127.0.0.1',
    WATCHPOST_DATA_DIR: join(dir, 'data'),
    WATCHPOST_DB_PATH: join(dir, 'hub.sqlite'),
    WATCHPOST_MQTT_CLIENT_ID: 'watchpost-hub',
  };
  const config = loadHubConfig(env);
  const pki = loadOrCreateHubPki(config);
  const broker = await startShippedMosquitto(pki.ca);
  const clients: MqttClient[] = [];
  let hub: { proc: ChildProcess; output: () => string } | undefined;
  try {
    // Enroll the agents through the hub's own enrollment service on its database (as the HTTPS endpoint would).
    const ds = createHubDataSource({ path: config.dbPath });
    await openAndMigrate(ds);
    const enroll = new EnrollmentService(ds, config, pki);
    const agents: { id: string; client: MqttClient }[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const { token } = await enroll.createToken({
        name: `bench-${i}`,
        platform: i % 2 ? 'aks' : 'aks-hci',
        role: 'workload',
      });
      const keys = createKeyPair('rsa');
      const res = await enroll.enroll({
        token,
        csr: createCsr({ commonName: 'x', privateKeyPem: keys.privateKeyPem }),
      });
      const client = await connect(broker.url, {
        clientId: res.agentId,
        ca: pki.ca.certPem,
        cert: res.certificate,
        key: keys.privateKeyPem,
      });
      await client.subscribeAsync(agentTopic(res.agentId, 'ack'), { qos: 1 });
      clients.push(client);
      agents.push({ id: res.agentId, client });
    }
    await ds.destroy();
    const payloads = agents.map((a) =>
      Array.from({ length: REPORTS_PER_AGENT }, (_, k) =>
        encodeEnvelope(
          sampleEnvelope(a.id, k + 1, { results: results(a.id, k + 1), cluster: { name: a.id } }),
        ),
      ),
    );
    const total = AGENTS * REPORTS_PER_AGENT;
    const bytes = payloads.flat().reduce((n, b) => n + b.length, 0);
    const publishAll = () =>
      agents.forEach((a, i) =>
        payloads[i].forEach((buf) => a.client.publish(agentTopic(a.id, 'report'), buf, { qos: 1 })),
      );

    // Raw: a plain QoS 1 subscriber (with the hub's identity, which may read reports) counting deliveries.
    const raw = await connect(broker.url, {
      clientId: `${HUB_IDENTITY}-raw`,
      ca: pki.ca.certPem,
      cert: pki.client.certPem,
      key: pki.client.keyPem,
    });
    clients.push(raw);
    await raw.subscribeAsync('watchpost/v1/agents/+/report', { qos: 1 });
    let received = 0;
    const rawDone = new Promise<void>((resolve) =>
      raw.on('message', () => ++received === total && resolve()),
    );
    const r0 = performance.now();
    publishAll();
    await within(rawDone, 120_000, () => `${received}/${total} received by the raw subscriber`);
    const rawSec = (performance.now() - r0) / 1000;
    await raw.endAsync();

    // Hub: its own process (it first connects now, so nothing of the raw run is queued for it); the same reports,
    // timed until every agent holds the hub's application-level ack, i.e. every report is committed.
    hub = await spawnHub({ ...env, WATCHPOST_MQTT_URL: broker.url });
    let acks = 0;
    const hubDone = new Promise<void>((resolve) => {
      for (const a of agents) a.client.on('message', () => ++acks === total && resolve());
    });
    const h0 = performance.now();
    publishAll();
    await within(hubDone, 20_000, () => `${acks}/${total} acks; hub output:\n${hub!.output().slice(-3000)}`);
    const hubSec = (performance.now() - h0) / 1000;
    const rawPerSec = Math.round(total / rawSec);
    const hubPerSec = Math.round(total / hubSec);
    return [
      {
        name,
        reports: total,
        agents: AGENTS,
        avgReportBytes: Math.round(bytes / total),
        rawPerSec,
        hubPerSec,
        ratio: Math.round((hubPerSec / rawPerSec) * 100) / 100,
        store: 'sqlite',
        batchSize: config.ingestBatchSize,
      },
    ];
  } finally {
    const proc = hub?.proc;
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
