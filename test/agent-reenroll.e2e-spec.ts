/* eslint-disable @nx/enforce-module-boundaries -- e2e: starts the hub in-process and runs the built agent CLI against it; the hub app has no package entry point to import instead. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnrollmentService } from '../apps/hub/src/pki/enrollment.service.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { until } from './support/until.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const AGENT = join(ROOT, 'apps', 'agent', 'bin', 'watchpost-agent.js');
const BUNDLE = join(ROOT, 'test', 'fixtures', 'bundles', 'aks-hci-management');

interface AgentRow {
  id: string;
  nodeName: string | null;
  lastSeq: number | null;
  revoked: boolean;
  supersededBy: string | null;
}

/**
 * A DaemonSet's story with the real agent CLI: one cluster credential enrolls several nodes, each under its own
 * id; a node whose store is wiped enrolls again with the same credential and its reports are accepted under a
 * new identity, while the old one keeps its history and is shown superseded.
 */
describe('cluster credential and re-enrollment, end to end', () => {
  let t: TestHub;
  let dir: string;
  const running = new Map<string, ChildProcess>();
  const logs = new Map<string, string>();
  const cluster = JSON.parse(readFileSync(join(BUNDLE, 'cluster.json'), 'utf8')) as {
    name: string;
    platform: 'aks-hci';
    role: 'management';
  };

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'apps', 'agent', 'dist', 'src', 'cli', 'main.js')))
      throw new Error('apps/agent/dist is missing: run `npm run build` before the e2e tests');
    dir = mkdtempSync(join(tmpdir(), 'watchpost-reenroll-e2e-'));
    t = await startTestHub();
  });
  afterAll(async () => {
    for (const node of [...running.keys()]) await stop(node);
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const enroll = (credential: string, caHash: string, node: string) =>
    new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
      const d = join(dir, node);
      mkdirSync(d, { recursive: true });
      // As the DaemonSet gives it: the credential in a file (a mounted Secret key), never on the command line.
      const tokenFile = join(d, 'enroll-credential');
      writeFileSync(tokenFile, `${credential}\n`, { mode: 0o600 });
      const p = spawn(
        process.execPath,
        [
          AGENT,
          'enroll',
          '--hub',
          t.url,
          '--token-file',
          tokenFile,
          '--ca-hash',
          caHash,
          '--node-name',
          node,
        ].concat(['--dir', d, '--store-path', join(d, 'agent.sqlite')]),
        { env: { ...process.env, TZ: 'UTC' } },
      );
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      p.once('exit', (code) => resolve({ stdout, stderr, code }));
    });

  const run = (node: string) => {
    const p = spawn(process.execPath, [AGENT, 'run', '--config', join(dir, node, 'agent.yaml')], {
      env: {
        ...process.env,
        TZ: 'UTC',
        WATCHPOST_EVIDENCE_BUNDLE: BUNDLE,
        WATCHPOST_INTERVAL_SECONDS: '3600',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    logs.set(node, '');
    p.stderr.on('data', (c: Buffer) => logs.set(node, (logs.get(node) ?? '') + c.toString()));
    running.set(node, p);
  };

  async function stop(node: string): Promise<void> {
    const p = running.get(node);
    running.delete(node);
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  }

  const agents = async () =>
    (
      await t.api<{ items: AgentRow[] }>('GET', `/api/v1/agents?cluster=${cluster.name}&limit=100`, {
        token: t.viewerToken,
      })
    ).body.items;
  const stored = (id: string, node: string) =>
    until(
      async () => (await agents()).find((a) => a.id === id && (a.lastSeq ?? 0) >= 1),
      60_000,
      () => `a stored report from ${id} (agent log:\n${logs.get(node) ?? ''})`,
    );

  it('enrolls two nodes from one credential, refuses a third, and re-enrolls a wiped node as a new identity', async () => {
    const svc = t.hub.app.get(EnrollmentService);
    const c = await svc.createCredential(
      { name: cluster.name, platform: cluster.platform, role: cluster.role },
      { maxAgents: 2, ttlMs: 3_600_000 },
    );
    for (const node of ['moc-n1', 'moc-n2']) {
      const r = await enroll(c.credential, c.caHash, node);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`enrolled as ${cluster.name}.${node}`);
      run(node);
    }
    await stored(`${cluster.name}.moc-n1`, 'moc-n1');
    await stored(`${cluster.name}.moc-n2`, 'moc-n2');

    const third = await enroll(c.credential, c.caHash, 'moc-n3');
    expect(third.code).not.toBe(0);
    expect(third.stderr).toContain('enrollment_credential_exhausted');
    expect(third.stderr).not.toContain(c.credential);

    // moc-n1 loses its store and identity (hostPath wiped, node rebuilt) and enrolls again: seq starts at 1.
    await stop('moc-n1');
    rmSync(join(dir, 'moc-n1'), { recursive: true, force: true });
    const again = await enroll(c.credential, c.caHash, 'moc-n1');
    expect(again.code).toBe(0);
    const newId = `${cluster.name}.moc-n1--r2`;
    expect(again.stdout).toContain(`enrolled as ${newId}`);
    run('moc-n1');
    expect((await stored(newId, 'moc-n1')).lastSeq).toBe(1);

    const rows = await agents();
    expect(rows.find((a) => a.id === `${cluster.name}.moc-n1`)).toMatchObject({
      revoked: true,
      supersededBy: newId,
      lastSeq: 1, // its history stays
    });
    expect(rows.find((a) => a.id === newId)).toMatchObject({
      revoked: false,
      supersededBy: null,
      nodeName: 'moc-n1',
    });
    expect(rows.find((a) => a.id === `${cluster.name}.moc-n2`)).toMatchObject({
      revoked: false,
      supersededBy: null,
    });
    const history = await t.api<{ items: { agentId: string; seq: number }[] }>(
      'GET',
      `/api/v1/clusters/${cluster.name}/history?limit=50`,
      { token: t.viewerToken },
    );
    expect(history.status).toBe(200);
    expect(JSON.stringify(history.body)).toContain(`${cluster.name}.moc-n1`);
  });
});

/** The per-address enrollment limit runs on @nestjs/throttler in the real hub, with the hub's error body. */
describe('enrollment rate limit per client address', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ overrides: { WATCHPOST_ENROLL_RATE: '3' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 429 rate_limited after WATCHPOST_ENROLL_RATE attempts; the CA route and the API stay open', async () => {
    const attempt = () =>
      t.api<{ error: { code: string; message: string } }>('POST', '/api/v1/enroll', { body: {} });
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(400);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(limited.body.error.message).toMatch(/at most 3 per minute; retry in \d+ s/);
    expect((await t.api('GET', '/api/v1/enroll/ca')).status).toBe(200);
    expect((await t.api('GET', '/api/v1/clusters', { token: t.viewerToken })).status).toBe(200);
  });
});
