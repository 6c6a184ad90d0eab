// The CLI as a user runs it: the built binary (npm test builds first) against the sample bundles.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { Ajv } from 'ajv';
import { CATALOGUE, type Report } from '@watchpost/shared';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(ROOT, 'apps/agent/bin/watchpost-agent.js');
const BUNDLES = join(ROOT, 'test/fixtures/bundles');
const SAMPLES = ['aks-hci-management', 'aks-hci-workload', 'aks-azure'];

function agent(...args: string[]) {
  if (!existsSync(join(ROOT, 'apps/agent/dist/src/cli/main.js')))
    throw new Error('apps/agent is not built: run npm run build (npm test does)');
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('watchpost-agent scan', () => {
  test.each(SAMPLES)('%s: JSON report follows the contract and covers every area', (sample) => {
    const r = agent('scan', '--bundle', join(BUNDLES, sample), '--format', 'json', '--fail-on', 'none');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(Object.keys(report).sort()).toEqual([
      'cluster',
      'collectorErrors',
      'evaluatedAt',
      'results',
      'scannedAt',
      'schemaVersion',
      'summary',
    ]);
    expect(report.schemaVersion).toBe(1);
    const ids = new Set(report.results.map((x) => x.checkId));
    for (const c of CATALOGUE) expect([c.id, ids.has(c.id)]).toEqual([c.id, true]);
    const total =
      report.summary.pass +
      report.summary.fail +
      report.summary.warn +
      report.summary.error +
      report.summary.not_applicable;
    expect(total).toBe(report.results.length);
    for (const x of report.results) expect(Object.keys(x.resource).length).toBeGreaterThan(0);
  });

  test('SARIF output validates against the SARIF 2.1.0 schema', () => {
    const r = agent(
      'scan',
      '--bundle',
      join(BUNDLES, 'aks-hci-workload'),
      '--format',
      'sarif',
      '--fail-on',
      'none',
    );
    expect(r.code).toBe(0);
    const schema = JSON.parse(
      readFileSync(
        join(ROOT, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    delete schema['$schema'];
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(schema);
    const log = JSON.parse(r.stdout) as { runs: { results: unknown[] }[] };
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    expect(log.runs[0].results.length).toBeGreaterThan(0);
  });

  test('--fail-on decides the exit code', () => {
    const bundle = join(BUNDLES, 'aks-hci-workload');
    const report = JSON.parse(
      agent('scan', '--bundle', bundle, '--format', 'json', '--fail-on', 'none').stdout,
    ) as Report;
    const worst = report.results.some((x) => x.outcome === 'fail' && x.severity === 'critical');
    expect(agent('scan', '--bundle', bundle, '--fail-on', 'critical').code).toBe(worst ? 1 : 0);
    expect(agent('scan', '--bundle', bundle, '--fail-on', 'info').code).toBe(report.summary.fail > 0 ? 1 : 0);
    expect(agent('scan', '--bundle', bundle, '--fail-on', 'none').code).toBe(0);
  });

  test('table output groups by area with counts', () => {
    const r = agent('scan', '--bundle', join(BUNDLES, 'aks-hci-management'), '--fail-on', 'none');
    expect(r.stdout).toMatch(/^Watchpost scan of hci-mgmt-seattle \(aks-hci, management/);
    expect(r.stdout).toMatch(/\n\d+ fail {2}\d+ error {2}\d+ warn {2}\d+ pass/);
    expect(r.stdout).toContain('WORKLOAD  (');
  });

  test('a bundle with a broken JSON file still scans, with a collector error naming it', () => {
    const d = mkdtempSync(join(tmpdir(), 'wp-cli-'));
    try {
      cpSync(join(BUNDLES, 'aks-azure'), d, { recursive: true });
      writeFileSync(join(d, 'kube/pods.json'), '{ "items": [ {');
      const r = agent('scan', '--bundle', d, '--format', 'json', '--fail-on', 'none');
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as Report;
      expect(report.collectorErrors.map((e) => e.source)).toContain('bundle/kube/pods.json');
      expect(report.results.some((x) => x.outcome === 'error' && x.message.includes('pods'))).toBe(true);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  test('usage errors exit 2 with a message, never a stack trace', () => {
    const missing = agent('scan', '--bundle', '/nonexistent');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('bundle folder /nonexistent does not exist');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const badAt = agent('scan', '--bundle', join(BUNDLES, 'aks-azure'), '--at', 'tomorrow');
    expect(badAt.code).toBe(2);
    expect(badAt.stderr).toContain('--at "tomorrow" is not a time');
    expect(agent('scan', '--format', 'xml').code).toBe(2);
  });

  test('checks --json lists the catalogue', () => {
    const r = agent('checks', '--json');
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(CATALOGUE.length);
  });
});
