/* eslint-disable @nx/enforce-module-boundaries -- e2e code starts the hub in-process (startHub) and runs the built agent CLI against it; the hub app has no package entry point to import instead. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnrollmentService } from '../apps/hub/src/pki/enrollment.service.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { until } from './support/until.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const AGENT = join(ROOT, 'apps', 'agent', 'bin', 'watchpost-agent.js');
const LAUNCHER = join(ROOT, 'apps', 'agent', 'bin', 'watchpost-agent');
const BUNDLE = join(ROOT, 'test', 'fixtures', 'bundles', 'aks-hci-management');

/** The real agent CLI end to end: enroll -> run (scan of a sample bundle) -> publish -> hub ingest -> REST. */
describe('watchpost-agent enroll and run against the hub (embedded broker)', () => {
  let t: TestHub;
  let dir: string;
  let agent: ChildProcess | undefined;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'apps', 'agent', 'dist', 'src', 'cli', 'main.js'))) {
      throw new Error('apps/agent/dist is missing: run `npm run build` before the e2e tests');
    }
    dir = mkdtempSync(join(tmpdir(), 'watchpost-agent-e2e-'));
    t = await startTestHub();
  });
  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent!.once('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enrolls with a token, scans, and its report reaches the REST API', async () => {
    const cluster = JSON.parse(readFileSync(join(BUNDLE, 'cluster.json'), 'utf8')) as {
      name: string;
      platform: 'aks-hci';
      role: 'management';
    };
    const { token, caHash } = await t.hub.app
      .get(EnrollmentService)
      .createToken({ name: cluster.name, platform: cluster.platform, role: cluster.role });
    // Asynchronously: the hub answering the enrollment runs in this very process.
    const enroll = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
      const p = spawn(
        process.execPath,
        [
          AGENT,
          'enroll',
          '--hub',
          t.url,
          '--token',
          token,
          '--ca-hash',
          caHash,
          '--dir',
          dir,
          '--store-path',
          join(dir, 'agent.sqlite'),
        ],
        { env: { ...process.env, TZ: 'UTC' } },
      );
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      p.once('exit', (code) => resolve({ stdout, stderr, code }));
    });
    expect(enroll.code).toBe(0);
    expect(enroll.stderr).toBe('');
    expect(enroll.stdout).toContain(`enrolled as ${cluster.name}`);

    agent = spawn(process.execPath, [AGENT, 'run', '--config', join(dir, 'agent.yaml')], {
      env: {
        ...process.env,
        TZ: 'UTC',
        WATCHPOST_EVIDENCE_BUNDLE: BUNDLE,
        WATCHPOST_INTERVAL_SECONDS: '3600',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    agent.stderr!.on('data', (c: Buffer) => (log += c.toString()));

    const detail = await until(
      async () => {
        const res = await t.api<{ name: string; lastReport?: { seq: number | null } }>(
          'GET',
          `/api/v1/clusters/${cluster.name}`,
          { token: t.viewerToken },
        );
        return res.status === 200 && res.body.lastReport?.seq ? res.body : undefined;
      },
      30_000,
      () => `a stored report from the agent (agent log:\n${log})`,
    );
    expect(detail.lastReport?.seq).toBe(1);
    const findings = await t.api<{ items: { checkId: string; outcome: string }[] }>(
      'GET',
      `/api/v1/findings?cluster=${cluster.name}&limit=200`,
      { token: t.viewerToken },
    );
    expect(findings.body.items.length).toBeGreaterThan(10);
    expect(findings.body.items.some((f) => f.outcome === 'fail')).toBe(true);
    const agents = await t.api<{ items: { id: string; status: string }[] }>('GET', '/api/v1/agents', {
      token: t.viewerToken,
    });
    expect(agents.body.items.find((a) => a.id === cluster.name)?.status).toBe('online');
    expect(
      t.hub.app.get((await import('../apps/hub/src/ingest/ingest.service.js')).IngestService).stats.rejected,
    ).toBe(0);
  });

  it('renews its own certificate over mTLS and keeps publishing with the new one', async () => {
    const name = 'renewing-cluster';
    const { token, caHash } = await t.hub.app
      .get(EnrollmentService)
      .createToken({ name, platform: 'aks-hci', role: 'workload' });
    const d = join(dir, 'renew');
    mkdirSync(d, { recursive: true });
    const enrolled = await new Promise<number | null>((resolve) => {
      const p = spawn(
        process.execPath,
        [
          AGENT,
          'enroll',
          '--hub',
          t.url,
          '--token',
          token,
          '--ca-hash',
          caHash,
          '--dir',
          d,
          '--store-path',
          join(d, 'agent.sqlite'),
        ],
        {
          env: { ...process.env, TZ: 'UTC' },
          stdio: 'ignore',
        },
      );
      p.once('exit', resolve);
    });
    expect(enrolled).toBe(0);
    const before = new X509Certificate(readFileSync(join(d, 'agent.crt')));

    // Renew after the first scan (any share of the lifetime has passed), then scan again soon after.
    // Through the shipped launcher (bin/watchpost-agent): the daemon's V8 options (lite mode, no WebAssembly) must
    // carry renewal and publishing too.
    const renewing = spawn(LAUNCHER, ['run', '--config', join(d, 'agent.yaml')], {
      env: {
        ...process.env,
        PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`,
        TZ: 'UTC',
        WATCHPOST_EVIDENCE_BUNDLE: BUNDLE,
        WATCHPOST_INTERVAL_SECONDS: '2',
        WATCHPOST_RENEW_AT_LIFETIME_SHARE: '0.0001',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    renewing.stderr.on('data', (c: Buffer) => (log += c.toString()));
    try {
      await until(
        async () => (log.includes('renewed: new certificate valid until') ? true : undefined),
        30_000,
        () => `a renewal (agent log:\n${log})`,
      );
      const after = new X509Certificate(readFileSync(join(d, 'agent.crt')));
      expect(after.serialNumber).not.toBe(before.serialNumber);
      expect(after.subject).toBe(before.subject);
      expect(after.verify(new X509Certificate(readFileSync(join(d, 'ca.crt'))).publicKey)).toBe(true);
      // A report sent after the renewal (seq >= 2) reached the hub: the new certificate is accepted.
      await until(
        async () => {
          const res = await t.api<{ lastReport?: { seq: number | null } }>(
            'GET',
            `/api/v1/clusters/${name}`,
            { token: t.viewerToken },
          );
          return (res.body.lastReport?.seq ?? 0) >= 2 ? true : undefined;
        },
        30_000,
        () => `a report after the renewal (agent log:\n${log})`,
      );
      expect(log).not.toContain('renewal failed');
    } finally {
      const exited = new Promise((r) => renewing.once('exit', r));
      renewing.kill('SIGTERM');
      await exited;
    }
  });
});
