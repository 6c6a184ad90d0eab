import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Evidence, Report } from '@watchpost/shared';
import { toSarif } from '../report/sarif.js';
import { renderTable } from '../report/table.printer.js';
import { runChecks } from '../scan/runner.js';
import { readBundle } from './bundle.reader.js';
import { readHostFile, yamlAliasBomb } from './host-file.js';
import { collectHostFiles } from './host.collector.js';
import { DEFAULT_READ_LIMITS, readLimitsFromEnv } from './safe-read.js';

/**
 * Issue 11 point 3: a bundle must not make the agent read, or print, anything outside it, nor hang or exhaust
 * it. Each hostile file ends as a collector error naming it; the scan still finishes.
 */

const SAMPLE = fileURLToPath(
  new URL('../../../../test/fixtures/bundles/aks-hci-management', import.meta.url),
);
const NOW = new Date('2026-06-01T00:00:00Z');
const SECRET = 'root:$6$TOPSECRET-MARKER$hash:19000:0:99999:7:::';

let base: string;
let outside: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'wp-hostile-'));
  outside = join(base, 'outside');
  mkdirSync(join(outside, 'dir'), { recursive: true });
  writeFileSync(join(outside, 'shadow'), SECRET + '\n');
  writeFileSync(join(outside, 'dir', 'config.yaml'), SECRET);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function bundle(name: string): string {
  const d = join(base, name);
  cpSync(SAMPLE, d, { recursive: true });
  return d;
}

/** Every output an operator or the hub could see: evidence, report JSON, table, SARIF. */
function outputs(ev: Evidence, report: Report): string {
  return [
    JSON.stringify(ev),
    JSON.stringify(report),
    renderTable(report, { verbose: true }),
    JSON.stringify(toSarif(report, '0.0.0')),
  ].join('\n');
}

function expectNoSecret(text: string): void {
  expect(text).not.toContain('TOPSECRET');
  expect(text).not.toContain('root:$6$');
  expect(text).not.toContain('cm9vdDok'); // base64 of the first bytes
}

function errorFor(ev: Evidence, source: string): string | undefined {
  return ev.collectorErrors.find((e) => e.source === source)?.message;
}

