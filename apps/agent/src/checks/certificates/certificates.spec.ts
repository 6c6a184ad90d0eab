import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Evidence } from '@watchpost/shared';
import { readBundle } from '../../collectors/bundle.reader.js';
import { runChecks } from '../../scan/runner.js';
import { b64, issue, type TestCert } from '../../testing/fixture-pki.js';
import { certificateInventory } from './lib/inventory.js';
import { parsePemCertificates } from './lib/x509.js';
import { observeCertificates } from './observe.js';

const NOW = new Date('2026-06-01T00:00:00Z');
let ca: TestCert;
let leaf: TestCert;
let dir: string;

function evidence(partial: Partial<Evidence>): Evidence {
  return {
    schemaVersion: 1,
    collectedAt: NOW.toISOString(),
    cluster: { name: 't', platform: 'other', role: 'workload' },
    kube: {},
    host: {},
    probes: {},
    collectorErrors: [],
    source: 'test',
    ...partial,
  };
}

beforeAll(async () => {
  ca = issue({
    cn: 'kubernetes',
    notBefore: '2025-01-10T00:00:00Z',
    notAfter: '2055-01-10T00:00:00Z',
    ca: true,
  });
  leaf = issue({
    cn: 'kube-apiserver',
    issuer: ca,
    notBefore: '2026-01-10T00:00:00Z',
    notAfter: '2027-01-10T00:00:00Z',
  });
  dir = await mkdtemp(join(tmpdir(), 'wp-certs-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('x509 facts from the DER', () => {
  test('reads UTCTime and GeneralizedTime (years from 2050) exactly, and the signature algorithm', () => {
    const parsed = parsePemCertificates(ca.certPem + leaf.certPem);
    if (!parsed.ok) throw new Error(parsed.reason);
    const [c, l] = parsed.certs;
    expect(c.notAfter.toISOString()).toBe('2055-01-10T00:00:00.000Z');
    expect(l.notBefore.toISOString()).toBe('2026-01-10T00:00:00.000Z');
    expect(l.signature.name).toBe('sha256WithRSAEncryption');
    expect([c.isCa, c.selfSigned, l.selfSigned]).toEqual([true, true, false]);
  });
});

describe('certificate identities for the history', () => {
  test('stable per place: file path, kubeconfig user, endpoint, secret, webhook', () => {
    const ev = evidence({
      host: {
        '/etc/kubernetes/pki/apiserver.crt': {
          path: '/etc/kubernetes/pki/apiserver.crt',
          content: leaf.certPem + ca.certPem,
        },
        '/etc/kubernetes/admin.conf': {
          path: '/etc/kubernetes/admin.conf',
          content: `apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: kubernetes-admin\n  user:\n    client-certificate-data: ${b64(leaf.certPem)}\n`,
        },
      },
      kube: {
        secrets: {
          status: 'ok',
          items: [
            {
              metadata: { name: 'web-tls', namespace: 'shop' },
              type: 'kubernetes.io/tls',
              data: { 'tls.crt': b64(leaf.certPem) },
            },
          ],
        },
        'validatingwebhookconfigurations.admissionregistration.k8s.io': {
          status: 'ok',
          items: [
            {
              metadata: { name: 'policy' },
              webhooks: [{ name: 'v.policy.io', clientConfig: { caBundle: b64(ca.certPem) } }],
            },
          ],
        },
      },
      probes: {
        'tls-endpoints': {
          probedAt: NOW.toISOString(),
          endpoints: [
            { name: 'kube-apiserver', host: '10.0.0.10', port: 6443, from: 'test', chainPem: [leaf.certPem] },
          ],
        },
      },
    });
    const seen = observeCertificates(ev);
    expect(Object.keys(seen).sort()).toEqual([
      '/etc/kubernetes/pki/apiserver.crt',
      '/etc/kubernetes/pki/apiserver.crt#2',
      'endpoint:10.0.0.10:6443',
      'kubeconfig:/etc/kubernetes/admin.conf#kubernetes-admin',
      'secret:shop/web-tls',
      'webhook:ValidatingWebhookConfiguration/policy/v.policy.io',
    ]);
    expect(seen['secret:shop/web-tls']).toEqual({
      serial: leaf.cert.serialNumber.toUpperCase(),
      notBefore: '2026-01-10T00:00:00.000Z',
      notAfter: '2027-01-10T00:00:00.000Z',
    });
    // The same certificate at five places is judged once, naming the other places.
    const expiry = runChecks(ev, { now: NOW, only: ['cert-expiry'] }).results;
    expect(expiry).toHaveLength(1);
    expect(expiry[0].evidence?.['alsoAt']).toHaveLength(3);
  });

  test('a kubeconfig naming a key+cert file the collector reduced to key facts is an error, never a silent pass', () => {
    const ev = evidence({
      host: {
        '/etc/kubernetes/kubelet.conf': {
          path: '/etc/kubernetes/kubelet.conf',
          content:
            'apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: default-auth\n  user:\n    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem\n    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem\n',
        },
        '/var/lib/kubelet/pki/kubelet-client-current.pem': {
          path: '/var/lib/kubelet/pki/kubelet-client-current.pem',
          mode: 0o600,
          privateKey: { type: 'rsa', publicKeySha256: 'ab' },
        },
      },
    });
    expect(certificateInventory(ev).problems.map((p) => p.message)).toEqual([
      expect.stringContaining(
        '/var/lib/kubelet/pki/kubelet-client-current.pem (kubeconfig /etc/kubernetes/kubelet.conf user default-auth) holds a private key',
      ),
    ]);
    expect(runChecks(ev, { now: NOW, only: ['cert-expiry'] }).results.map((r) => r.outcome)).toEqual([
      'error',
    ]);
  });
});

describe('cert-key-file-permissions on a real bundle folder', () => {
  test('0600 passes, 0640 fails naming group; modes come from the files themselves', async () => {
    const pki = join(dir, 'host/etc/kubernetes/pki');
    await mkdir(pki, { recursive: true });
    await writeFile(
      join(dir, 'cluster.json'),
      JSON.stringify({ name: 'perm', platform: 'other', role: 'workload', collectedAt: NOW.toISOString() }),
    );
    await writeFile(join(pki, 'apiserver.key'), leaf.keyPem);
    await writeFile(join(pki, 'ca.key'), ca.keyPem);
    await chmod(join(pki, 'apiserver.key'), 0o600);
    await chmod(join(pki, 'ca.key'), 0o640);
    const ev = await readBundle(dir);
    const results = runChecks(ev, { now: NOW, only: ['cert-key-file-permissions'] }).results;
    expect(results.map((r) => `${r.resource.path} ${r.outcome}`)).toEqual([
      '/etc/kubernetes/pki/apiserver.key pass',
      '/etc/kubernetes/pki/ca.key fail',
    ]);
    expect(results[1].message).toContain('mode 0640: readable or writable by group');
    // Key material never reaches results.
    expect(JSON.stringify(results)).not.toContain('PRIVATE KEY');
  });
});

describe('--at projections', () => {
  test('a kubeadm leaf moves from pass to warn to fail as --at moves; an AKS hybrid 4-day leaf keeps renewing', () => {
    const ev = evidence({
      host: {
        '/etc/kubernetes/pki/apiserver.crt': {
          path: '/etc/kubernetes/pki/apiserver.crt',
          content: leaf.certPem,
        },
      },
    });
    const at = (iso: string) =>
      runChecks(ev, { now: new Date(iso), only: ['cert-expiry'] }).results[0].outcome;
    expect([
      at('2026-06-01T00:00:00Z'),
      at('2026-12-01T00:00:00Z'),
      at('2026-12-31T00:00:00Z'),
      at('2027-02-01T00:00:00Z'),
    ]).toEqual(['pass', 'warn', 'fail', 'fail']);
    const short = issue({
      cn: 'kube-apiserver',
      issuer: ca,
      notBefore: '2026-05-31T00:00:00Z',
      notAfter: '2026-06-04T00:00:00Z',
    });
    const hci = evidence({
      cluster: { name: 'hci', platform: 'aks-hci', role: 'workload' },
      host: {
        '/etc/kubernetes/pki/apiserver.crt': {
          path: '/etc/kubernetes/pki/apiserver.crt',
          content: short.certPem,
        },
      },
    });
    const r = runChecks(hci, {
      now: new Date('2026-07-01T00:00:00Z'),
      only: ['cert-expiry', 'cert-rotation-overdue', 'aks-hci-offline-certificates'],
    }).results;
    expect(r.map((x) => `${x.checkId} ${x.outcome}`)).toEqual([
      'cert-expiry pass',
      'cert-rotation-overdue pass',
      'aks-hci-offline-certificates pass',
    ]);
  });
});
