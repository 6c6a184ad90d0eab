/* eslint-disable @nx/enforce-module-boundaries -- these specs drive the agent's probes and checks directly against real
   servers; the agent app has no package entry point for its internals, so they are imported by path. */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Etcd3 } from 'etcd3';
import type { Evidence, HostFile, ProbeResults } from '@watchpost/shared';
import { DEFAULT_CHECK_OPTIONS } from '../../apps/agent/src/checks/check.js';
import { etcdSecretsCiphertext } from '../../apps/agent/src/checks/encryption/etcd-secrets-ciphertext.check.js';
import {
  collectEtcdSecrets,
  DEFAULT_ETCD_SAMPLE,
} from '../../apps/agent/src/collectors/probes/etcd-secrets.probe.js';
import { startEtcd, type TestEtcd } from '../support/etcd-server.js';

// The etcd sample against a real etcd with TLS and client-certificate auth, holding values written with
// every storage prefix the API server uses (DESIGN.md section 10).

const MARKER = 'VALUE-MUST-NOT-LEAK';
let etcd: TestEtcd;
let client: Etcd3;
let hostRoot: string;

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
const field = (no: number, bytes: Buffer) => Buffer.concat([varint(no * 8 + 2), varint(bytes.length), bytes]);

/** A KMS v2 value as kube-apiserver stores it: prefix + EncryptedObject{encryptedData=1, keyID=2, encryptedDEKSource=3}. */
function kmsV2Value(provider: string, keyId: string): Buffer {
  const obj = Buffer.concat([
    field(1, Buffer.concat([randomBytes(180), Buffer.from(MARKER)])),
    field(2, Buffer.from(keyId)),
    field(3, randomBytes(256)),
  ]);
  return Buffer.concat([Buffer.from(`k8s:enc:kms:v2:${provider}:`), obj]);
}
const kmsV1Value = (provider: string) =>
  Buffer.concat([
    Buffer.from(`k8s:enc:kms:v1:${provider}:`),
    Buffer.from([0x01, 0x00]),
    randomBytes(256),
    Buffer.from(MARKER),
  ]);
const localValue = (type: string, key: string) =>
  Buffer.concat([Buffer.from(`k8s:enc:${type}:v1:${key}:`), randomBytes(64), Buffer.from(MARKER)]);
// Plaintext: the protobuf magic then a v1 Secret, with the data in the clear.
const plainValue = () =>
  Buffer.concat([Buffer.from('k8s\u0000'), Buffer.from(`\n\x0c\n\x02v1\x12\x06Secret\x12...${MARKER}`)]);

function manifest(endpoint: string, extra = ''): string {
  return `apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver, namespace: kube-system, labels: {component: kube-apiserver}}
spec:
  containers:
  - name: kube-apiserver
    command:
    - kube-apiserver
    - --encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml
    - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt
    - --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt
    - --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key
    - --etcd-servers=${endpoint}${extra}
    volumeMounts:
    - {name: k8s-certs, mountPath: /etc/kubernetes/pki, readOnly: true}
    - {name: enc, mountPath: /etc/kubernetes/enc, readOnly: true}
  volumes:
  - {name: k8s-certs, hostPath: {path: /etc/kubernetes/pki}}
  - {name: enc, hostPath: {path: /etc/kubernetes/enc}}
`;
}
const KMS_V2_CONFIG = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - kms: {apiVersion: v2, name: kms-plugin, endpoint: "unix:///var/run/kmsplugin/kms.sock"}
      - aescbc: {keys: [{name: key1, secret: "watchpost-redacted:32-bytes"}]}
      - identity: {}
