// Exemptions as a user meets them: the built binary, the sample bundle whose node-exporter DaemonSet carries a
// watchpost.io/exempt annotation, config exemptions through `scan --config`, and every output format.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from '@jest/globals';
import type { Report } from '@watchpost/shared';
import { csvRecords, sarifSchemaValidator } from '@watchpost/shared/testing';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(ROOT, 'apps/agent/bin/watchpost-agent.js');
const SAMPLE = join(ROOT, 'test/fixtures/bundles/aks-hci-workload');
const NODE_EXPORTER = ['--check', 'pod-host-path', 'pod-host-namespaces'];
const REF = 'DaemonSet monitoring/node-exporter';

function agent(...args: string[]) {
  if (!existsSync(join(ROOT, 'apps/agent/dist/src/cli/main.js')))
    throw new Error('apps/agent is not built: run npm run build (npm test does)');
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const json = (...args: string[]) =>
  JSON.parse(agent('scan', '--format', 'json', '--fail-on', 'none', ...args).stdout) as Report;

const tmp = mkdtempSync(join(tmpdir(), 'wp-exempt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function configFile(yaml: string): string {
  const f = join(tmp, `agent-${++n}.yaml`);
  writeFileSync(f, yaml);
  return f;
}
/** An expiry inside the 365-day bound whenever the test runs (the config is validated against the clock). */
const IN_30_DAYS = new Date(Date.now() + 30 * 86_400_000).toISOString();

interface SarifResult {
  ruleId: string;
  properties: { outcome: string };
  locations: { logicalLocations: { name: string }[] }[];
  suppressions?: {
    kind: string;
    status: string;
    justification: string;
    properties: Record<string, string>;
  }[];
}

describe('scan with exemptions', () => {
  test('the sample annotation exempts node-exporter: outcome kept, exemption carried, nothing refused', () => {
    const report = json('--bundle', SAMPLE);
    const exempted = report.results.filter((r) => r.exemption);
    expect(exempted.map((r) => [r.checkId, r.outcome, r.resource.name]).sort()).toEqual([
      ['pod-host-namespaces', 'fail', 'node-exporter'],
      ['pod-host-path', 'fail', 'node-exporter'],
    ]);
    expect(exempted[0].exemption).toEqual({
      source: 'annotation',
      reason: expect.stringContaining('node-exporter reads node metrics'),
      ref: REF,
      expiresAt: '2027-09-30T00:00:00.000Z',
    });
    // Its other findings (not named in the annotation) stay open.
    expect(
      report.results.filter(
        (r) => r.resource.name === 'node-exporter' && r.outcome === 'fail' && !r.exemption,
      ).length,
    ).toBeGreaterThan(0);
    expect(report.collectorErrors.filter((e) => e.source.startsWith('annotation/'))).toEqual([]);
  });

  test('--fail-on ignores exempted results; once the annotation expires (--at) they gate again', () => {
    expect(agent('scan', '--bundle', SAMPLE, ...NODE_EXPORTER, '--fail-on', 'high').code).toBe(0);
    const later = agent(
      'scan',
      '--bundle',
      SAMPLE,
      ...NODE_EXPORTER,
      '--fail-on',
      'high',
      '--at',
      '2027-10-01T00:00:00Z',
      '--format',
      'json',
    );
    expect(later.code).toBe(1);
    const report = JSON.parse(later.stdout) as Report;
    expect(report.results.filter((r) => r.exemption)).toEqual([]);
    expect(report.collectorErrors).toContainEqual({
      source: 'annotation/DaemonSet/monitoring/node-exporter',
      message: expect.stringContaining('expired at 2027-09-30T00:00:00.000Z'),
    });
  });

  test('table: exempted results are counted, and listed with their reason only with --show-exempted', () => {
    const plain = agent('scan', '--bundle', SAMPLE, ...NODE_EXPORTER, '--fail-on', 'none').stdout;
    expect(plain).toContain('2 of the fail/warn results are exempted');
    expect(plain).toContain('--show-exempted lists them');
    expect(plain).toContain('WORKLOAD  (2 fail, 0 error, 0 warn');
    expect(plain).toContain('; 2 exempted)');
    expect(plain).not.toContain('node-exporter');
    const shown = agent(
      'scan',
      '--bundle',
      SAMPLE,
      ...NODE_EXPORTER,
      '--fail-on',
      'none',
      '--show-exempted',
    ).stdout;
    expect(shown).toMatch(
      /FAIL high {5}pod-host-path: hostPath volumes EXEMPTED\n {7}- DaemonSet monitoring\/node-exporter\n/,
    );
    // (wrapped at 100 columns)
    expect(shown.replace(/\s+/g, ' ')).toContain(
      `exempted (annotation on ${REF}, until 2027-09-30T00:00:00.000Z): node-exporter reads`,
    );
    // No remediation under an accepted risk.
    expect(shown).not.toContain('fix:');
  });

  test('SARIF: annotation exemptions are inSource suppressions, config ones external; the log validates', () => {
    const config = configFile(
      `exemptions:\n  - checkId: image-provenance\n    scope: { kind: resource, resource: { kind: DaemonSet, namespace: monitoring, name: node-exporter } }\n    reason: quay.io image mirrored into our ACR next sprint\n    expiresAt: "${IN_30_DAYS}"\n`,
    );
    const r = agent('scan', '--bundle', SAMPLE, '--format', 'sarif', '--fail-on', 'none', '--config', config);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const log = JSON.parse(r.stdout) as { runs: { results: SarifResult[] }[] };
    const validate = sarifSchemaValidator();
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    const suppressed = log.runs[0].results.filter((x) => x.suppressions);
    expect(suppressed.map((x) => [x.ruleId, x.suppressions![0].kind]).sort()).toEqual([
      ['image-provenance', 'external'],
      ['pod-host-namespaces', 'inSource'],
      ['pod-host-path', 'inSource'],
    ]);
    const ext = suppressed.find((x) => x.ruleId === 'image-provenance')!.suppressions![0];
    expect(ext).toEqual({
      kind: 'external',
      status: 'accepted',
      justification: 'quay.io image mirrored into our ACR next sprint',
      properties: { source: 'config', ref: 'config exemptions[0]', expiresAt: IN_30_DAYS },
    });
  });

  test('CSV marks exempted rows with the exemption columns', () => {
    const rows = csvRecords(agent('scan', '--bundle', SAMPLE, '--format', 'csv', '--fail-on', 'none').stdout);
    const hostPath = rows.find((x) => x.check_id === 'pod-host-path' && x.resource_name === 'node-exporter');
    expect(hostPath).toMatchObject({
      outcome: 'fail',
      exempted: 'true',
      exemption_source: 'annotation',
      exemption_ref: REF,
      exemption_expires_at: '2027-09-30T00:00:00.000Z',
    });
    expect(hostPath?.exemption_reason).toContain('node-exporter reads node metrics');
    const open = rows.filter((x) => x.exempted === 'false');
    expect(open.length).toBe(rows.length - 2);
    expect(open.every((x) => x.exemption_source === '' && x.exemption_reason === '')).toBe(true);
  });

  test('refused annotations leave the findings open and are collector errors naming the object', () => {
    const d = join(tmp, 'refused');
    cpSync(SAMPLE, d, { recursive: true });
    const file = join(d, 'kube/deployments.apps.json');
    const list = JSON.parse(readFileSync(file, 'utf8')) as {
      items: { metadata: { name: string; namespace: string; annotations?: Record<string, string> } }[];
    };
    const storefront = list.items.find((i) => i.metadata.name === 'storefront')!;
    storefront.metadata.annotations = {
      ...storefront.metadata.annotations,
      'watchpost.io/exempt': 'pod-privilege-escalation',
    };
    const gmsa = list.items.find((i) => i.metadata.name === 'gmsa-webhook')!;
    gmsa.metadata.annotations = {
      ...gmsa.metadata.annotations,
      'watchpost.io/exempt': 'image-provenance,pod-seccomp-profle',
      'watchpost.io/exempt-reason': 'vendor webhook',
    };
    writeFileSync(file, JSON.stringify(list));
    const report = json('--bundle', d);
    expect(report.results.filter((r) => r.exemption && r.resource.namespace !== 'monitoring')).toEqual([]);
    const errors = report.collectorErrors.filter((e) => e.source.startsWith('annotation/'));
    expect(errors).toEqual([
      {
        source: 'annotation/Deployment/web/storefront',
        message: expect.stringContaining('has no watchpost.io/exempt-reason'),
      },
      {
        source: 'annotation/Deployment/gmsa-webhook/gmsa-webhook',
        message: expect.stringContaining('unknown check id "pod-seccomp-profle"'),
      },
      {
        source: 'annotation/Deployment/gmsa-webhook/gmsa-webhook',
        message: expect.stringContaining('names image-provenance, which an annotation cannot exempt'),
      },
    ]);
    const table = agent('scan', '--bundle', d, '--fail-on', 'none').stdout;
    expect(table).toMatch(
      /COLLECTOR ERRORS[\s\S]*annotation\/Deployment\/web\/storefront: watchpost.io\/exempt/,
    );
  });

  test('an error result is never exempted, even by a cluster-wide config exemption of its area', () => {
    const config = configFile(
      `exemptions:\n  - area: certificates\n    scope: { kind: cluster }\n    reason: everything, on purpose\n    expiresAt: "${IN_30_DAYS}"\n`,
    );
    const report = json('--bundle', SAMPLE, '--config', config);
    const certs = report.results.filter((r) => r.area === 'certificates');
    expect(certs.some((r) => r.outcome === 'error')).toBe(true);
    expect(certs.filter((r) => r.outcome === 'error' && r.exemption)).toEqual([]);
    expect(certs.filter((r) => r.outcome === 'fail').every((r) => r.exemption?.source === 'config')).toBe(
      true,
    );
    expect(agent('scan', '--bundle', SAMPLE, '--config', config, '--fail-on', 'none,error').code).toBe(1);
  });

  test('severity overrides and platform namespaces from --config', () => {
    const config = configFile(
      `severityOverrides:\n  pod-privilege-escalation: low\nplatformNamespaces:\n  add: [monitoring]\n`,
    );
    const report = json('--bundle', SAMPLE, '--config', config);
    const esc = report.results.filter((r) => r.checkId === 'pod-privilege-escalation');
    expect(new Set(esc.map((r) => r.severity))).toEqual(new Set(['low']));
    const nodeExporter = report.results.filter(
      (r) => r.resource.name === 'node-exporter' && r.checkId.startsWith('pod-'),
    );
    expect(nodeExporter.length).toBeGreaterThan(0);
    expect(nodeExporter.every((r) => r.outcome === 'not_applicable' || r.outcome === 'pass')).toBe(true);
  });

  test('a bad --config is a usage error naming the file and every bad field, before any scanning', () => {
    const config = configFile(
      `exemptions:\n  - checkId: pod-host-path\n    scope: { kind: cluster }\n    expiresAt: 2099-01-01T00:00:00Z\nseverityOverrides: { pod-privileged: urgent }\n`,
    );
    const r = agent('scan', '--bundle', SAMPLE, '--config', config);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`exemptions[0].reason (exemptions in ${config}): is required`);
    expect(r.stderr).toContain(
      `severityOverrides.pod-privileged (severityOverrides in ${config}): use one of`,
    );
    const far = configFile(
      `exemptions:\n  - checkId: pod-host-path\n    scope: { kind: cluster }\n    reason: x\n    expiresAt: 2099-01-01T00:00:00Z\n`,
    );
    expect(agent('scan', '--bundle', SAMPLE, '--config', far).stderr).toContain(
      'exemptions[0].expiresAt (exemptions in',
    );
  });

  test('checks says which checks an annotation may exempt', () => {
    const entries = JSON.parse(agent('checks', '--json').stdout) as {
      id: string;
      exemptableByAnnotation: boolean;
    }[];
    expect(entries.find((c) => c.id === 'pod-host-path')?.exemptableByAnnotation).toBe(true);
    expect(entries.find((c) => c.id === 'cert-expiry')?.exemptableByAnnotation).toBe(false);
    expect(agent('checks').stdout).toMatch(/\na watchpost.io\/exempt annotation may name: .*pod-host-path/);
  });
});
