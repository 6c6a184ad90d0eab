// The CLI as a user runs it: the built binary (npm test builds first) against the sample bundles.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { CATALOGUE, type Report } from '@watchpost/shared';
import { csvRecords, parseCsv, sarifSchemaValidator } from '@watchpost/shared/testing';
import { SCAN_CSV_COLUMNS } from '../report/csv.js';
import { RESOURCES } from '../collectors/resources.js';
import { startAzureStandIn } from '../testing/azure-stand-in.js';
import { startKubeApiServer } from '../testing/kube-api-server.js';

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
      'supportDataVersion',
    ]);
    expect(report.schemaVersion).toBe(1);
    // The Kubernetes support data the platform checks judged with (the shipped document here).
    expect(report.supportDataVersion).toMatch(/^\d{4}\.\d{1,2}\.\d+$/);
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

  test('SARIF output validates against the SARIF 2.1.0 schema; open findings unless --include-passes', () => {
    const bundle = join(BUNDLES, 'aks-hci-workload');
    const sarif = (...extra: string[]) => {
      const r = agent('scan', '--bundle', bundle, '--format', 'sarif', '--fail-on', 'none', ...extra);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout) as {
        runs: { results: { kind: string; properties: { outcome: string } }[] }[];
      };
    };
    const validate = sarifSchemaValidator();
    const open = sarif();
    expect(validate(open) ? [] : validate.errors).toEqual([]);
    const outcomes = (log: ReturnType<typeof sarif>) =>
      new Set(log.runs[0].results.map((x) => x.properties.outcome));
    expect(outcomes(open)).toEqual(new Set(['fail', 'warn', 'error']));
    const all = sarif('--include-passes');
    expect(validate(all) ? [] : validate.errors).toEqual([]);
    expect(outcomes(all)).toEqual(new Set(['fail', 'warn', 'error', 'pass', 'not_applicable']));
    expect(new Set(all.runs[0].results.map((x) => x.kind))).toEqual(
      new Set(['fail', 'open', 'pass', 'notApplicable']),
    );
  });

  test('CSV: open findings worst first with the remediation column; --include-passes adds the rest', () => {
    const bundle = join(BUNDLES, 'aks-hci-workload');
    const report = JSON.parse(
      agent('scan', '--bundle', bundle, '--format', 'json', '--fail-on', 'none').stdout,
    ) as Report;
    const r = agent('scan', '--bundle', bundle, '--format', 'csv', '--fail-on', 'none');
    expect(r.code).toBe(0);
    const [header] = parseCsv(r.stdout);
    expect(header).toEqual([...SCAN_CSV_COLUMNS]);
    const rows = csvRecords(r.stdout);
    const open = report.results.filter((x) => ['fail', 'warn', 'error'].includes(x.outcome));
    expect(rows.length).toBe(open.length);
    expect(rows[0].outcome).toBe('fail');
    expect(new Set(rows.map((x) => x.outcome))).toEqual(new Set(['fail', 'warn', 'error']));
    const storefront = rows.find(
      (x) => x.check_id === 'pod-privilege-escalation' && x.resource_name === 'storefront',
    );
    expect(storefront).toMatchObject({
      cluster: 'hci-wl-retail',
      platform: 'aks-hci',
      outcome: 'fail',
      resource_kind: 'Deployment',
      resource_namespace: 'web',
      remediation: CATALOGUE.find((c) => c.id === 'pod-privilege-escalation')!.remediation,
    });
    const all = csvRecords(agent('scan', '--bundle', bundle, '--format', 'csv', '--include-passes').stdout);
    expect(all.length).toBe(report.results.length);
    expect(all.filter((x) => x.outcome === 'pass').length).toBe(report.summary.pass);
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
    // The catalogue's remediation under failing results, unless turned off.
    expect(r.stdout).toMatch(
      /FAIL medium {3}netpol-namespace-default-deny-egress: .*\n(?: {7}.*\n)*? {7}fix:\n {9}kubectl apply/,
    );
    const bare = agent(
      'scan',
      '--bundle',
      join(BUNDLES, 'aks-hci-management'),
      '--fail-on',
      'none',
      '--no-remediation',
    );
    expect(bare.stdout).not.toContain('fix:');
    expect(bare.stdout).toContain('netpol-namespace-default-deny-egress');
  });

  test('a bundle with a broken JSON file still scans, with a collector error naming it', () => {
    const d = mkdtempSync(join(tmpdir(), 'wp-cli-'));
    try {
      cpSync(join(BUNDLES, 'aks-azure'), d, { recursive: true });
      writeFileSync(join(d, 'kube/pods.json'), '{ "items": [ {');
      const r = agent('scan', '--bundle', d, '--format', 'json', '--fail-on', 'none');
      // Without pods the workload, network and identity checks cannot decide: too much is unchecked to pass.
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/scan incomplete, exit 3: \d+ of \d+ checks that apply erred/);
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

  test.each(['json', 'csv'])(
    "%s: a reader that goes away ends the output quietly; the exit code stays the gate's",
    (format) => {
      const args = [
        'scan',
        '--bundle',
        join(BUNDLES, 'aks-hci-workload'),
        '--format',
        format,
        '--include-passes',
      ];
      const whole = agent(...args);
      // More than a pipe holds (64 KiB), so the writer meets the closed pipe (EPIPE) after `head` leaves.
      expect(whole.stdout.length).toBeGreaterThan(128 * 1024);
      const quoted = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
      const r = spawnSync('bash', ['-c', `${quoted} | head -c 1 > /dev/null; exit \${PIPESTATUS[0]}`], {
        encoding: 'utf8',
        env: { ...process.env, TZ: 'UTC' },
      });
      expect(r.stderr).toBe(whole.stderr);
      expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
      expect(r.status).toBe(whole.code);
    },
  );

  test('--fail-on can gate on warn and error outcomes too; a bad gate is a usage error', () => {
    const bundle = join(BUNDLES, 'aks-hci-workload');
    const report = JSON.parse(
      agent('scan', '--bundle', bundle, '--format', 'json', '--fail-on', 'none').stdout,
    ) as Report;
    // The sample has an error result (private keys are not in bundles) and high-severity warnings.
    expect(report.results.some((x) => x.outcome === 'error')).toBe(true);
    expect(report.results.some((x) => x.outcome === 'warn' && x.severity === 'high')).toBe(true);
    expect(agent('scan', '--bundle', bundle, '--fail-on', 'none').code).toBe(0);
    expect(agent('scan', '--bundle', bundle, '--fail-on', 'none,error').code).toBe(1);
    expect(agent('scan', '--bundle', bundle, '--fail-on', 'none,warn').code).toBe(0);
    const onlyEncryption = ['--check', 'etcd-secrets-ciphertext'];
    expect(agent('scan', '--bundle', bundle, ...onlyEncryption, '--fail-on', 'high').code).toBe(0);
    expect(agent('scan', '--bundle', bundle, ...onlyEncryption, '--fail-on', 'high,warn').code).toBe(1);
    expect(agent('scan', '--bundle', bundle, ...onlyEncryption, '--fail-on', 'critical,warn').code).toBe(0);
    const bad = agent('scan', '--bundle', bundle, '--fail-on', 'hgh');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"hgh" is not a severity (critical, high, medium, low, info) or none');
  });

  test('an unknown --check id is a usage error naming the known ids', () => {
    const r = agent('scan', '--bundle', join(BUNDLES, 'aks-azure'), '--check', 'cert-expiry', 'no-such-id');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('unknown check id "no-such-id"');
    for (const c of CATALOGUE) expect(r.stderr).toContain(c.id);
    const one = agent(
      'scan',
      '--bundle',
      join(BUNDLES, 'aks-azure'),
      '--check',
      'cert-expiry',
      '--format',
      'json',
    );
    expect(new Set((JSON.parse(one.stdout) as Report).results.map((x) => x.checkId))).toEqual(
      new Set(['cert-expiry']),
    );
  });

  test('a bundle where most checks cannot decide is an incomplete scan (exit 3), not a clean one', () => {
    const d = mkdtempSync(join(tmpdir(), 'wp-cli-'));
    try {
      // Only the cluster identity: no Kubernetes objects, no host files, no probes.
      cpSync(join(BUNDLES, 'aks-hci-workload/cluster.json'), join(d, 'cluster.json'));
      const r = agent('scan', '--bundle', d, '--fail-on', 'none');
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(
        /scan incomplete, exit 3: \d+ of \d+ checks that apply erred \(more than 25 %\)/,
      );
      expect(r.stdout).toContain('Watchpost scan of hci-wl-retail');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  test('--version on both binaries', () => {
    const pkg = (p: string) =>
      (JSON.parse(readFileSync(join(ROOT, p), 'utf8')) as { version: string }).version;
    const a = agent('--version');
    expect(a).toMatchObject({ code: 0, stdout: `watchpost-agent ${pkg('apps/agent/package.json')}\n` });
    const h = spawnSync(process.execPath, [join(ROOT, 'apps/hub/bin/watchpost-hub.js'), '--version'], {
      encoding: 'utf8',
    });
    expect({ code: h.status, stdout: h.stdout }).toEqual({
      code: 0,
      stdout: `watchpost-hub ${pkg('apps/hub/package.json')}\n`,
    });
  });

  test('checks --json lists the catalogue', () => {
    const r = agent('checks', '--json');
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(CATALOGUE.length);
  });
});

/** Async spawn: the fixture API server lives in this process, so the CLI child must not block it. */
function agentAsync(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, TZ: 'UTC', KUBECONFIG: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('live scan through a kubeconfig (fixture API server)', () => {
  const everything = RESOURCES.map((r) => r.resource);

  test.each([
    ['unreachable', /cannot list pods: connect ECONNREFUSED/],
    ['401 on everything', /refused the credentials \(401\)/],
    ['403 on everything', /not allowed to list pods at cluster scope/],
  ])('API server %s: exit 3, the scan is incomplete, never a green gate', async (mode, expected) => {
    const server = await startKubeApiServer({
      fixtures: join(BUNDLES, 'aks-azure'),
      ...(mode.startsWith('403') ? { forbidden: everything } : {}),
    });
    const d = mkdtempSync(join(tmpdir(), 'wp-live-'));
    try {
      const kubeconfig = server.writeKubeconfig(d);
      if (mode === 'unreachable') await server.close();
      if (mode.startsWith('401'))
        writeFileSync(
          kubeconfig,
          readFileSync(kubeconfig, 'utf8').replace(/token: .*/, 'token: revoked-token'),
        );
      const r = await agentAsync('scan', '--kubeconfig', kubeconfig, '--api-only', '--fail-on', 'none');
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(
        new RegExp(
          `scan incomplete, exit 3: the Kubernetes API could not be listed at all \\(${everything.length} of ${everything.length} resources failed; first: `,
        ),
      );
      expect(r.stdout).toContain(`COLLECTOR ERRORS (${everything.length})`);
      expect(r.stdout).toMatch(expected);
    } finally {
      if (mode !== 'unreachable') await server.close();
      rmSync(d, { recursive: true, force: true });
    }
  });

  test('scan --kubeconfig and collect --out give the same verdicts as the bundle they came from', async () => {
    const server = await startKubeApiServer({
      fixtures: join(BUNDLES, 'aks-azure'),
      forbidden: ['secrets'],
      gitVersion: 'v1.31.7',
    });
    // The cluster's Azure resource comes live from the ARM stand-in, through workload identity, as in-cluster.
    const mcDoc = JSON.parse(readFileSync(join(BUNDLES, 'aks-azure/azure/managed-cluster.json'), 'utf8')) as {
      id: string;
    };
    const azure = await startAzureStandIn({
      tenantId: 'tenant-1',
      clientId: 'agent-client',
      serviceAccountToken: 'projected-sa-token',
      resources: { [mcDoc.id]: mcDoc },
    });
    const d = mkdtempSync(join(tmpdir(), 'wp-live-'));
    const saved = { ...process.env };
    try {
      writeFileSync(join(d, 'sa-token'), 'projected-sa-token');
      writeFileSync(join(d, 'azure-ca.pem'), azure.caPem);
      Object.assign(process.env, {
        WATCHPOST_AZURE_RESOURCE_ID: mcDoc.id,
        WATCHPOST_AZURE_ARM_ENDPOINT: azure.url,
        AZURE_CLIENT_ID: 'agent-client',
        AZURE_TENANT_ID: 'tenant-1',
        AZURE_FEDERATED_TOKEN_FILE: join(d, 'sa-token'),
        AZURE_AUTHORITY_HOST: azure.url,
        NODE_EXTRA_CA_CERTS: join(d, 'azure-ca.pem'),
      });
      const kubeconfig = server.writeKubeconfig(d);
      const live = await agentAsync(
        'scan',
        '--kubeconfig',
        kubeconfig,
        '--api-only',
        '--format',
        'json',
        '--fail-on',
        'none',
      );
      expect(live.code).toBe(0);
      expect(live.stderr).toContain('watchpost: listed pods');
      const report = JSON.parse(live.stdout) as Report;
      expect(report.cluster.kubernetesVersion).toBe('v1.31.7');
      expect(report.cluster.platform).toBe('aks');
      expect(report.collectorErrors.map((e) => e.source)).toContain('kube/secrets');
      const out = join(d, 'bundle');
      const collected = await agentAsync('collect', '--kubeconfig', kubeconfig, '--api-only', '--out', out);
      expect(collected.code).toBe(0);
      expect(existsSync(join(out, 'kube/pods.json'))).toBe(true);
      expect(existsSync(join(out, 'kube/secrets.json'))).toBe(false);
      const again = JSON.parse(
        (
          await agentAsync(
            'scan',
            '--bundle',
            out,
            '--format',
            'json',
            '--fail-on',
            'none',
            '--at',
            report.evaluatedAt,
          )
        ).stdout,
      ) as Report;
      const verdicts = (r: Report) =>
        r.results
          .filter((x) => x.area === 'workload')
          .map((x) => `${x.checkId} ${x.outcome} ${JSON.stringify(x.resource)}`)
          .sort();
      expect(verdicts(again)).toEqual(verdicts(report));
      expect(existsSync(join(out, 'azure/managed-cluster.json'))).toBe(true);
      const azureVerdicts = (r: Report) =>
        r.results.filter((x) => x.checkId.startsWith('aks-')).map((x) => `${x.checkId} ${x.outcome}`);
      expect(azureVerdicts(report)).toContain('aks-local-accounts-disabled fail');
      expect(azureVerdicts(again)).toEqual(azureVerdicts(report));
    } finally {
      process.env = saved;
      await server.close();
      await azure.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