`;

function hostFiles(manifestText: string): Record<string, HostFile> {
  const m = '/etc/kubernetes/manifests/kube-apiserver.yaml';
  const c = '/etc/kubernetes/enc/encryption-config.yaml';
  return {
    [m]: { path: m, mode: 0o600, content: manifestText },
    [c]: { path: c, mode: 0o600, content: KMS_V2_CONFIG },
  };
}

function evidence(
  host: Record<string, HostFile>,
  probe: ProbeResults['etcd-secrets'],
  currentKeyId: string,
): Evidence {
  return {
    schemaVersion: 1,
    collectedAt: '2026-06-01T00:00:00.000Z',
    cluster: { name: 'lab', platform: 'other', role: 'management' },
    kube: {},
    host,
    probes: {
      'etcd-secrets': probe,
      kms: {
        providers: [
          {
            name: 'kms-plugin',
            apiVersion: 'v2',
            endpoint: 'unix:///var/run/kmsplugin/kms.sock',
            resources: ['secrets'],
            healthz: 'ok',
            version: 'v2',
            keyId: currentKeyId,
          },
        ],
      },
    },
    collectorErrors: [],
    source: 'live',
  };
}

beforeAll(async () => {
  etcd = await startEtcd();
  // The node's view: etcd client files at the kubeadm paths under a host root.
  hostRoot = mkdtempSync(join(tmpdir(), 'wp-etcd-host-'));
  const put = (from: string, to: string) => {
    mkdirSync(dirname(join(hostRoot, to)), { recursive: true });
    copyFileSync(from, join(hostRoot, to));
  };
  put(etcd.pki.caCert, '/etc/kubernetes/pki/etcd/ca.crt');
  put(etcd.pki.clientCert, '/etc/kubernetes/pki/apiserver-etcd-client.crt');
  put(etcd.pki.clientKey, '/etc/kubernetes/pki/apiserver-etcd-client.key');
  put(etcd.pki.strangerCert, '/stranger/apiserver-etcd-client.crt');
  put(etcd.pki.strangerKey, '/stranger/apiserver-etcd-client.key');

  client = new Etcd3({
    hosts: etcd.endpoint,
    credentials: {
      rootCertificate: await readBuf(etcd.pki.caCert),
      certChain: await readBuf(etcd.pki.clientCert),
      privateKey: await readBuf(etcd.pki.clientKey),
    },
  });
  const writes: [string, Buffer][] = [
    ['/registry/secrets/default/db-password', plainValue()],
    ['/registry/secrets/kube-system/bootstrap-token-abcdef', plainValue()],
    ['/registry/secrets/default/old-aescbc', localValue('aescbc', 'key1')],
    ['/registry/secrets/default/old-aesgcm', localValue('aesgcm', 'gcm-2025')],
    ['/registry/secrets/default/old-secretbox', localValue('secretbox', 'box-1')],
    ['/registry/secrets/default/old-kms-v1', kmsV1Value('aks-hybrid-kms')],
    ['/registry/configmaps/default/not-a-secret', plainValue()],
  ];
  for (let i = 0; i < 6; i++)
    writes.push([`/registry/secrets/apps/current-${i}`, kmsV2Value('kms-plugin', 'kek-2026-06')]);
  for (let i = 0; i < 3; i++)
    writes.push([`/registry/secrets/apps/previous-${i}`, kmsV2Value('kms-plugin', 'kek-2026-05')]);
  // A second keyspace (--etcd-prefix) where everything is under the current key.
  for (let i = 0; i < 40; i++)
    writes.push([
      `/clean/secrets/ns-${String(i % 7)}/s-${String(i).padStart(2, '0')}`,
      kmsV2Value('kms-plugin', 'kek-2026-06'),
    ]);
  for (const [k, v] of writes) await client.put(k).value(v);
}, 60_000);

async function readBuf(p: string): Promise<Buffer> {
  const { readFile } = await import('node:fs/promises');
  return readFile(p);
}

afterAll(async () => {
  client?.close();
  await etcd?.stop();
  if (hostRoot) rmSync(hostRoot, { recursive: true, force: true });
});

describe('etcd-secrets probe against a real etcd over mTLS', () => {
  test('classifies every prefix, reads the KMS v2 key id, and keeps no value', async () => {
    const host = hostFiles(manifest(etcd.endpoint));
    const result = await collectEtcdSecrets({ host, kube: {}, timeoutMs: 10_000, hostRoot });
    expect('error' in result ? result.error : '').toBe('');
    if ('error' in result) return;
    expect(result).toMatchObject({
      endpoints: [etcd.endpoint],
      prefix: '/registry/secrets/',
      total: 15,
      sampled: 15,
    });
    const groups = Object.fromEntries(
      result.groups.map((g) => [`${g.storage}|${g.name ?? ''}|${g.keyId ?? ''}`, g.count]),
    );
    expect(groups).toEqual({
      'kms-v2|kms-plugin|kek-2026-06': 6,
      'kms-v2|kms-plugin|kek-2026-05': 3,
      'plaintext||': 2,
      'aescbc|key1|': 1,
      'aesgcm|gcm-2025|': 1,
      'secretbox|box-1|': 1,
      'kms-v1|aks-hybrid-kms|': 1,
    });
    expect(result.groups.find((g) => g.storage === 'plaintext')?.examples.sort()).toEqual([
      'default/db-password',
      'kube-system/bootstrap-token-abcdef',
    ]);
    expect(JSON.stringify(result)).not.toContain(MARKER);

    // The check over that sample: plaintext secrets are a failure, whatever else is there.
    const [finding] = etcdSecretsCiphertext.run({
      evidence: evidence(host, result, 'kek-2026-06'),
      now: new Date('2026-06-01T00:00:00Z'),
      options: DEFAULT_CHECK_OPTIONS,
    });
    expect(finding).toMatchObject({ outcome: 'fail' });
    expect(finding.message).toContain('2 of all 15 secrets in etcd are stored in plaintext');
  });

  test('a bounded, evenly spread sample over paged keys; all under the current key passes', async () => {
    const host = hostFiles(manifest(etcd.endpoint, '\n    - --etcd-prefix=/clean'));
    const result = await collectEtcdSecrets(
      { host, kube: {}, timeoutMs: 10_000, hostRoot },
      { ...DEFAULT_ETCD_SAMPLE, sampleLimit: 10, pageSize: 7 },
    );
    if ('error' in result) throw new Error(result.error);
    expect(result).toMatchObject({ prefix: '/clean/secrets/', total: 40, sampled: 10, sampleLimit: 10 });
    expect(result.groups).toEqual([
      expect.objectContaining({ storage: 'kms-v2', keyId: 'kek-2026-06', count: 10 }),
    ]);
    // Spread, not the first ten: every 4th key of the sorted keyspace (indices 0, 4, 8 are the first three).
    const sorted = [...Array(40).keys()]
      .map((i) => `ns-${String(i % 7)}/s-${String(i).padStart(2, '0')}`)
      .sort();
    expect(result.groups[0].examples).toEqual([sorted[0], sorted[4], sorted[8]]);
    const [finding] = etcdSecretsCiphertext.run({
      evidence: evidence(host, result, 'kek-2026-06'),
      now: new Date(),
      options: DEFAULT_CHECK_OPTIONS,
    });
    expect(finding).toMatchObject({ outcome: 'pass' });
    // After a rotation the plugin reports a newer key: the same storage is now stale.
    const [stale] = etcdSecretsCiphertext.run({
      evidence: evidence(host, result, 'kek-2026-07'),
      now: new Date(),
      options: DEFAULT_CHECK_OPTIONS,
    });
    expect(stale).toMatchObject({ outcome: 'warn' });
    expect(stale.message).toContain(
      'key kek-2026-06, not the current write provider kms v2 "kms-plugin" key kek-2026-07',
    );
  });

  test('a client certificate from another CA is refused: an error result, not an exception', async () => {
    const text = manifest(etcd.endpoint).replace(
      /\/etc\/kubernetes\/pki\/apiserver-etcd-client/g,
      '/stranger/apiserver-etcd-client',
    );
    const host = hostFiles(text);
    const result = await collectEtcdSecrets({ host, kube: {}, timeoutMs: 3000, hostRoot });
    expect('error' in result && result.error).toMatch(
      /could not read \/registry\/secrets\/ from etcd: .*(certificate|handshake|UNAVAILABLE|connect)/i,
    );
    const [finding] = etcdSecretsCiphertext.run({
      evidence: evidence(host, result, 'x'),
      now: new Date(),
      options: DEFAULT_CHECK_OPTIONS,
    });
    expect(finding).toMatchObject({ outcome: 'error' });
  });

  test('unreadable client key and no manifest are errors naming what is missing', async () => {
    const noKey = manifest(etcd.endpoint).replace(
      '--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key',
      '--etcd-keyfile=/etc/kubernetes/pki/missing.key',
    );
    const r1 = await collectEtcdSecrets({ host: hostFiles(noKey), kube: {}, timeoutMs: 2000, hostRoot });
    expect('error' in r1 && r1.error).toContain('ENOENT');
    const r2 = await collectEtcdSecrets({ host: {}, kube: {}, timeoutMs: 2000, hostRoot });
    expect('error' in r2 && r2.error).toContain('no kube-apiserver static pod manifest');
  });
});
