import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AckingConsumer } from './support/acking-consumer.js';
import { startMosquitto, type TestMosquitto } from './support/mosquitto.js';

/**
 * The built CLI (`npm run build` first) as an operator runs it: `run` against a real Mosquitto with a bundle
 * evidence source, killed with SIGKILL mid-stream and restarted, then stopped with SIGTERM; `status` with no
 * network at all, and on a missing or corrupt store.
 */

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'apps', 'agent', 'bin', 'watchpost-agent.js');
const BUNDLE = join(ROOT, 'test', 'fixtures', 'bundles', 'aks-hci-workload');

async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('watchpost-agent status (offline)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agent-status-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says "no data" with exit 3 when the store is missing, without a stack trace', async () => {
    const res = await cli(['status', '--store', join(dir, 'missing.sqlite')]);
    expect(res.code).toBe(3);
    expect(res.stdout).toContain('NO DATA');
    expect(res.stdout).toContain(`no store at ${join(dir, 'missing.sqlite')}`);
    expect(res.stdout + res.stderr).not.toMatch(/\n\s+at /);
  });

  it('says the store is unreadable with exit 3 when it is corrupt', async () => {
    const bad = join(dir, 'corrupt.sqlite');
    await writeFile(bad, Buffer.alloc(8192, 0x5a));
    const res = await cli(['status', '--json', '--store', bad]);
    expect(res.code).toBe(3);
    const json = JSON.parse(res.stdout);
    expect(json.health).toBe('no-data');
    expect(json.problems[0]).toMatch(/cannot be read \(file is not a database\)/);
    expect(res.stderr).toBe('');
  });

  it('finds the store through --config and rejects unknown flags with exit 2', async () => {
    const conf = join(dir, 'agent.yaml');
    await writeFile(conf, `agentId: x\nstorePath: ${join(dir, 'via-config.sqlite')}\n`);
    const res = await cli(['status', '--config', conf]);
    expect(res.stdout).toContain(join(dir, 'via-config.sqlite'));
    expect((await cli(['status', '--bogus'])).code).toBe(2);
  });
});

describe('watchpost-agent run (built CLI) through Mosquitto', () => {
  let broker: TestMosquitto;
  let consumer: AckingConsumer;
  let dir: string;
  let config: string;
  let store: string;

  beforeAll(async () => {
    broker = await startMosquitto();
    consumer = await AckingConsumer.start({
      url: broker.url,
      identity: broker.hubIdentity(),
      servername: 'localhost',
      protocolVersion: 5,
      clientId: 'watchpost-hub-cli',
    });
    dir = await mkdtemp(join(tmpdir(), 'agent-run-'));
    const id = broker.identity('hci-wl-retail.node-1');
    await writeFile(join(dir, 'agent.crt'), id.certPem);
    await writeFile(join(dir, 'agent.key'), id.keyPem, { mode: 0o600 });
    await writeFile(join(dir, 'ca.crt'), id.caPem);
    store = join(dir, 'state', 'agent.sqlite');
    config = join(dir, 'agent.yaml');
    await writeFile(
      config,
      [
        'agentId: hci-wl-retail.node-1',
        `storePath: ${store}`,
        `tls: { cert: ${join(dir, 'agent.crt')}, key: ${join(dir, 'agent.key')}, ca: ${join(dir, 'ca.crt')} }`,
        `broker: { url: "${broker.url}", protocolVersion: 5, servername: localhost }`,
        'intervalSeconds: 1',
        'jitter: 0',
        'ackTimeoutSeconds: 2',
        `evidence: { bundle: ${BUNDLE} }`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await consumer.close();
    await broker.close();
    await rm(dir, { recursive: true, force: true });
  });

  function start(): ChildProcess {
    return spawn(process.execPath, [BIN, 'run', '--config', config], {
      env: { ...process.env, WATCHPOST_RECONNECT_MIN_MS: '50', WATCHPOST_RECONNECT_MAX_MS: '500' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }

  it('survives SIGKILL mid-stream: every report arrives exactly once, in order; SIGTERM stops cleanly', async () => {
    const seqs = () => consumer.seqs('hci-wl-retail.node-1');
    let agent = start();
    await consumer.waitFor(() => seqs().length >= 3, 40_000, 'three reports from the first run');
    // Kill right as a report arrives: the agent is between publishing, marking rows sent and applying acks.
    const killAt = seqs().length + 1;
    await consumer.waitFor(() => seqs().length >= killAt, 20_000, 'the next report');
    agent.kill('SIGKILL');
    await once(agent, 'exit');

    agent = start();
    await consumer.waitFor(() => seqs().length >= killAt + 3, 40_000, 'three more reports after the restart');
    let stderr = '';
    agent.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    agent.kill('SIGTERM');
    const [code] = (await once(agent, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(stderr).toContain('SIGTERM: finishing the write in progress');

    const db = new Database(store, { readonly: true });
    const rows = db.prepare('SELECT seq, state FROM outbox ORDER BY seq').all() as {
      seq: number;
      state: string;
    }[];
    const lastSeq = (db.prepare('SELECT last_seq AS s FROM agent_state').get() as { s: number }).s;
    db.close();
    const got = seqs();
    // In order, no gaps, no duplicates after dedupe by seq.
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i + 1));
    // Everything stored is either delivered or still queued (the last scan may not have been acked before SIGTERM).
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    for (const r of rows)
      expect(r.seq <= got.length || r.state === 'pending' || r.state === 'sent').toBe(true);
    expect(rows.filter((r) => r.state === 'rejected')).toEqual([]);

    // status with the broker gone: reads the store only.
    await broker.stop();
    const res = await cli(['status', '--json', '--config', config]);
    const status = JSON.parse(res.stdout);
    expect(status.agentId).toBe('hci-wl-retail.node-1');
    expect(status.cluster.name).toBe('hci-wl-retail');
    expect(status.lastScan.seq).toBe(lastSeq);
    expect(status.failing.length).toBeGreaterThan(0);
    // The sample's node-exporter annotation: exempted by the daemon's scan, listed apart from the failing ones.
    expect(
      status.exempted.map((e: { checkId: string; exemption: { ref: string } }) => [
        e.checkId,
        e.exemption.ref,
      ]),
    ).toEqual([
      ['pod-host-namespaces', 'DaemonSet monitoring/node-exporter'],
      ['pod-host-path', 'DaemonSet monitoring/node-exporter'],
    ]);
    expect(
      status.failing.filter((f: { resource: string; checkId: string }) => f.checkId === 'pod-host-path'),
    ).toEqual([]);
    // Stopped by SIGTERM: stale (exit 4), never HEALTHY.
    expect(status.health).toBe('stale');
    expect(status.problems[0]).toContain('the daemon was stopped at');
    expect(res.code).toBe(4);
    const text = await cli(['status', '--config', config]);
    expect(text.stdout).toContain('agent:        hci-wl-retail.node-1');
    expect(text.stdout).toMatch(/failing \(worst first/);
    expect(text.stdout).toMatch(/\(2 of the fail\/warn exempted\)\n/);
    expect(text.stdout).toContain('exempted (2, accepted risks not counted as failing):');
    await broker.start();
  });
});
