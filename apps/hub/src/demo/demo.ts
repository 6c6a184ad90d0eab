// The one-command demo (`./run-demo`): a complete Watchpost on one machine with no external services.
// It starts the hub (embedded MQTT broker on TLS, SQLite), enrolls one agent per sample cluster bundle with a
// one-time token pinned to the hub CA, starts those agents as daemons scanning their bundles, waits until the
// hub has a report from each, and prints the hub URL, a viewer token and the fleet summary. Every step goes
// through the real CLIs, exactly as an operator would run them.
// The agents scan copies of the sample bundles made to look live (apps/agent/src/demo/refresh-bundles.main.ts):
// collected now, certificates issued relative to now, refreshed every minute while the demo runs, under
// .watchpost/demo/bundles; the committed fixtures the tests use stay as they are.
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
const REFRESH_BUNDLES = join(root, 'apps/agent/dist/src/demo/refresh-bundles.main.js');
/** How often the demo bundles are made current again: well inside the hub's 5-minute clock-skew tolerance. */
const REFRESH_SECONDS = 60;
const BUNDLES = join(root, 'test/fixtures/bundles');
const DATA = join(root, '.watchpost/demo');
const children: ChildProcess[] = [];
/** The cluster the demo's accepted risk is on (the aks-hci-workload sample). */
const EXEMPT_CLUSTER = 'hci-wl-retail';

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
  if (r.status !== 0)
    throw new Error(`${bin.split('/').pop()} ${args[0]} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

function get(
  url: string,
  ca: string,
  token?: string,
  post?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
    if (post !== undefined) headers['Content-Type'] = 'application/json';
    const req = request(
      url,
      { ca, headers, timeout: 5000, ...(post !== undefined ? { method: 'POST' } : {}) },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(post !== undefined ? JSON.stringify(post) : undefined);
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

/** One row of the hub's risk-ranked expiry list (GET /api/v1/fleet/summary), the fields the printout shows. */
interface ExpiringCertificate {
  cluster: string;
  node?: string | null;
  outcome: string;
  resource: { path?: string; name?: string; namespace?: string; kind: string };
  source?: { kind: string; locator: string };
  subject?: string | null;
  expiresInDays: number;
  renewedAutomatically?: boolean;
}

interface FleetSummary {
  groups: Record<string, { clusters: number; score: number | null; openBySeverity: Record<string, number> }>;
  expiringCertificates: ExpiringCertificate[];
}

/**
 * The soonest-expiring certificates in the hub's order (what needs action first: failing, then warning, by time
 * left relative to lifetime; certificates the platform renews by itself last): cluster, node, days left, outcome,
 * where the certificate lives and its subject.
 */
function expiryPrintout(rows: ExpiringCertificate[], limit: number): string[] {
  const out = ['Certificates, what needs action first (cluster, node, days left, outcome, where, subject):'];
  if (!rows.length) out.push('  none reported');
  for (const c of rows.slice(0, limit)) {
    // The locator names its kind already (file path, secret:ns/name, kubeconfig:file#user, webhook:...).
    const where = c.source
      ? c.source.locator
      : (c.resource.path ??
        [c.resource.kind, c.resource.namespace, c.resource.name].filter(Boolean).join(' '));
    const outcome = c.outcome + (c.renewedAutomatically ? ' (renewed by the platform)' : '');
    out.push(
      `  ${c.cluster.padEnd(17)} ${(c.node ?? '-').padEnd(17)} ${c.expiresInDays.toFixed(1).padStart(6)} days  ${outcome.padEnd(4)}  ${where}${c.subject ? `  ${c.subject}` : ''}`,
    );
  }
  if (rows.length > limit) out.push(`  ... ${rows.length - limit} more in GET /api/v1/fleet/summary`);
  return out;
}

/**
 * Writes the live copies of the sample bundles (refresh-bundles.main.js, built with the agent) and resolves
 * after the first generation; with `everySeconds` the refresher keeps running as one of the demo's children.
 */
async function refreshBundles(out: string, everySeconds: number | undefined): Promise<void> {
  const args = [REFRESH_BUNDLES, '--from', BUNDLES, '--out', out];
  if (everySeconds) args.push('--every', String(everySeconds));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('refreshed ')) resolve();
    });
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`refreshing the demo bundles failed (exit ${code}): ${stderr.trim()}`));
    });
  });
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

  say(
    `starting the hub on ${hubUrl} (embedded MQTT broker on mqtts://localhost:${mqttPort}, SQLite in ${join(DATA, 'hub')})`,
  );
  const hub = spawn(process.execPath, [HUB_BIN, 'serve'], {
    env: hubEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
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

  const viewer = run(
    HUB_BIN,
    ['token', 'create', '--role', 'viewer', '--name', 'demo-viewer'],
    hubEnv,
  ).trim();

  const samples = readdirSync(BUNDLES).filter((b) => existsSync(join(BUNDLES, b, 'cluster.json')));
  const enrolled: {
    sample: string;
    dir: string;
    cluster: { name: string; platform: string; role: string };
  }[] = [];
  for (const sample of samples) {
    const cluster = JSON.parse(readFileSync(join(BUNDLES, sample, 'cluster.json'), 'utf8')) as {
      name: string;
      platform: string;
      role: string;
      location?: string;
    };
    const tokenArgs = [
      'token',
      'create',
      '--enroll',
      '--cluster',
      cluster.name,
      '--platform',
      cluster.platform,
      '--role',
      cluster.role,
      '--json',
    ];
    if (cluster.location) tokenArgs.push('--location', cluster.location);
    const enrollment = JSON.parse(run(HUB_BIN, tokenArgs, hubEnv)) as { token: string; caHash: string };
    const dir = join(DATA, 'agents', cluster.name);
    run(
      AGENT_BIN,
      [
        'enroll',
        '--hub',
        hubUrl,
        '--token',
        enrollment.token,
        '--ca-hash',
        enrollment.caHash,
        '--dir',
        dir,
        '--store-path',
        join(dir, 'agent.sqlite'),
      ],
      process.env,
    );
    enrolled.push({ sample, dir, cluster });
    say(`enrolled the agent for ${cluster.name} (${cluster.platform}, ${cluster.role})`);
  }

  // Just before the agents start, so their first scan finds bundles collected moments ago.
  const liveBundles = join(DATA, 'bundles');
  say(`making the sample bundles current (collected now, certificates relative to now) in ${liveBundles}`);
  await refreshBundles(liveBundles, process.argv.includes('--exit') ? undefined : REFRESH_SECONDS);
  for (const { sample, dir, cluster } of enrolled) {
    const agent = spawn(process.execPath, [AGENT_BIN, 'run', '--config', join(dir, 'agent.yaml')], {
      env: {
        ...process.env,
        WATCHPOST_EVIDENCE_BUNDLE: join(liveBundles, sample),
        WATCHPOST_INTERVAL_SECONDS: '300',
      },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    children.push(agent);
    say(`started the agent for ${cluster.name}, scanning a live copy of test/fixtures/bundles/${sample}`);
  }

  interface Page {
    items: {
      name: string;
      platform: string;
      role: string;
      score: number | null;
      lastReport: { receivedAt: string | null; clockSkewMs?: number | null };
      liveness: unknown;
    }[];
  }
  const clusters = await waitFor('a report from every agent', 120_000, async () => {
    const r = await get(`${hubUrl}/api/v1/clusters`, ca, viewer);
    const page = JSON.parse(r.body) as Page;
    return page.items.filter((c) => c.lastReport.receivedAt).length >= samples.length
      ? page.items
      : undefined;
  });
  // One accepted risk, as an operator would record it: the REST API keeps it with reason, author and expiry, and
  // the cluster's score and open counts leave its findings out at once (they stay listed, marked).
  interface Detail {
    score: number | null;
    scores: Record<string, number>;
    openBySeverity: Record<string, number>;
  }
  const detail = async () =>
    JSON.parse((await get(`${hubUrl}/api/v1/clusters/${EXEMPT_CLUSTER}`, ca, viewer)).body) as Detail;
  const before = await detail();
  const operator = run(
    HUB_BIN,
    ['token', 'create', '--role', 'operator', '--name', 'demo-operator'],
    hubEnv,
  ).trim();
  const created = await get(`${hubUrl}/api/v1/exemptions`, ca, operator, {
    scope: { kind: 'cluster', cluster: EXEMPT_CLUSTER },
    target: { checkId: 'netpol-namespace-default-deny-egress' },
    reason:
      'Egress default-deny policies roll out with the Q1 network redesign; until then the firewall limits egress ' +
      'from the retail nodes (CHG-5120)',
    expiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString(),
  });
  if (created.status !== 201)
    throw new Error(`creating the demo exemption failed (${created.status}): ${created.body}`);
  const after = await detail();
  const exempted = (
    JSON.parse(
      (
        await get(
          `${hubUrl}/api/v1/findings?cluster=${EXEMPT_CLUSTER}&exempted=true&resolved=false&limit=1000`,
          ca,
          viewer,
        )
      ).body,
    ) as { items: { exemption: { source: string } }[] }
  ).items;
  const summary = JSON.parse((await get(`${hubUrl}/api/v1/fleet/summary`, ca, viewer)).body) as FleetSummary;
  const clustersNow = (JSON.parse((await get(`${hubUrl}/api/v1/clusters`, ca, viewer)).body) as Page).items;
  const exemptions = (
    JSON.parse((await get(`${hubUrl}/api/v1/exemptions`, ca, viewer)).body) as {
      items: {
        id: string;
        scope: unknown;
        target: { checkId?: string; area?: string };
        reason: string;
        author: string;
        expiresAt: string;
      }[];
    }
  ).items;

  const out: string[] = [];
  out.push(
    '',
    `Watchpost hub:  ${hubUrl}   (web page and REST API under /api/v1; CA: ${caFile})`,
    `Viewer token:   ${viewer}`,
    '',
  );
  out.push('Clusters:');
  for (const c of clustersNow.length ? clustersNow : clusters)
    out.push(
      `  ${c.name.padEnd(22)} ${c.platform.padEnd(8)} ${c.role.padEnd(11)} score ${String(c.score ?? '-').padEnd(4)}` +
        (typeof c.lastReport.clockSkewMs === 'number'
          ? ` clock skew ${(c.lastReport.clockSkewMs / 1000).toFixed(1)} s`
          : ''),
    );
  out.push('', 'Fleet summary (on-prem vs Azure):');
  for (const [group, g] of Object.entries(summary.groups).filter(([, g]) => g.clusters > 0)) {
    const open = Object.entries(g.openBySeverity)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ');
    out.push(`  ${group.padEnd(8)} ${g.clusters} clusters, score ${g.score ?? '-'}, open: ${open || 'none'}`);
  }
  out.push('', ...expiryPrintout(summary.expiringCertificates, 12));
  out.push('', 'Accepted risks (GET /api/v1/exemptions):');
  for (const e of exemptions)
    out.push(
      `  ${e.id}  ${e.target.checkId ?? e.target.area}  ${JSON.stringify(e.scope)}  until ${e.expiresAt.slice(0, 10)} by ${e.author}: ${e.reason}`,
    );
  const bySource = (s: string) => exempted.filter((f) => f.exemption.source === s).length;
  out.push(
    `  ${EXEMPT_CLUSTER}: score ${before.score ?? '-'} -> ${after.score ?? '-'}, network ` +
      `${before.scores['network'] ?? '-'} -> ${after.scores['network'] ?? '-'}, open medium ` +
      `${before.openBySeverity['medium'] ?? 0} -> ${after.openBySeverity['medium'] ?? 0}`,
    `  ${exempted.length} findings exempted (${bySource('hub')} on the hub, ${bySource('annotation')} by annotation), ` +
      `still listed: ${hubUrl}/clusters/${EXEMPT_CLUSTER}?exempted=true`,
  );
  out.push(
    '',
    `Try: curl --cacert ${caFile} -H "Authorization: Bearer ${viewer}" ${hubUrl}/api/v1/fleet/summary`,
    'Ctrl-C stops the hub and the agents.',
    '',
  );
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
