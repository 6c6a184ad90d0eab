import { describe, expect, test } from '@jest/globals';
import type { Evidence, HostFile, KubeObject } from './evidence.js';
import { encryptionSetups, findApiServers, hostPathFor, parseFlags } from './apiserver.js';
import { classifyPrefix, kmsV2KeyId } from './encryption-probes.js';

function evidence(host: Record<string, HostFile>, pods?: KubeObject[]): Evidence {
  const ev: Evidence = {
    schemaVersion: 1,
    collectedAt: '2026-06-01T00:00:00Z',
    cluster: { name: 'c', platform: 'other', role: 'workload' },
    kube: {},
    host,
    probes: {},
    collectorErrors: [],
    source: 'test',
  };
  if (pods) ev.kube['pods'] = { status: 'ok', items: pods };
  return ev;
}
const file = (path: string, content: string, extra: Partial<HostFile> = {}): Record<string, HostFile> => ({
  [path]: { path, content, ...extra },
});

describe('parseFlags', () => {
  test('--flag=value, --flag value and bare booleans; the last repeat wins as in pflag', () => {
    const f = parseFlags(['kube-apiserver', '--a=1', '--b', '2', '--c', '--a=3']);
    expect(Object.fromEntries(f)).toEqual({ '--a': '3', '--b': '2', '--c': 'true' });
  });
});

describe('findApiServers and encryptionSetups', () => {
  test('a sh -c wrapper is split; the config path is mapped through mount and hostPath when they differ', () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver, namespace: kube-system}
spec:
  containers:
  - name: apiserver
    command: ["/bin/sh", "-c", "exec /usr/local/bin/kube-apiserver --secure-port=6443 --encryption-provider-config=/etc/enc/config.yaml"]
    volumeMounts:
    - {name: enc, mountPath: /etc/enc}
    - {name: enc-sub, mountPath: /etc/enc/config.yaml, subPath: config.yaml}
  volumes:
  - {name: enc, hostPath: {path: /srv/k8s/encryption}}
  - {name: enc-sub, configMap: {name: x}}
`;
    const host = {
      ...file('/etc/kubernetes/manifests/apiserver.yaml', manifest),
      ...file('/srv/k8s/encryption/config.yaml', 'kind: x'),
    };
    const { setups } = encryptionSetups(evidence(host));
    expect(setups).toHaveLength(1);
    expect(setups[0].flag).toEqual({
      name: '--encryption-provider-config',
      value: '/etc/enc/config.yaml',
      legacy: false,
    });
    expect(setups[0].hostPath).toBe('/srv/k8s/encryption/config.yaml');
    expect(setups[0].parsed).toMatchObject({ ok: false });
  });

  test('the longest mount wins, and a path outside every mount stays as it is', () => {
    const pod = {
      spec: {
        containers: [
          {
            name: 'kube-apiserver',
            volumeMounts: [
              { name: 'a', mountPath: '/etc' },
              { name: 'b', mountPath: '/etc/kubernetes/enc/' },
            ],
          },
        ],
        volumes: [
          { name: 'a', hostPath: { path: '/host-etc' } },
          { name: 'b', hostPath: { path: '/data/enc' } },
        ],
      },
    };
    const source = {
      kind: 'manifest' as const,
      label: 'x',
      ref: { kind: 'Pod' },
      flags: new Map<string, string>(),
      pod,
    };
    expect(hostPathFor(source, '/etc/kubernetes/enc/c.yaml')).toBe('/data/enc/c.yaml');
    expect(hostPathFor(source, '/etc/other.yaml')).toBe('/host-etc/other.yaml');
    expect(hostPathFor(source, '/var/x')).toBe('/var/x');
  });

  test('live pods are the fallback, one setup per distinct flag value; unreadable manifests are reported', () => {
    const pod = (name: string, flag: string): KubeObject => ({
      metadata: { name, namespace: 'kube-system', labels: { component: 'kube-apiserver' } },
      spec: { containers: [{ name: 'kube-apiserver', command: ['kube-apiserver', flag] }] },
    });
    const host = {
      '/etc/kubernetes/manifests/kube-apiserver.yaml': {
        path: '/etc/kubernetes/manifests/kube-apiserver.yaml',
        error: 'EACCES: permission denied',
      },
    };
    const ev = evidence(host, [
      pod('kube-apiserver-a', '--encryption-provider-config=/e/1.yaml'),
      pod('kube-apiserver-b', '--encryption-provider-config=/e/1.yaml'),
      pod('kube-apiserver-c', '--secure-port=6443'),
    ]);
    expect(findApiServers(ev).problems).toEqual([
      'could not read /etc/kubernetes/manifests/kube-apiserver.yaml: EACCES: permission denied',
    ]);
    const { setups } = encryptionSetups(ev);
    expect(setups.map((s) => [s.source.label, s.flag?.value])).toEqual([
      ['pod kube-system/kube-apiserver-a', '/e/1.yaml'],
      ['pod kube-system/kube-apiserver-c', undefined],
    ]);
    expect(setups[0].unreadable).toContain(
      '/e/1.yaml (named by --encryption-provider-config in pod kube-system/kube-apiserver-a) is not in the evidence',
    );
  });
});

describe('storage prefixes', () => {
  test('classifyPrefix reads only the prefix', () => {
    expect(classifyPrefix(Buffer.from('k8s\u0000\n\u0002v1'))).toMatchObject({ storage: 'plaintext' });
    expect(classifyPrefix(Buffer.from('k8s:enc:kms:v2:my-kms:\n\u0001x'))).toMatchObject({
      storage: 'kms-v2',
      name: 'my-kms',
      rest: 'k8s:enc:kms:v2:my-kms:'.length,
    });
    expect(classifyPrefix(Buffer.from('k8s:enc:aesgcm:v1:key2:xxxx'))).toMatchObject({
      storage: 'aesgcm',
      name: 'key2',
    });
    expect(classifyPrefix(Buffer.from('{"kind":"Secret"}'))).toMatchObject({ storage: 'unknown' });
  });

  test('kmsV2KeyId walks EncryptedObject past a large encryptedData field', () => {
    const data = Buffer.alloc(300, 7);
    // field 1 (bytes, length 300 = varint 0xac 0x02), field 2 keyID, field 5 varint enum
    const obj = Buffer.concat([
      Buffer.from([0x0a, 0xac, 0x02]),
      data,
      Buffer.from([0x12, 0x05]),
      Buffer.from('kek-9'),
      Buffer.from([0x28, 0x01]),
    ]);
    expect(kmsV2KeyId(obj)).toBe('kek-9');
    expect(kmsV2KeyId(Buffer.from([0x0a, 0xff]))).toBeUndefined();
  });
});
