import { once } from 'node:events';
import { X509Certificate } from 'node:crypto';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type Evidence, type HostFile, readTlsEndpoints } from '@watchpost/shared';
import { b64, issue, type TestCert } from '../../testing/fixture-pki.js';
import { runChecks } from '../../scan/runner.js';
import { probeEndpoint, probeTargets, tlsEndpointsProbe, tlsTargets } from './tls-endpoints.probe.js';

const now = new Date();
const day = 86_400_000;
let root: TestCert;
let intermediate: TestCert;
let leaf: TestCert;
let server: Server;
let port: number;
let silent: NetServer;
let silentPort: number;
const silentSockets: Socket[] = [];

async function listen(s: Server | NetServer): Promise<number> {
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return (s.address() as AddressInfo).port;
}

beforeAll(async () => {
  root = issue({
    cn: 'probe-test-root',
    notBefore: new Date(now.getTime() - day),
    notAfter: new Date(now.getTime() + 3650 * day),
    ca: true,
  });
  intermediate = issue({
    cn: 'probe-test-intermediate',
    issuer: root,
    notBefore: new Date(now.getTime() - day),
    notAfter: new Date(now.getTime() + 365 * day),
    ca: true,
  });
  leaf = issue({
    cn: 'kube-apiserver',
    issuer: intermediate,
    notBefore: new Date(now.getTime() - day),
    notAfter: new Date(now.getTime() + 3 * day),
    ips: ['127.0.0.1'],
  });
  // Serves leaf + intermediate, as an API server with a chain file does; asks for (but does not require) a client cert, like kube-apiserver.
  server = createServer({
    cert: leaf.certPem + intermediate.certPem,
    key: leaf.keyPem,
    requestCert: true,
    rejectUnauthorized: false,
  });
  server.on('secureConnection', (s) => s.end());
  port = await listen(server);
  // Accepts TCP and never answers the ClientHello: a hung endpoint.
  silent = createNetServer((s) => silentSockets.push(s));
  silentPort = await listen(silent);
});

afterAll(async () => {
  for (const s of silentSockets) s.destroy();
  server.close();
  silent.close();
  await Promise.all([once(server, 'close'), once(silent, 'close')]);
});

describe('tls-endpoints probe', () => {
  test('records the served chain leaf first, without trusting it', async () => {
    const obs = await probeEndpoint({ name: 'kube-apiserver', host: '127.0.0.1', port, from: 'test' }, 2000);
    expect(obs.error).toBeUndefined();
    expect(obs.protocol).toMatch(/^TLSv1\.[23]$/);
    const parsed = (obs.chainPem ?? []).map((pem) => new X509Certificate(pem));
    expect(parsed.map((c) => /CN=([^\n,]+)/.exec(c.subject)?.[1])).toEqual([
      'kube-apiserver',
      'probe-test-intermediate',
    ]);
    expect(parsed[0].serialNumber).toBe(leaf.cert.serialNumber.toUpperCase());
  });

  test('a closed port is recorded as an error, not thrown', async () => {
    const closed = createNetServer();
    const p = await listen(closed);
    closed.close();
    await once(closed, 'close');
    const obs = await probeEndpoint({ name: 'kubelet', host: '127.0.0.1', port: p, from: 'test' }, 2000);
    expect(obs.chainPem).toBeUndefined();
    expect(obs.error).toMatch(/^ECONNREFUSED/);
  });

  test('a port that never completes the handshake times out within the budget', async () => {
    const started = Date.now();
    const obs = await probeEndpoint(
      { name: 'kubelet', host: '127.0.0.1', port: silentPort, from: 'test' },
      250,
    );
    expect(obs.error).toBe('timeout after 250 ms (no TLS handshake)');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('targets come from the apiserver manifest and kubeconfigs, deduplicated, plus the kubelet', () => {
    const host: Record<string, HostFile> = {
      '/etc/kubernetes/manifests/kube-apiserver.yaml': {
        path: '/etc/kubernetes/manifests/kube-apiserver.yaml',
        content:
          'apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --advertise-address=10.0.0.10\n    - --secure-port=6443\n',
      },
      '/etc/kubernetes/admin.conf': {
        path: '/etc/kubernetes/admin.conf',
        content:
          'apiVersion: v1\nkind: Config\nclusters:\n- name: k\n  cluster:\n    server: https://10.0.0.10:6443\n- name: vip\n  cluster:\n    server: https://cp.contoso.local:6443\nusers: []\n',
      },
    };
    expect(tlsTargets({ host, kube: {} }).map((t) => `${t.name} ${t.host}:${t.port} (${t.from})`)).toEqual([
      'kube-apiserver 10.0.0.10:6443 (manifest /etc/kubernetes/manifests/kube-apiserver.yaml)',
      'kube-apiserver cp.contoso.local:6443 (kubeconfig /etc/kubernetes/admin.conf)',
      'kubelet 127.0.0.1:10250 (default)',
    ]);
    expect(tlsTargets({ host: {}, kube: {} }).map((t) => `${t.host}:${t.port}`)).toEqual([
      '127.0.0.1:6443',
      '127.0.0.1:10250',
    ]);
  });

  test('collect() probes the kubeconfig server; the checks judge what was served', async () => {
    const kubeconfig = `apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    certificate-authority-data: ${b64(root.certPem)}\n    server: https://127.0.0.1:${port}\nusers: []\n`;
    const host: Record<string, HostFile> = {
      '/etc/kubernetes/admin.conf': { path: '/etc/kubernetes/admin.conf', mode: 0o600, content: kubeconfig },
    };
    const result = await tlsEndpointsProbe.collect({ host, kube: {}, timeoutMs: 1500, hostRoot: '/' });
    const read = readTlsEndpoints(result);
    if (read.status !== 'ok') throw new Error(read.status);
    const served = read.value.endpoints.find((e) => e.port === port);
    expect(served?.chainPem).toHaveLength(2);
    const evidence: Evidence = {
      schemaVersion: 1,
      collectedAt: now.toISOString(),
      cluster: { name: 'probe-test', platform: 'other', role: 'workload' },
      kube: {},
      host,
      probes: { 'tls-endpoints': result },
      collectorErrors: [],
      source: 'live',
    };
    const report = runChecks(evidence, { now, only: ['cert-expiry', 'cert-chain-invalid'] });
    const expiry = report.results.find(
      (r) => r.checkId === 'cert-expiry' && r.resource.name === `127.0.0.1:${port}`,
    );
    // 3 days left of a 4-day leaf: the share rule makes it healthy.
    expect(expiry?.outcome).toBe('pass');
    // The served chain (leaf + intermediate) verifies up to the kubeconfig's root.
    const chain = report.results.find(
      (r) => r.checkId === 'cert-chain-invalid' && r.resource.name === `127.0.0.1:${port}`,
    );
    expect(chain?.outcome).toBe('pass');
    expect(chain?.message).toContain('as kubeconfig /etc/kubernetes/admin.conf cluster test requires');
  });

  test('probeTargets gives every endpoint an observation', async () => {
    const out = await probeTargets(
      [
        { name: 'kube-apiserver', host: '127.0.0.1', port, from: 'test' },
        { name: 'kubelet', host: '127.0.0.1', port: silentPort, from: 'test' },
      ],
      200,
      () => new Date('2026-06-01T00:00:00Z'),
    );
    expect(out.probedAt).toBe('2026-06-01T00:00:00.000Z');
    expect(out.endpoints.map((e) => (e.error ? 'error' : 'chain'))).toEqual(['chain', 'error']);
  });
});
