import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { AgentEntity } from '../persistence/agent.entity.js';
import { ClusterEntity } from '../persistence/cluster.entity.js';
import { createHubDataSource, openAndMigrate } from '../persistence/data-source.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../persistence/throwaway-database.js';
import { EnrollmentService } from '../pki/enrollment.service.js';
import { loadOrCreateHubPki } from '../pki/hub-pki.js';
import { startShippedMosquitto } from '@watchpost/shared/testing';

/**
 * Durable hub ingest rate against a raw mqtt.js subscriber on the same Mosquitto in the same run: many agent
 * identities publish ~2 KB gzip reports at QoS 1. Raw = messages received by a plain QoS 1 subscriber per second.
 * Hub = reports validated, committed (batched) and acknowledged end to end (the agent has the app-level ack) per
 * second. One row per store: SQLite (one hub), PostgreSQL with one hub, PostgreSQL with two hub replicas sharing
 * the reports (MQTT 5 shared subscription, as deployed); each row has its own raw figure, measured just before.
 * PostgreSQL is the local server of the tests (WATCHPOST_TEST_PG_URL); without one its rows carry `error`.
 *
 * A last row, `hub-ingest-ceiling`, times the same reports through `validating-subscriber.ts`: a process that only
 * decodes each report in full with the hub's decoder and acks it, storing nothing. No hub can beat it here, so its
 * ratio is the most that any work on the store (or the hub's batching) can reach on this machine and broker.
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

const HUB_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'watchpost-hub.js');
const CEILING_JS = join(dirname(fileURLToPath(import.meta.url)), 'validating-subscriber.js');

/**
 * `watchpost-hub serve` as its own process, as in production (or the ceiling's subscriber: `args` and `readyText`);
 * resolves once its ingest has subscribed.
 */
async function spawnHub(
  env: Record<string, string>,
  args = [HUB_BIN, 'serve'],
  readyText = 'ingest ready',
): Promise<{ proc: ChildProcess; output: () => string }> {
  // BENCH_HUB_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the hub process.
  const nodeArgs = (process.env['BENCH_HUB_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, ...args], {
    env: { PATH: process.env['PATH'] ?? '', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer) => {
      out += c.toString();
      if (out.includes(readyText)) resolve();
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`hub exited (${code}):\n${out}`)));
  });
  return { proc, output: () => out };
}

/**
 * CPU seconds (user + system) a process has used, from /proc (Linux); undefined elsewhere. The hubs' CPU per
 * report is steadier than their rate on a shared machine, where the broker and the agents take turns with them.
 */
function cpuSec(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return undefined;
  }
}