describe('bundle reader against hostile bundles', () => {
  test('symbolic links out of the bundle are refused, naming the file, and no byte of the target reaches any output', async () => {
    const d = bundle('links-out');
    rmSync(join(d, 'host/etc/kubernetes/manifests/kube-apiserver.yaml'), { force: true });
    rmSync(join(d, 'host/etc/kubernetes/encryption-config.yaml'), { force: true });
    symlinkSync(join(outside, 'shadow'), join(d, 'host/etc/kubernetes/encryption-config.yaml'));
    symlinkSync(
      '../../../../../outside/shadow',
      join(d, 'host/etc/kubernetes/manifests/kube-apiserver.yaml'),
    );
    rmSync(join(d, 'kube/secrets.json'), { force: true });
    symlinkSync(join(outside, 'shadow'), join(d, 'kube/secrets.json'));
    symlinkSync(join(outside, 'dir'), join(d, 'host/etc/linked-dir'));
    const ev = await readBundle(d);
    expect(errorFor(ev, 'bundle/host/etc/kubernetes/encryption-config.yaml')).toBe(
      'host/etc/kubernetes/encryption-config.yaml: is a symbolic link (or under one) that leads outside the bundle; not followed',
    );
    expect(errorFor(ev, 'bundle/host/etc/kubernetes/manifests/kube-apiserver.yaml')).toMatch(
      /leads outside the bundle/,
    );
    expect(errorFor(ev, 'bundle/kube/secrets.json')).toBe(
      'kube/secrets.json is a symbolic link (or under one) that leads outside the bundle; not followed',
    );
    expect(errorFor(ev, 'bundle/host/etc/linked-dir')).toMatch(/outside the bundle/);
    expect(ev.kube['secrets']?.status).toBe('error');
    const report = runChecks(ev, { now: NOW });
    expectNoSecret(outputs(ev, report));
    expect(report.results.filter((r) => r.message.startsWith('check crashed'))).toEqual([]);
  });

  test('links that stay inside the bundle are followed (kubelet-client-current.pem is one on real hosts)', async () => {
    const d = bundle('links-in');
    mkdirSync(join(d, 'host/etc/extra'), { recursive: true });
    symlinkSync('../kubernetes/manifests/kube-apiserver.yaml', join(d, 'host/etc/extra/apiserver-link.yaml'));
    const ev = await readBundle(d);
    expect(ev.host['/etc/extra/apiserver-link.yaml']?.content).toContain('kube-apiserver');
    expect(errorFor(ev, 'bundle/host/etc/extra/apiserver-link.yaml')).toBeUndefined();
  });

  test('FIFOs, sockets and devices are refused without being opened; the scan finishes', async () => {
    const d = bundle('specials');
    rmSync(join(d, 'kube/pods.json'));
    execFileSync('mkfifo', [join(d, 'kube/pods.json')]);
    execFileSync('mkfifo', [join(d, 'host/etc/kubernetes/fifo.conf')]);
    const socketPath = join(d, 'host/etc/kubernetes/agent.sock');
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(socketPath, r));
    symlinkSync('/dev/urandom', join(d, 'kube/nodes.json.tmp'));
    try {
      const ev = await readBundle(d);
      expect(errorFor(ev, 'bundle/kube/pods.json')).toBe('kube/pods.json is a FIFO (named pipe); not read');
      expect(errorFor(ev, 'bundle/host/etc/kubernetes/fifo.conf')).toBe(
        'host/etc/kubernetes/fifo.conf: is a FIFO (named pipe); not read',
      );
      expect(errorFor(ev, 'bundle/host/etc/kubernetes/agent.sock')).toBe(
        'host/etc/kubernetes/agent.sock: is a socket; not read',
      );
      expect(ev.kube['pods']?.status).toBe('error');
      expect(runChecks(ev, { now: NOW }).results.length).toBeGreaterThan(50);
    } finally {
      server.close();
    }
    // Live host collection: a device among the candidate paths is refused the same way.
    const live = await collectHostFiles({
      root: '/',
      distributions: [],
      extraPaths: ['/dev/urandom', '/dev/null'],
    });
    expect(live.errors).toEqual([
      { source: 'host/dev/null', message: 'is a character device; not read' },
      { source: 'host/dev/urandom', message: 'is a character device; not read' },
    ]);
  });

  test('every read is capped: kube/*.json and host files, with the limit and its variable named', async () => {
    const d = bundle('oversized');
    writeFileSync(join(d, 'host/etc/kubernetes/huge.yaml'), 'a: b\n'.repeat(1000));
    const limits = { ...DEFAULT_READ_LIMITS, maxFileBytes: 4096, maxKubeJsonBytes: 20_000 };
    const ev = await readBundle(d, { limits });
    expect(errorFor(ev, 'bundle/host/etc/kubernetes/huge.yaml')).toBe(
      'host/etc/kubernetes/huge.yaml: is 5000 bytes, over the 4096-byte limit (WATCHPOST_MAX_FILE_BYTES); not read',
    );
    const kubeErrors = ev.collectorErrors.filter(
      (e) => e.source.startsWith('bundle/kube/') && /WATCHPOST_MAX_KUBE_JSON_BYTES/.test(e.message),
    );
    expect(kubeErrors.length).toBeGreaterThan(0);
    expect(kubeErrors[0].message).toMatch(
      /^kube\/\S+\.json is \d+ bytes, over the 20000-byte limit \(WATCHPOST_MAX_KUBE_JSON_BYTES\); not read$/,
    );
    // A file whose stat lies (procfs says 0 bytes) is still cut at the limit.
    const proc = readHostFile('/proc/self/maps', '/proc/self/maps', {
      limits: { ...DEFAULT_READ_LIMITS, maxFileBytes: 16 },
    });
    expect(proc.error).toBe('holds more than the 16-byte limit (WATCHPOST_MAX_FILE_BYTES); not read');
    expect(proc.content).toBeUndefined();
  });

  test('limits come from WATCHPOST_MAX_* and a bad value names the variable', () => {
    expect(readLimitsFromEnv({ WATCHPOST_MAX_KUBE_JSON_BYTES: '1048576' }).maxKubeJsonBytes).toBe(1_048_576);
    expect(() => readLimitsFromEnv({ WATCHPOST_MAX_FILE_BYTES: '2MB' })).toThrow(
      'WATCHPOST_MAX_FILE_BYTES="2MB" is not a positive integer (default 2097152)',
    );
  });

  test('a YAML alias bomb in a host file is a collector error naming it, not "check crashed" or "no KubeletConfiguration"', async () => {
    const d = bundle('yaml-bomb');
    const bomb = [
      'apiVersion: kubelet.config.k8s.io/v1beta1',
      'kind: KubeletConfiguration',
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ];
    for (const x of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'])
      bomb.push(
        `${x}: &${x} [${Array(9)
          .fill(`*${String.fromCharCode(x.charCodeAt(0) - 1)}`)
          .join(',')}]`,
      );
    writeFileSync(join(d, 'host/var/lib/kubelet/config.yaml'), bomb.join('\n') + '\n');
    const manifest =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver, namespace: kube-system}\n' +
      bomb.slice(2).join('\n') +
      '\n';
    writeFileSync(join(d, 'host/etc/kubernetes/manifests/kube-apiserver.yaml'), manifest);
    const ev = await readBundle(d);
    expect(errorFor(ev, 'bundle/host/var/lib/kubelet/config.yaml')).toBe(
      'host/var/lib/kubelet/config.yaml: YAML aliases expand past 100 references (an alias bomb); not read (WATCHPOST_MAX_YAML_ALIASES raises the limit)',
    );
    expect(errorFor(ev, 'bundle/host/etc/kubernetes/manifests/kube-apiserver.yaml')).toMatch(/alias bomb/);
    const report = runChecks(ev, { now: NOW });
    expect(report.results.filter((r) => r.message.startsWith('check crashed'))).toEqual([]);
    const kubelet = report.results.filter((r) => r.checkId === 'kubelet-cert-rotation');
    expect(kubelet).toEqual([
      expect.objectContaining({
        outcome: 'error',
        message: expect.stringContaining(
          'could not read the kubelet configuration /var/lib/kubelet/config.yaml: YAML aliases expand past 100',
        ),
      }),
    ]);
    // Ordinary anchors and aliases (well under the limit) still read.
    expect(yamlAliasBomb('base: &b {x: 1}\nother: *b\n', 100)).toBeUndefined();
  });

  test('a JSON bomb (nesting far beyond any kubectl output) is a collector error naming the file', async () => {
    const d = bundle('json-bomb');
    writeFileSync(join(d, 'kube/pods.json'), '{"items":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}');
    const ev = await readBundle(d);
    expect(errorFor(ev, 'bundle/kube/pods.json')).toBe(
      'kube/pods.json nests deeper than 256 levels (a JSON bomb? kubectl output nests about 20); not read (WATCHPOST_MAX_JSON_DEPTH raises the limit)',
    );
    const report = runChecks(ev, { now: NOW });
    expect(report.results.filter((r) => r.message.startsWith('check crashed'))).toEqual([]);
  });

  test('azure/ documents are read like every other bundle file: no link out, no FIFO, no quoted bytes', async () => {
    const d = bundle('azure-docs');
    mkdirSync(join(d, 'azure'));
    symlinkSync(join(outside, 'shadow'), join(d, 'azure/managed-cluster.json'));
    execFileSync('mkfifo', [join(d, 'azure/provisioned-cluster.json')]);
    writeFileSync(join(d, 'azure/extensions.json'), SECRET);
    const ev = await readBundle(d);
    expect(errorFor(ev, 'bundle/azure/managed-cluster.json')).toBe(
      'azure/managed-cluster.json is a symbolic link (or under one) that leads outside the bundle; not followed',
    );
    expect(errorFor(ev, 'bundle/azure/provisioned-cluster.json')).toBe(
      'azure/provisioned-cluster.json is a FIFO (named pipe); not read',
    );
    expect(errorFor(ev, 'bundle/azure/extensions.json')).toMatch(
      /^azure\/extensions\.json is not valid JSON( \(error at byte \d+\))?; save it again with `az \.\.\. -o json`$/,
    );
    expect(ev.azure?.managedCluster?.status).toBe('error');
    const report = runChecks(ev, { now: NOW });
    expectNoSecret(outputs(ev, report));
  });

  test('invalid JSON errors say where, never quote the bytes', async () => {
    const d = bundle('bad-json');
    writeFileSync(join(d, 'kube/secrets.json'), SECRET);
    const ev = await readBundle(d);
    expect(errorFor(ev, 'bundle/kube/secrets.json')).toMatch(
      /^kube\/secrets\.json is not valid JSON( \(error at byte \d+\))?; fix or re-export/,
    );
    expectNoSecret(JSON.stringify(ev.collectorErrors));
  });
});
