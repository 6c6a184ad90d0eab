// The one-command demo (`./run-demo`): a complete Watchpost on one machine with no external services.
// It starts the hub (embedded MQTT broker on TLS, SQLite), enrolls one agent per sample cluster bundle with a
// one-time token pinned to the hub CA, starts those agents as daemons scanning their bundles, waits until the
// hub has a report from each, and prints the hub URL, a viewer token and the fleet summary. Every step goes
// through the real CLIs, exactly as an operator would run them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root = dirname(fileURLToPath(import.meta.url));
while (!existsSync(join(root, 'nx.json'))) root = dirname(root);
const HUB_BIN = join(root, 'apps/hub/bin/watchpost-hub.js');
const AGENT_BIN = join(root, 'apps/agent/bin/watchpost-agent.js');
const BUNDLES = join(root, 'test/fixtures/bundles');
const DATA = join(root, '.watchpost/demo');
const children: ChildProcess[] = [];

function say(msg: string): void {
  process.stderr.write(`demo: ${msg}\n`);
}

async function freePort(preferred: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
  try {
    return await tryListen(preferred);
  } catch {
    return tryListen(0);
  }
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin.split('/').pop()} ${args[0]} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

function get(url: string, ca: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: token ? { Authorization: `Bearer ${token}` } : {}, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function stopAll(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}

async function main(): Promise<void> {
  rmSync(DATA, { recursive: true, force: true });
  mkdirSync(DATA, { recursive: true });
  const httpPort = await freePort(Number(process.env['WATCHPOST_HTTP_PORT'] ?? 8443));
  const mqttPort = await freePort(Number(process.env['WATCHPOST_MQTT_PORT'] ?? 8883));
  const hubEnv: NodeJS.ProcessEnv = {
    ...process.env,
    WATCHPOST_DATA_DIR: join(DATA, 'hub'),
    WATCHPOST_DB_PATH: join(DATA, 'hub', 'hub.sqlite'),
    WATCHPOST_HTTP_PORT: String(httpPort),
    WATCHPOST_MQTT_PORT: String(mqttPort),
  };
  delete hubEnv['WATCHPOST_DB_URL'];
  delete hubEnv['WATCHPOST_MQTT_URL'];
  const hubUrl = `https://localhost:${httpPort}`;

  say(`starting the hub on ${hubUrl} (embedded MQTT broker on mqtts://localhost:${mqttPort}, SQLite in ${join(DATA, 'hub')})`);
  const hub = spawn(process.execPath, [HUB_BIN, 'serve'], { env: hubEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(hub);
  let hubLog = '';
  hub.stderr?.on('data', (d: Buffer) => (hubLog = (hubLog + d.toString()).slice(-4000)));
  hub.on('exit', (code) => {
    if (code !== null && code !== 0) {
      say(`the hub exited with code ${code}:\n${hubLog}`);
      stopAll();
      process.exit(1);
    }
  });
  const caFile = join(DATA, 'hub', 'ca.crt');
  const ca = await waitFor('the hub to start', 60_000, async () => {
    if (!existsSync(caFile)) return undefined;
    const pem = readFileSync(caFile, 'utf8');
    const r = await get(`${hubUrl}/healthz`, pem);
    return r.status === 200 ? pem : undefined;
  });

  const viewer = run(HUB_BIN, ['token', 'create', '--role', 'viewer', '--name', 'demo-viewer'], hubEnv).trim();

  const samples = readdirSync(BUNDLES).filter((b) => existsSync(join(BUNDLES, b, 'cluster.json')));
  for (const sample of samples) {
    const cluster = JSON.parse(readFileSync(join(BUNDLES, sample, 'cluster.json'), 'utf8')) as { name: string; platform: string; role: string; location?: string };
    const tokenArgs = ['token', 'create', '--enroll', '--cluster', cluster.name, '--platform', cluster.platform, '--role', cluster.role, '--json'];
    if (cluster.location) tokenArgs.push('--location', cluster.location);
    const enrollment = JSON.parse(run(HUB_BIN, tokenArgs, hubEnv)) as { token: string; caHash: string };
    const dir = join(DATA, 'agents', cluster.name);
    run(AGENT_BIN, ['enroll', '--hub', hubUrl, '--token', enrollment.token, '--ca-hash', enrollment.caHash, '--dir', dir, '--store-path', join(dir, 'agent.sqlite')], process.env);
    const agent = spawn(process.execPath, [AGENT_BIN, 'run', '--config', join(dir, 'agent.yaml')], {
      env: { ...process.env, WATCHPOST_EVIDENCE_BUNDLE: join(BUNDLES, sample), WATCHPOST_INTERVAL_SECONDS: '300' },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    children.push(agent);
    say(`enrolled and started the agent for ${cluster.name} (${cluster.platform}, ${cluster.role}) scanning test/fixtures/bundles/${sample}`);
  }

  interface Page {
    items: { name: string; platform: string; role: string; score: number | null; lastReport: { receivedAt: string | null }; liveness: unknown }[];
  }
  const clusters = await waitFor('a report from every agent', 120_000, async () => {
    const r = await get(`${hubUrl}/api/v1/clusters`, ca, viewer);
    const page = JSON.parse(r.body) as Page;
    return page.items.filter((c) => c.lastReport.receivedAt).length >= samples.length ? page.items : undefined;
  });
  const summary = JSON.parse((await get(`${hubUrl}/api/v1/fleet/summary`, ca, viewer)).body) as {
    groups: Record<string, { clusters: number; score: number | null; openBySeverity: Record<string, number> }>;
    expiringCertificates: { cluster: string; resource: { path?: string; name?: string; kind: string }; expiresInDays: number }[];
  };

  const out: string[] = [];
  out.push('', `Watchpost hub:  ${hubUrl}   (web page and REST API under /api/v1; CA: ${caFile})`, `Viewer token:   ${viewer}`, '');
  out.push('Clusters:');
  for (const c of clusters) out.push(`  ${c.name.padEnd(22)} ${c.platform.padEnd(8)} ${c.role.padEnd(11)} score ${c.score ?? '-'}`);
  out.push('', 'Fleet summary (on-prem vs Azure):');
  for (const [group, g] of Object.entries(summary.groups)) {
    const open = Object.entries(g.openBySeverity).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ');
    out.push(`  ${group.padEnd(8)} ${g.clusters} clusters, score ${g.score ?? '-'}, open: ${open || 'none'}`);
  }
  out.push('', 'Soonest-expiring certificates:');
  for (const c of summary.expiringCertificates.slice(0, 5)) out.push(`  ${c.cluster.padEnd(22)} ${String(c.expiresInDays).padStart(6)} days  ${c.resource.path ?? c.resource.name ?? c.resource.kind}`);
  out.push('', `Try: curl --cacert ${caFile} -H "Authorization: Bearer ${viewer}" ${hubUrl}/api/v1/fleet/summary`, 'Ctrl-C stops the hub and the agents.', '');
  process.stdout.write(out.join('\n'));
  if (process.argv.includes('--exit')) {
    stopAll();
    return;
  }
  await new Promise<void>((resolve) => {
    process.on('SIGINT', resolve);
    process.on('SIGTERM', resolve);
  });
  stopAll();
}

process.on('exit', stopAll);
main().catch((err: unknown) => {
  say(err instanceof Error ? err.message : String(err));
  stopAll();
  process.exitCode = 1;
});
