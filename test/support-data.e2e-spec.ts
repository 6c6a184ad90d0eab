/* eslint-disable @nx/enforce-module-boundaries -- e2e code starts the hub in-process (startHub) and runs the built CLIs against it; the hub app has no package entry point to import instead. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtInSupportDocument } from '@watchpost/shared';
import { EnrollmentService } from '../apps/hub/src/pki/enrollment.service.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { until } from './support/until.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const AGENT = join(ROOT, 'apps', 'agent', 'bin', 'watchpost-agent.js');
const HUB = join(ROOT, 'apps', 'hub', 'bin', 'watchpost-hub.js');
const BUNDLE = join(ROOT, 'test', 'fixtures', 'bundles', 'aks-hci-workload');
const DATA = join(ROOT, 'test', 'fixtures', 'support-data');

/**
 * Support data that stays current, end to end with the built CLIs: `watchpost-hub data import` (a document and
 * `az aks get-versions` output, and files it must refuse), then a real agent whose first report says it judges
 * with the shipped data, whose ack brings the imported document, which it keeps and judges with from its next
 * scan on.
 */
describe('support data: hub import and delivery to an agent with its acks', () => {
  let t: TestHub;
  let dir: string;
  let agent: ChildProcess | undefined;
  const hubCli = (...args: string[]) =>
    spawnSync(
      process.execPath,
      [HUB, ...args, '--db-path', t.config.dbPath, '--data-dir', t.config.dataDir],
      {
        encoding: 'utf8',
        env: { ...process.env, TZ: 'UTC' },
      },
    );

  beforeAll(async () => {
    for (const bin of [join(ROOT, 'apps', 'agent', 'dist'), join(ROOT, 'apps', 'hub', 'dist')])
      if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` before the e2e tests`);
    dir = mkdtempSync(join(tmpdir(), 'watchpost-support-data-e2e-'));
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

  it('data import refuses bad files naming the file and the problem (exit 1), and imports both formats', () => {
    const bad: [string, string][] = [
      ['truncated.json', 'truncated.json is not valid JSON'],
      [
        'not-support-data.json',
        'is neither a support data document (kind "WatchpostKubernetesSupport") nor `az aks get-versions -o json` output',
      ],
      ['kubernetes-support.invalid-fields.json', 'aks.0.endOfLifeMonth: must not be before gaMonth'],
      ['az-aks-get-versions.bad-patch.json', '"1.36.1" is not a 1.35 patch version'],
      ['no-such-file.json', 'no-such-file.json: no such file'],
    ];
    for (const [name, expected] of bad) {
      const r = hubCli('data', 'import', join(DATA, name));
      expect([name, r.status, r.stdout]).toEqual([name, 1, '']);
      expect(r.stderr).toContain(expected);
      expect(r.stderr).not.toContain('    at ');
    }

    const doc = hubCli('data', 'import', join(DATA, 'kubernetes-support.2027.1.0.json'));
    expect(doc.stderr).toBe('');
    expect(doc.status).toBe(0);
    expect(doc.stdout).toContain(
      `imported support data 2027.1.0 (compiled 2027-01-12) from ${join(DATA, 'kubernetes-support.2027.1.0.json')} (document); it replaces ${builtInSupportDocument().dataVersion}`,
    );

    const again = hubCli('data', 'import', join(DATA, 'kubernetes-support.2027.1.0.json'));
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('not newer than 2027.1.0');

    const az = hubCli('data', 'import', join(DATA, 'az-aks-get-versions.westeurope.json'));
    expect(az.stderr).toBe('');
    expect(az.status).toBe(0);
    expect(az.stdout).toContain('imported support data 2027.1.1');
    expect(az.stdout).toContain('(az aks get-versions); it replaces 2027.1.0');
    expect(az.stdout).toContain('AKS 1.35: 2 patch versions, newest 1.35.6');
    expect(az.stdout).toContain('skipped previews: 1.38');
  });

  it('an agent judging with older data receives the newest with its ack, keeps it, and judges with it next', async () => {
    const cluster = JSON.parse(readFileSync(join(BUNDLE, 'cluster.json'), 'utf8')) as {
      name: string;
      platform: 'aks-hci';
      role: 'workload';
    };
    const { token, caHash } = await t.hub.app
      .get(EnrollmentService)
      .createToken({ name: cluster.name, platform: cluster.platform, role: cluster.role });
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
          dir,
          '--store-path',
          join(dir, 'agent.sqlite'),
        ],
        { env: { ...process.env, TZ: 'UTC' }, stdio: 'ignore' },
      );
      p.once('exit', resolve);
    });
    expect(enrolled).toBe(0);

    agent = spawn(process.execPath, [AGENT, 'run', '--config', join(dir, 'agent.yaml')], {
      env: { ...process.env, TZ: 'UTC', WATCHPOST_EVIDENCE_BUNDLE: BUNDLE, WATCHPOST_INTERVAL_SECONDS: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    agent.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    agent.stdout!.on('data', (c: Buffer) => (log += c.toString()));

    await until(
      async () => (log.includes('support data 2027.1.1 (compiled') ? true : undefined),
      30_000,
      () => `the agent to receive support data 2027.1.1 (agent log:\n${log})`,
    );
    expect(log).toContain(`received from the hub, replaces ${builtInSupportDocument().dataVersion}`);
    const held = JSON.parse(readFileSync(join(dir, 'kubernetes-support.json'), 'utf8')) as {
      dataVersion: string;
    };
    expect(held.dataVersion).toBe('2027.1.1');

    // A later report is judged with the received data, and says so.
    const finding = await until(
      async () => {
        const res = await t.api<{ items: { checkId: string; message: string }[] }>(
          'GET',
          `/api/v1/findings?cluster=${cluster.name}&limit=500`,
          { token: t.viewerToken },
        );
        return res.body.items.find(
          (f) =>
            f.checkId === 'k8s-version-supported' && f.message.includes('judged with support data 2027.1.1'),
        );
      },
      30_000,
      () => `a k8s-version-supported finding judged with 2027.1.1 (agent log:\n${log})`,
    );
    expect(finding.message).toContain('(aks-hci)');
  });
});
