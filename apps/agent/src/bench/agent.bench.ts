import { spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCa, HUB_IDENTITY, issueCertificate, type CaMaterial } from '@watchpost/shared';
import { startShippedMosquitto } from '@watchpost/shared/testing';
import { loadEvidence } from '../scan/evidence-source.js';
import { runChecks } from '../scan/runner.js';
import { Publisher } from '../publisher/publisher.js';
import { AgentStore } from '../store/agent-store.js';

/**
 * Agent benchmarks: `agent-drain` (a week of reports buffered offline, then drained through Mosquitto to an
 * acking consumer), `agent-status` (whole-process `status` on that store), `agent-idle-rss` (the daemon idle).
 */
export const name = 'agent';

const REPORTS = 2016; // 7 days at one report per 5 minutes
const AGENT_ID = 'bench-agent';
/** When the idle daemon's settled RSS is read, after its first report was stored. */
const SETTLE_MS = 30_000;

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'deploy', 'hci', 'mosquitto', 'mosquitto.conf'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('repository root (deploy/hci/mosquitto) not found above the benchmark');
}

/**
 * The test hub: acks every report `stored` right away (reading only the seq from the envelope's head).
 * It runs in its own process, as the hub does, so its decoding does not share the agent's event loop.
 */
const CONSUMER_SCRIPT = `
const mqtt = require('mqtt');
const { gunzipSync } = require('node:zlib');
const c = mqtt.connect(process.env.URL, { protocolVersion: 5, clientId: process.env.CLIENT_ID, ca: process.env.CA, cert: process.env.CERT, key: process.env.KEY, servername: 'localhost', reconnectPeriod: 0 });
c.on('message', (topic, payload) => {
  const agentId = topic.split('/')[3];
  // Only the head of the envelope (seq is its third key): this consumer stands in for the hub's ack path,
  // whose full decoding cost the hub-ingest benchmark measures separately.
  const head = gunzipSync(payload.subarray(0, 256), { finishFlush: require('node:zlib').constants.Z_SYNC_FLUSH }).toString('utf8');
  const seq = Number(/"seq":(\\d+)/.exec(head)[1]);
  c.publish('watchpost/v1/agents/' + agentId + '/ack', JSON.stringify({ seq, status: 'stored' }), { qos: 1 });
});
c.on('connect', () => c.subscribe('watchpost/v1/agents/+/report', { qos: 1 }, () => process.stdout.write('ready\\n')));
c.on('error', (e) => { process.stderr.write(String(e)); process.exit(1); });
`;

async function startConsumer(
  url: string,
  ca: CaMaterial,
  root: string,
  clientId: string,
): Promise<ChildProcess> {
  const id = issueCertificate({ ca, commonName: HUB_IDENTITY, usage: 'client', validDays: 1 });
  const proc = spawn(process.execPath, ['-e', CONSUMER_SCRIPT], {
    cwd: root,
    env: { ...process.env, URL: url, CLIENT_ID: clientId, CA: ca.certPem, CERT: id.certPem, KEY: id.keyPem },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`bench consumer exited ${code}`)));
  });
  return proc;
}

/** A process and all its descendants (Linux /proc). */
function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      for (const tid of readdirSync(`/proc/${pids[i]}/task`)) {
        const children = readFileSync(`/proc/${pids[i]}/task/${tid}/children`, 'utf8').trim();
        if (children) pids.push(...children.split(/\s+/).map(Number));
      }
    } catch {
      // Exited while we looked: nothing of it to count.
    }
  }
  return pids;
}

