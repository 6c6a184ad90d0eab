/* eslint-disable @nx/enforce-module-boundaries -- these specs drive the agent's probes and checks directly against real
   servers; the agent app has no package entry point for its internals, so they are imported by path. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import type { Evidence, HostFile, ObservationHistory, ProbeResults } from '@watchpost/shared';
import { DEFAULT_CHECK_OPTIONS } from '../../apps/agent/src/checks/check.js';
import { kmsKeyRotation } from '../../apps/agent/src/checks/encryption/kms-key-rotation.check.js';
import { kmsPluginHealth } from '../../apps/agent/src/checks/encryption/kms-plugin-health.check.js';
import { observeKmsKeys } from '../../apps/agent/src/checks/encryption/observe.js';
import { collectKms } from '../../apps/agent/src/collectors/probes/kms.probe.js';
import { startKmsServer, type KmsTestServer } from '../support/kms-server.js';

// The KMS probe against a real gRPC plugin on a unix socket (test/support/kms-server.ts, which loads the
// shipped .proto files): healthy, unhealthy, hung, rotated key, v1, missing socket, wrong API version.

const MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  labels: {component: kube-apiserver, tier: control-plane}
  name: kube-apiserver
  namespace: kube-system
spec:
  containers:
  - name: kube-apiserver
    command: [kube-apiserver]
    args:
    - --encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml
    - --encryption-provider-config-automatic-reload=true
    volumeMounts:
    - {mountPath: /etc/kubernetes/enc, name: enc, readOnly: true}
    - {mountPath: /var/run/kmsplugin, name: kms}
  volumes:
  - {name: enc, hostPath: {path: /etc/kubernetes/enc}}
  - {name: kms, hostPath: {path: /run/kms-sockets}}
`;

function config(providers: string): string {
  return `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
${providers}      - identity: {}
`;
}
const V2 = (name: string, sock: string) =>
  `      - kms: {apiVersion: v2, name: ${name}, endpoint: "unix:///var/run/kmsplugin/${sock}", timeout: 3s}\n`;
const V1 = (name: string, sock: string) =>
  `      - kms: {name: ${name}, endpoint: "unix:///var/run/kmsplugin/${sock}", cachesize: 1000}\n`;

let root: string;
const servers: KmsTestServer[] = [];
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'wp-kms-'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function host(configText: string): Record<string, HostFile> {
  return {
    '/etc/kubernetes/manifests/kube-apiserver.yaml': {
      path: '/etc/kubernetes/manifests/kube-apiserver.yaml',
      mode: 0o600,
      content: MANIFEST,
    },
    '/etc/kubernetes/enc/encryption-config.yaml': {
      path: '/etc/kubernetes/enc/encryption-config.yaml',
      mode: 0o600,
      content: configText,
    },
  };
}
// The socket the config names inside the API server container, mapped through the hostPath volume.
const socketOnHost = (name: string) => join(root, 'run/kms-sockets', name);

async function serve(opts: Parameters<typeof startKmsServer>[0]): Promise<KmsTestServer> {
  const s = await startKmsServer(opts);
  servers.push(s);
  return s;
}

function evidence(probe: ProbeResults['kms'], history?: ObservationHistory): Evidence {
  const ev: Evidence = {
    schemaVersion: 1,
    collectedAt: '2026-06-01T00:00:00.000Z',
    cluster: { name: 'lab', platform: 'other', role: 'workload' },
    kube: {},
    host: {},
    probes: { kms: probe },
    collectorErrors: [],
    source: 'live',
  };
  if (history) ev.history = history;
  return ev;
}

describe('kms probe against a real gRPC plugin', () => {
  test('v2 healthy: Status gives healthz, version and key id through the hostPath-mapped socket', async () => {
    const server = await serve({ socketPath: socketOnHost('a.sock'), apiVersion: 'v2', keyId: 'kek-1' });
    const result = await collectKms({
      host: host(config(V2('kms-a', 'a.sock'))),
      kube: {},
      timeoutMs: 2000,
      hostRoot: root,
    });
    expect(result.providers).toEqual([
      expect.objectContaining({
        name: 'kms-a',
        apiVersion: 'v2',
        healthz: 'ok',
        version: 'v2',
        keyId: 'kek-1',
        socket: socketOnHost('a.sock'),
        resources: ['secrets'],
      }),
    ]);
    expect(server.calls['Status']).toBe(1);
    const findings = kmsPluginHealth.run({
      evidence: evidence(result),
      now: new Date('2026-06-01T00:00:00Z'),
      options: DEFAULT_CHECK_OPTIONS,
    });
    expect(findings.map((f) => f.outcome)).toEqual(['pass']);
  });

  test('v2 unhealthy: healthz other than "ok" fails the health check', async () => {
    await serve({
      socketPath: socketOnHost('b.sock'),
      apiVersion: 'v2',
      healthz: 'upstream KMS unreachable',
    });
    const result = await collectKms({
      host: host(config(V2('kms-b', 'b.sock'))),
      kube: {},
      timeoutMs: 2000,
      hostRoot: root,
    });
    expect(result.providers[0]).toMatchObject({ healthz: 'upstream KMS unreachable' });
    const [f] = kmsPluginHealth.run({
      evidence: evidence(result),
      now: new Date(),
      options: DEFAULT_CHECK_OPTIONS,
    });
    expect(f).toMatchObject({ outcome: 'fail' });
    expect(f.message).toContain('upstream KMS unreachable');
  });

  test('hung plugin: the call gives up at the deadline and reports a timeout', async () => {
    await serve({ socketPath: socketOnHost('c.sock'), apiVersion: 'v2', hang: true });
    const started = performance.now();
    const result = await collectKms({
      host: host(config(V2('kms-c', 'c.sock'))),
      kube: {},
      timeoutMs: 300,
      hostRoot: root,
    });
    const elapsed = performance.now() - started;
    expect(result.providers[0]).toMatchObject({ errorKind: 'timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2000);
    const [f] = kmsPluginHealth.run({
      evidence: evidence(result),
      now: new Date(),
      options: DEFAULT_CHECK_OPTIONS,
    });
    expect(f).toMatchObject({ outcome: 'fail' });
    expect(f.message).toContain('did not answer in time');
  });

  test('key rotation: the new key id is observed, and the rotation check sees it against history', async () => {
    const server = await serve({
      socketPath: socketOnHost('d.sock'),
      apiVersion: 'v2',
      keyId: 'kek-2026-04',
    });
    const ctx = { host: host(config(V2('kms-d', 'd.sock'))), kube: {}, timeoutMs: 2000, hostRoot: root };
    const first = await collectKms(ctx);
    expect(observeKmsKeys(evidence(first))).toEqual({ 'kms-d': 'kek-2026-04' });
    // History as the store would keep it after the first scan, seen for 40 days.
    const history: ObservationHistory = {
      certificates: {},
      kmsKeys: {
        'kms-d': [
          { keyId: 'kek-2026-04', firstSeen: '2026-04-20T00:00:00Z', lastSeen: '2026-05-31T00:00:00Z' },
        ],
      },
    };
    const now = new Date('2026-06-01T00:00:00Z');
    const before = kmsKeyRotation.run({
      evidence: evidence(first, history),
      now,
      options: DEFAULT_CHECK_OPTIONS,
    });
    expect(before.map((f) => f.outcome)).toEqual(['warn']);

    server.state.keyId = 'kek-2026-06';
    const second = await collectKms(ctx);
    expect(observeKmsKeys(evidence(second))).toEqual({ 'kms-d': 'kek-2026-06' });
    const after = kmsKeyRotation.run({
      evidence: evidence(second, history),
      now,
      options: DEFAULT_CHECK_OPTIONS,
    });
    expect(after.map((f) => f.outcome)).toEqual(['pass']);
    expect(after[0].message).toContain('rotated since the last scan');
  });

  test('v1: Version answers v1beta1 with the runtime; the provider name is the tracked key id', async () => {
    await serve({
      socketPath: socketOnHost('e.sock'),
      apiVersion: 'v1',
      runtimeName: 'MOC KMS plugin',
      runtimeVersion: '1.2.3',
    });
    const result = await collectKms({
      host: host(config(V1('aks-hybrid-kms', 'e.sock'))),
      kube: {},
      timeoutMs: 2000,
      hostRoot: root,
    });
    expect(result.providers[0]).toMatchObject({
      apiVersion: 'v1',
      version: 'v1beta1',
      runtimeName: 'MOC KMS plugin',
      runtimeVersion: '1.2.3',
    });
    expect(observeKmsKeys(evidence(result))).toEqual({ 'aks-hybrid-kms': 'aks-hybrid-kms' });
  });

  test('several providers are called in parallel, each judged on its own', async () => {
    await serve({ socketPath: socketOnHost('f1.sock'), apiVersion: 'v2', keyId: 'k-new' });
    await serve({ socketPath: socketOnHost('f2.sock'), apiVersion: 'v2', hang: true });
    const result = await collectKms({
      host: host(config(V2('new', 'f1.sock') + V2('old', 'f2.sock'))),
      kube: {},
      timeoutMs: 300,
      hostRoot: root,
    });
    expect(result.providers.map((p) => [p.name, p.keyId ?? p.errorKind])).toEqual([
      ['new', 'k-new'],
      ['old', 'timeout'],
    ]);
    expect(
      kmsPluginHealth
        .run({ evidence: evidence(result), now: new Date(), options: DEFAULT_CHECK_OPTIONS })
        .map((f) => f.outcome),
    ).toEqual(['pass', 'fail']);
  });

  test('no socket: unreachable, and a v1 plugin asked for v2 Status: protocol error', async () => {
    const missing = await collectKms({
      host: host(config(V2('gone', 'none.sock'))),
      kube: {},
      timeoutMs: 1000,
      hostRoot: root,
    });
    expect(missing.providers[0]).toMatchObject({ errorKind: 'unreachable' });
    await serve({ socketPath: socketOnHost('g.sock'), apiVersion: 'v1' });
    const wrong = await collectKms({
      host: host(config(V2('mismatch', 'g.sock'))),
      kube: {},
      timeoutMs: 1000,
      hostRoot: root,
    });
    expect(wrong.providers[0]).toMatchObject({ errorKind: 'protocol' });
    expect(wrong.providers[0].error).toContain('wrong KMS API version');
  });

  test('config without kms, no flag, and no API server in view', async () => {
    const aescbc = `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers: [{aescbc: {keys: [{name: k, secret: "watchpost-redacted:32-bytes"}]}}]\n`;
    expect(await collectKms({ host: host(aescbc), kube: {}, timeoutMs: 500, hostRoot: root })).toMatchObject({
      providers: [],
      kmsConfigured: false,
    });
    expect(await collectKms({ host: {}, kube: {}, timeoutMs: 500, hostRoot: root })).toMatchObject({
      providers: [],
      note: expect.stringContaining('no kube-apiserver'),
    });
  });
});
