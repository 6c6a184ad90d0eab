import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from '@jest/globals';
import { createCa, issueCertificate } from '@watchpost/shared';
import { readBundle } from './bundle.reader.js';
import { writeBundle } from './bundle.writer.js';
import { collectHostFiles } from './host.collector.js';

const SAMPLE = fileURLToPath(new URL('../../../../test/fixtures/bundles/aks-hci-workload', import.meta.url));
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'wp-bundle-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('bundle reader', () => {
  test('reads the sample bundle into Evidence', async () => {
    const ev = await readBundle(SAMPLE);
    expect(ev.cluster).toMatchObject({ name: 'hci-wl-retail', platform: 'aks-hci', role: 'workload' });
    expect(ev.collectedAt).toBe('2026-11-23T10:05:00.000Z');
    expect(ev.kube['pods']?.status).toBe('ok');
    expect(ev.host['/var/lib/kubelet/config.yaml']?.content).toContain('KubeletConfiguration');
    expect(ev.collectorErrors.filter((e) => e.source.startsWith('bundle/kube'))).toEqual([]);
  });

  test('a broken JSON file becomes a collector error naming it, and the rest still loads', async () => {
    const d = tmp();
    cpSync(SAMPLE, d, { recursive: true });
    writeFileSync(join(d, 'kube/pods.json'), '{"apiVersion":"v1","items":[{"metadata":');
    writeFileSync(join(d, 'kube/namespaces.json'), '{"kind":"Namespace","metadata":{"name":"x"}}');
    const ev = await readBundle(d);
    expect(ev.kube['pods']?.status).toBe('error');
    expect(ev.collectorErrors.find((e) => e.source === 'bundle/kube/pods.json')?.message).toMatch(
      /kube\/pods\.json is not valid JSON/,
    );
    expect(ev.collectorErrors.find((e) => e.source === 'bundle/kube/namespaces.json')?.message).toMatch(
      /not a Kubernetes List/,
    );
    expect(ev.kube['nodes']?.status).toBe('ok');
  });

  test('secrets keep only metadata, type and public certificates; last-applied annotations are dropped', async () => {
    const d = tmp();
    mkdirSync(join(d, 'kube'), { recursive: true });
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: {
        name: 'web-tls',
        namespace: 'web',
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"tls.key":"c2VjcmV0"}}',
          keep: 'yes',
        },
        managedFields: [{ manager: 'kubectl' }],
      },
      data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'c2VjcmV0', password: 'aHVudGVyMg==' },
    };
    writeFileSync(
      join(d, 'kube/secrets.json'),
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [secret] }),
    );
    const ev = await readBundle(d);
    const list = ev.kube['secrets'];
    expect(list?.status).toBe('ok');
    const text = JSON.stringify(list);
    expect(text).not.toContain('c2VjcmV0');
    expect(text).not.toContain('aHVudGVyMg');
    expect(text).not.toContain('managedFields');
    expect(text).toContain('Y2VydA==');
    expect(text).toContain('"keep":"yes"');
  });

  test('private keys are reduced to facts: the public-key hash matches the certificate, the key never enters Evidence', async () => {
    const d = tmp();
    const ca = createCa({ commonName: 'kubernetes', validDays: 3650 });
    const leaf = issueCertificate({ ca, commonName: 'kube-apiserver', usage: 'server', validDays: 365 });
    mkdirSync(join(d, 'host/etc/kubernetes/pki'), { recursive: true });
    writeFileSync(join(d, 'host/etc/kubernetes/pki/apiserver.crt'), leaf.certPem);
    writeFileSync(join(d, 'host/etc/kubernetes/pki/apiserver.key'), leaf.keyPem);
    chmodSync(join(d, 'host/etc/kubernetes/pki/apiserver.key'), 0o644);
    const ev = await readBundle(d);
    const key = ev.host['/etc/kubernetes/pki/apiserver.key'];
    expect(key.content).toBeUndefined();
    expect(key.mode).toBe(0o644);
    expect(key.privateKey?.type).toBe('rsa');
    const { X509Certificate, createHash } = await import('node:crypto');
    const spki = new X509Certificate(leaf.certPem).publicKey.export({ type: 'spki', format: 'der' });
    expect(key.privateKey?.publicKeySha256).toBe(createHash('sha256').update(spki).digest('hex'));
    expect(JSON.stringify(ev)).not.toContain('PRIVATE KEY');
    expect(ev.collectorErrors.some((e) => e.source === 'bundle/cluster.json')).toBe(true);
  });

  test('encryption configs lose their local keys on read; names and the rest stay', async () => {
    const d = tmp();
    mkdirSync(join(d, 'host/etc/kubernetes/enc'), { recursive: true });
    const key = Buffer.alloc(32, 7).toString('base64');
    writeFileSync(
      join(d, 'host/etc/kubernetes/enc/encryption-config.yaml'),
      `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - aescbc:\n          keys:\n            - name: key1\n              secret: ${key}\n      - identity: {}\n`,
    );
    const ev = await readBundle(d);
    const content = ev.host['/etc/kubernetes/enc/encryption-config.yaml']?.content ?? '';
    expect(content).toContain('key1');
    expect(content).toContain('aescbc');
    expect(content).not.toContain(key);
  });

  test('a file holding key and certificate keeps the certificate only; kubeconfig keys and tokens become facts', async () => {
    const d = tmp();
    const ca = createCa({ commonName: 'kubernetes', validDays: 3650 });
    const leaf = issueCertificate({ ca, commonName: 'system:node:moc-x', usage: 'client', validDays: 365 });
    mkdirSync(join(d, 'host/var/lib/kubelet/pki'), { recursive: true });
    mkdirSync(join(d, 'host/etc/kubernetes'), { recursive: true });
    writeFileSync(join(d, 'host/var/lib/kubelet/pki/kubelet-client-current.pem'), leaf.certPem + leaf.keyPem);
    const keyB64 = Buffer.from(leaf.keyPem).toString('base64');
    writeFileSync(
      join(d, 'host/etc/kubernetes/admin.conf'),
      `apiVersion: v1\nkind: Config\nusers:\n- name: kubernetes-admin\n  user:\n    client-certificate-data: ${Buffer.from(leaf.certPem).toString('base64')}\n    client-key-data: ${keyB64}\n- name: robot\n  user:\n    token: abc.def-very-secret\n`,
    );
    const ev = await readBundle(d);
    const pem = ev.host['/var/lib/kubelet/pki/kubelet-client-current.pem'];
    expect(pem.content).toContain('BEGIN CERTIFICATE');
    expect(pem.privateKey?.publicKeySha256).toMatch(/^[0-9a-f]{64}$/);
    const text = JSON.stringify(ev);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(keyB64);
    expect(text).not.toContain('very-secret');
    const conf = ev.host['/etc/kubernetes/admin.conf'].content!;
    expect(conf).toContain(
      `client-key-data: watchpost-redacted:publicKeySha256=${pem.privateKey!.publicKeySha256},type=rsa`,
    );
    // collect keeps the facts (collection.json) and reading the bundle back restores them
    const out = tmp();
    await writeBundle(ev, out);
    const again = await readBundle(out);
    expect(again.host['/var/lib/kubelet/pki/kubelet-client-current.pem']?.privateKey).toEqual(pem.privateKey);
    expect(JSON.stringify(again)).not.toContain('very-secret');
  });

  test('collect → bundle → read gives back the same evidence (minus private keys)', async () => {
    const ev = await readBundle(SAMPLE);
    const out = tmp();
    await writeBundle(ev, out);
    const again = await readBundle(out);
    expect(again.cluster).toEqual(ev.cluster);
    expect(again.kube).toEqual(ev.kube);
    expect(Object.keys(again.host).sort()).toEqual(Object.keys(ev.host).sort());
    expect(JSON.parse(readFileSync(join(out, 'collection.json'), 'utf8'))).toHaveProperty('collectorErrors');
  });

  test('a missing folder is a clear error', async () => {
    await expect(readBundle('/nonexistent/bundle')).rejects.toThrow(
      'bundle folder /nonexistent/bundle does not exist',
    );
  });
});

describe('host collector', () => {
  test('expands candidate paths per layout under a host root, records modes, skips absent files', async () => {
    const root = tmp();
    mkdirSync(join(root, 'etc/kubernetes/pki/etcd'), { recursive: true });
    mkdirSync(join(root, 'etc/kubernetes/manifests'), { recursive: true });
    writeFileSync(join(root, 'etc/kubernetes/pki/etcd/ca.crt'), 'not really a cert');
    writeFileSync(join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml'), 'apiVersion: v1\nkind: Pod\n');
    writeFileSync(join(root, 'etc/kubernetes/admin.conf'), 'apiVersion: v1\nkind: Config\n', { mode: 0o600 });
    writeFileSync(join(root, 'etc/kubernetes/manifests/README'), 'not yaml');
    const { host, errors } = await collectHostFiles({ root });
    expect(Object.keys(host).sort()).toEqual([
      '/etc/kubernetes/admin.conf',
      '/etc/kubernetes/manifests/kube-apiserver.yaml',
      '/etc/kubernetes/pki/etcd/ca.crt',
    ]);
    expect(host['/etc/kubernetes/admin.conf']?.mode).toBe(0o600);
    expect(errors).toEqual([]);
  });
});