/** The Mosquitto this process started (its child), for its CPU; undefined when not found (not Linux). */
function brokerPid(): number | undefined {
  try {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (comm === 'mosquitto' && ppid === process.pid) return Number(d);
      } catch {
        // a process that ended meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return undefined;
}

/** CPU ms per report of each process during a timed part (`undefined` where it could not be read). */
function cpuMsPerReport(
  before: (number | undefined)[],
  after: (number | undefined)[],
  n: number,
): number | undefined {
  const used = after.reduce<number>((sum, a, i) => sum + (a ?? NaN) - (before[i] ?? NaN), 0);
  return Number.isFinite(used) ? Math.round((used / n) * 1000 * 1000) / 1000 : undefined;
}

/** Rejects after `ms` with `what` (a benchmark must end, not hang). */
function within<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

interface Scenario {
  /** `none`: the ceiling (`validating-subscriber.ts`), not a hub. */
  store: 'sqlite' | 'postgres' | 'none';
  replicas: 1 | 2;
}

const SCENARIOS: Scenario[] = [
  { store: 'sqlite', replicas: 1 },
  { store: 'postgres', replicas: 1 },
  { store: 'postgres', replicas: 2 },
  { store: 'none', replicas: 1 },
];

/** Stops a hub process and waits for it to exit. */
async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
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
  // The ingest's batch settings may be given to compare them (the row says which were used).
  for (const k of ['WATCHPOST_INGEST_BATCH_SIZE', 'WATCHPOST_INGEST_BATCH_MS']) {
    const v = process.env[k];
    if (v) env[k] = v;
  }
  const config = loadHubConfig(env);
  const pki = loadOrCreateHubPki(config);
  const broker = await startShippedMosquitto(pki.ca);
  // The broker's and the agents' (this process's) CPU per report, for the raw subscriber and for the hub: the
  // hub's acks cost them packets the raw subscriber does not.
  const mosquittoPid = brokerPid();
  const othersCpu = () => [cpuSec(mosquittoPid), cpuSec(process.pid)];
  const clients: MqttClient[] = [];
  const hubs: { proc: ChildProcess; output: () => string }[] = [];
  const databases: ThrowawayDatabase[] = [];
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
    // What a PostgreSQL hub needs to know of them: the agent and cluster rows as enrollment wrote them.
    const enrolled = {
      agents: await ds.getRepository(AgentEntity).find(),
      clusters: await ds.getRepository(ClusterEntity).find(),
    };
    await ds.destroy();
    copyFileSync(config.dbPath, `${config.dbPath}.enrolled`);
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

    /** Raw: a plain QoS 1 subscriber (with the hub's identity, which may read reports) counting deliveries. */
    const measureRaw = async (
      n: number,
    ): Promise<{ perSec: number; brokerCpu?: number; agentsCpu?: number }> => {
      const raw = await connect(broker.url, {
        clientId: `${HUB_IDENTITY}-raw${n}`,
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
      const c0 = othersCpu();
      const r0 = performance.now();
      publishAll();
      await within(rawDone, 120_000, () => `${received}/${total} received by the raw subscriber`);
      const rawSec = (performance.now() - r0) / 1000;
      const c1 = othersCpu();
      await raw.endAsync();
      return {
        perSec: total / rawSec,
        brokerCpu: cpuMsPerReport([c0[0]], [c1[0]], total),
        agentsCpu: cpuMsPerReport([c0[1]], [c1[1]], total),
      };
    };

    /** A fresh store holding the enrolled agents, as the hub's environment. */
    const freshStore = async (store: Scenario['store']): Promise<Record<string, string>> => {
      if (store === 'none') return {};
      if (store === 'sqlite') {
        for (const f of ['', '-wal', '-shm']) rmSync(`${config.dbPath}${f}`, { force: true });
        copyFileSync(`${config.dbPath}.enrolled`, config.dbPath);
        return { WATCHPOST_DB_PATH: config.dbPath };
      }
      const db = await createThrowawayDatabase('postgres');
      databases.push(db);
      const pgds = createHubDataSource(db.options);
      await openAndMigrate(pgds);
      await pgds.getRepository(ClusterEntity).insert(enrolled.clusters);
      await pgds.getRepository(AgentEntity).insert(enrolled.agents);
      await pgds.destroy();
      return { WATCHPOST_DB_URL: db.options.url! };
    };

    // The ceiling's subscriber connects with the hub's client identity, as the raw subscriber does.
    const pem = (file: string, text: string): string => {
      writeFileSync(join(dir, file), text, { mode: 0o600 });
      return join(dir, file);
    };
    const ceilingEnv = {
      CEILING_URL: broker.url,
      CEILING_CA: pem('ceiling-ca.pem', pki.ca.certPem),
      CEILING_CERT: pem('ceiling-cert.pem', pki.client.certPem),
      CEILING_KEY: pem('ceiling-key.pem', pki.client.keyPem),
    };
    const rows: Record<string, unknown>[] = [];
    let run = 0;
    // One untimed pass first: the first publishing of this process (its mqtt.js and TLS paths not yet compiled)
    // and the broker's first routing ran about 30 % slower than every later one, so the first row's raw figure
    // came out low and its ratio high. Measured warm, every row's raw figure is what the agents and the broker do.
    await measureRaw(-1);
    // BENCH_HUB_INGEST_STORES=sqlite (or postgres, or none: the ceiling) runs only those rows (profiling one).
    const only = process.env['BENCH_HUB_INGEST_STORES']?.split(',').filter(Boolean);
    for (const sc of SCENARIOS.filter((s) => !only?.length || only.includes(s.store))) {
      const row: Record<string, unknown> = {
        name: sc.store === 'none' ? 'hub-ingest-ceiling' : name,
        reports: total,
        agents: AGENTS,
        avgReportBytes: Math.round(bytes / total),
        store: sc.store,
        replicas: sc.replicas,
        batchSize: config.ingestBatchSize,
        batchMs: config.ingestBatchMs,
      };
      rows.push(row);
      try {
        const rawRun = await measureRaw(run);
        const rawPerSec = rawRun.perSec;
        const storeEnv = await freshStore(sc.store);
        // Hubs: their own processes, each under its own MQTT identity (a new one per row, so nothing of an
        // earlier row is queued for it; its session ends a second after it stops); the same reports, timed until
        // every agent holds the hub's application-level ack, i.e. every report is committed.
        const started: { proc: ChildProcess; output: () => string }[] = [];
        for (let r = 0; r < sc.replicas; r++) {
          const clientId = `watchpost-hub-${run++ % 8}`;
          const h =
            sc.store === 'none'
              ? await spawnHub({ ...ceilingEnv, CEILING_CLIENT_ID: clientId }, [CEILING_JS], 'ceiling ready')
              : await spawnHub({
                  ...env,
                  ...storeEnv,
                  WATCHPOST_MQTT_URL: broker.url,
                  WATCHPOST_MQTT_CLIENT_ID: clientId,
                  WATCHPOST_MQTT_SESSION_EXPIRY: '1s',
                });
          hubs.push(h);
          started.push(h);
        }
        let acks = 0;
        const hubDone = new Promise<void>((resolve) => {
          for (const a of agents) {
            a.client.removeAllListeners('message');
            a.client.on('message', () => ++acks === total && resolve());
          }
        });
        const cpu0 = started.map((h) => cpuSec(h.proc.pid));
        const o0 = othersCpu();
        const h0 = performance.now();
        publishAll();
        await within(
          hubDone,
          60_000,
          () =>
            `${acks}/${total} acks; hub output:\n${started.map((h) => h.output().slice(-3000)).join('\n')}`,
        );
        const hubSec = (performance.now() - h0) / 1000;
        const o1 = othersCpu();
        const cpu = started.map((h, i) => (cpuSec(h.proc.pid) ?? NaN) - (cpu0[i] ?? NaN));
        const hubCpuSec = cpu.reduce((a, b) => a + b, 0);
        for (const h of started) await stop(h.proc);
        const hubPerSec = total / hubSec;
        Object.assign(row, {
          rawPerSec: Math.round(rawPerSec),
          hubPerSec: Math.round(hubPerSec),
          ratio: Math.round((hubPerSec / rawPerSec) * 100) / 100,
          ...(Number.isFinite(hubCpuSec)
            ? { hubCpuMsPerReport: Math.round((hubCpuSec / total) * 1000 * 1000) / 1000 }
            : {}),
          // CPU ms per report of the broker and of the agents (this process), raw subscriber -> hub.
          brokerCpuMsPerReport: `${rawRun.brokerCpu ?? '?'} -> ${cpuMsPerReport([o0[0]], [o1[0]], total) ?? '?'}`,
          agentsCpuMsPerReport: `${rawRun.agentsCpu ?? '?'} -> ${cpuMsPerReport([o0[1]], [o1[1]], total) ?? '?'}`,
        });
      } catch (err) {
        row['error'] = err instanceof Error ? err.message.slice(0, 500) : String(err);
      }
      // Let the stopped hubs' sessions expire before the next raw run.
      await new Promise((r) => setTimeout(r, 1500));
    }
    return rows;
  } finally {
    for (const h of hubs) await stop(h.proc);
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await broker.close();
    for (const db of databases) await db.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