function rssKbOf(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function stopProc(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
}

export async function run(): Promise<Record<string, unknown>[]> {
  const root = repoRoot();
  const dir = mkdtempSync(join(tmpdir(), 'watchpost-agent-bench-'));
  const ca = createCa({ commonName: 'Bench CA', validDays: 2 });
  const broker = await startShippedMosquitto(ca);
  const results: Record<string, unknown>[] = [];
  try {
    // A realistic report: a real scan of the AKS-hybrid workload sample bundle.
    const bundle = join(root, 'test', 'fixtures', 'bundles', 'aks-hci-workload');
    const evidence = await loadEvidence({ bundle });
    const report = runChecks(evidence, { now: new Date() });
    const storePath = join(dir, 'agent.sqlite');
    const store = await AgentStore.open({
      path: storePath,
      retention: { maxRows: 4032, maxBytes: 256 * 1024 * 1024 },
    });
    await store.recordIdentity({ agentId: AGENT_ID, brokerUrl: broker.url, intervalSeconds: 300 });
    let bytes = 0;
    for (let i = 0; i < REPORTS; i++)
      bytes += (
        await store.commitReport({ report, runId: `run-${i}`, agentId: AGENT_ID, agentVersion: 'bench' })
      ).payloadBytes;

    // The same backlog twice: drained on a quiet machine, then from a copy while every core runs a busy loop.
    await store.close();
    const loadedStorePath = join(dir, 'agent-loaded.sqlite');
    copyFileSync(storePath, loadedStorePath);
    if (existsSync(`${storePath}-wal`)) copyFileSync(`${storePath}-wal`, `${loadedStorePath}-wal`);

    const consumer = await startConsumer(broker.url, ca, root, 'watchpost-hub-bench');
    const id = issueCertificate({ ca, commonName: AGENT_ID, usage: 'client', validDays: 1 });
    const drain = async (path: string): Promise<{ ms: number; acked: number }> => {
      const s = await AgentStore.open({ path, retention: { maxRows: 4032, maxBytes: 256 * 1024 * 1024 } });
      const acked = new Set<number>();
      let done: () => void = () => undefined;
      const allAcked = new Promise<void>((r) => (done = r));
      const started = performance.now();
      const publisher = new Publisher({
        agentId: AGENT_ID,
        agentVersion: 'bench',
        brokerUrl: broker.url,
        protocolVersion: 5,
        servername: 'localhost',
        tls: { cert: id.certPem, key: id.keyPem, ca: ca.certPem },
        store: s,
        inFlightWindow: 64,
        ackTimeoutMs: 60_000,
        onEvent: (e) => {
          if (e.type === 'acked') acked.add(e.seq);
          if (acked.size === REPORTS) done();
        },
      });
      publisher.start();
      await allAcked;
      const ms = Math.round(performance.now() - started);
      await publisher.stop();
      const backlog = await s.backlog();
      await s.close();
      return { ms, acked: backlog.byState.acked ?? 0 };
    };
    const quiet = await drain(storePath);
    // The load: one busy-loop process per core (os.availableParallelism), at the same priority as the agent,
    // the broker and the consumer, from just before the agent connects until the last ack: every core has a
    // competing runnable process, as on a cluster VM whose workloads are busy.
    const loadProcs = availableParallelism();
    const busy = Array.from({ length: loadProcs }, () =>
      spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
    );
    let loaded: { ms: number; acked: number };
    try {
      await new Promise((r) => setTimeout(r, 200));
      loaded = await drain(loadedStorePath);
    } finally {
      await Promise.all(busy.map((b) => stopProc(b)));
    }
    await stopProc(consumer);
    results.push({
      name: 'agent-drain',
      reports: REPORTS,
      drainMs: quiet.ms,
      targetMs: 5000,
      avgPayloadBytes: Math.round(bytes / REPORTS),
      ackedInStore: quiet.acked,
      loadedMs: loaded.ms,
      loadProcs,
      loadedAckedInStore: loaded.acked,
    });

    // `status` as a whole process on that store, against a bare `node -e 0` start measured in the same run,
    // alternating the two so machine load drifts affect both alike (median of 7 each).
    const bin = join(root, 'apps', 'agent', 'bin', 'watchpost-agent.js');
    const timed = async (args: string[]): Promise<number> => {
      const t0 = performance.now();
      const child = spawn(process.execPath, args, { stdio: 'ignore' });
      await new Promise((r) => child.once('exit', r));
      return performance.now() - t0;
    };
    const times: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 7; i++) {
      times.push(await timed([bin, 'status', '--store', storePath]));
      bare.push(await timed(['-e', '0']));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const statusMs = median(times);
    const nodeBareMs = median(bare);
    results.push({
      name: 'agent-status',
      ms: Math.round(statusMs),
      targetMs: 300,
      reports: REPORTS,
      nodeBareMs: Math.round(nodeBareMs),
      ratioToBare: Math.round((statusMs / nodeBareMs) * 100) / 100,
      targetRatioToBare: 4,
    });

    // The daemon idle between scans: run with a bundle, wait for its first report to be acked, then measure.
    const agentDir = join(dir, 'daemon');
    const idleId = issueCertificate({ ca, commonName: 'bench-idle', usage: 'client', validDays: 1 });
    const consumer2 = await startConsumer(broker.url, ca, root, 'watchpost-hub-bench-2');
    await import('node:fs').then((fs) => fs.mkdirSync(agentDir, { recursive: true }));
    writeFileSync(join(agentDir, 'agent.crt'), idleId.certPem);
    writeFileSync(join(agentDir, 'agent.key'), idleId.keyPem, { mode: 0o600 });
    writeFileSync(join(agentDir, 'ca.crt'), ca.certPem);
    const config = join(agentDir, 'agent.yaml');
    writeFileSync(
      config,
      `agentId: bench-idle\nstorePath: ${join(agentDir, 'agent.sqlite')}\ntls: { cert: ${join(agentDir, 'agent.crt')}, key: ${join(agentDir, 'agent.key')}, ca: ${join(agentDir, 'ca.crt')} }\n` +
        `broker: { url: "${broker.url}", servername: localhost }\nintervalSeconds: 3600\nevidence: { bundle: ${bundle} }\n`,
    );
    // Through the shipped launcher (bin/watchpost-agent, a shell script that execs node: same pid), so the daemon
    // runs with the memory options it ships with; this node first on PATH.
    const daemon = spawn(join(root, 'apps', 'agent', 'bin', 'watchpost-agent'), ['run', '--config', config], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}` },
    });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      daemon.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        if (/report 1 stored/.test(err) && /connected to the broker/.test(err)) resolve();
      });
      daemon.once('exit', (code) => reject(new Error(`daemon exited ${code}: ${err}`)));
    });
    // Let the first publish/ack round trip and GC settle: this is the idle state between scans.
    // The whole process tree counts: the daemon scans in a child process, which must be gone by now (if one were
    // still there its RSS would be added, and `childProcesses` says so).
    const treeRssKb = (): { kb: number; processes: number } => {
      const tree = processTree(daemon.pid!);
      return { kb: tree.reduce((sum, pid) => sum + rssKbOf(pid), 0), processes: tree.length };
    };
    await new Promise((r) => setTimeout(r, 3000));
    const early = treeRssKb();
    // 3 s is soon after a burst: V8 returns the young generation a scan's commit and the start-up grew only when
    // its memory reducer runs (8 s or more after the last full GC, once allocation is quiet). `settledRssMb` is
    // what the daemon holds for the rest of the interval (300 s by default), read 30 s after the first report.
    await new Promise((r) => setTimeout(r, SETTLE_MS - 3000));
    const settled = treeRssKb();
    await stopProc(daemon);
    await stopProc(consumer2);
    const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;
    results.push({
      name: 'agent-idle-rss',
      rssMb: mb(early.kb),
      targetMb: 80,
      settledRssMb: mb(settled.kb),
      settledAfterMs: SETTLE_MS,
      childProcesses: Math.max(early.processes, settled.processes) - 1,
    });
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
