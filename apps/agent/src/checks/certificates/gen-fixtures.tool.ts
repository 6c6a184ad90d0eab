// Authoring tool: regenerates the certificate fixture bundles under test/fixtures/checks/<id>/ with real
// certificates (fresh keys each run; the PEMs are committed). Run: npx tsx --conditions=watchpost-source
// apps/agent/src/checks/certificates/gen-fixtures.tool.ts
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { b64, issue, rsaKeyPem, type TestCert } from '../../testing/fixture-pki.js';

const ROOT = fileURLToPath(new URL('../../../../../test/fixtures/checks', import.meta.url));
const NOW = '2026-06-01T00:00:00Z';
const PKI = '/etc/kubernetes/pki';

interface Bundle {
  cluster?: Record<string, unknown>;
  host?: Record<string, string>;
  kube?: Record<string, unknown[]>;
  probes?: Record<string, unknown>;
  history?: unknown;
  expect?: Record<string, unknown>;
}

function write(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

function bundle(id: string, name: string, b: Bundle): void {
  const dir = join(ROOT, id, name);
  rmSync(dir, { recursive: true, force: true });
  write(
    join(dir, 'cluster.json'),
    JSON.stringify(
      { name: 'kubeadm-lab', platform: 'other', role: 'workload', collectedAt: NOW, ...b.cluster },
      null,
      2,
    ) + '\n',
  );
  for (const [path, content] of Object.entries(b.host ?? {})) write(join(dir, 'host', path), content);
  for (const [res, items] of Object.entries(b.kube ?? {}))
    write(
      join(dir, 'kube', `${res}.json`),
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }, null, 2) +
        '\n',
    );
  for (const [p, v] of Object.entries(b.probes ?? {}))
    write(join(dir, 'probes', `${p}.json`), JSON.stringify(v, null, 2) + '\n');
  if (b.history) write(join(dir, 'history.json'), JSON.stringify(b.history, null, 2) + '\n');
  if (b.expect) write(join(dir, 'expect.json'), JSON.stringify(b.expect, null, 2) + '\n');
}

const AKS_HCI = { name: 'hci-wl-01', platform: 'aks-hci', role: 'workload', location: 'hci-cluster-a' };

function kubeconfig(o: {
  server?: string;
  ca: TestCert;
  user: string;
  cert?: TestCert;
  certPath?: string;
  keyPath?: string;
  embedKey?: boolean;
}): string {
  const userLines = o.cert
    ? [
        `    client-certificate-data: ${b64(o.cert.certPem)}`,
        ...(o.embedKey === false ? [] : [`    client-key-data: ${b64(o.cert.keyPem)}`]),
      ]
    : [`    client-certificate: ${o.certPath ?? ''}`, `    client-key: ${o.keyPath ?? ''}`];
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(o.ca.certPem)}`,
    `    server: ${o.server ?? 'https://10.0.0.10:6443'}`,
    '  name: kubernetes',
    'contexts:',
    '- context:',
    '    cluster: kubernetes',
    `    user: ${o.user}`,
    `  name: ${o.user}@kubernetes`,
    `current-context: ${o.user}@kubernetes`,
    'kind: Config',
    'preferences: {}',
    'users:',
    `- name: ${o.user}`,
    '  user:',
    ...userLines,
    '',
  ].join('\n');
}

function staticPodManifest(component: string, flags: Record<string, string>, inArgs = false): string {
  const flagLines = Object.entries(flags).map(([k, v]) => `    - --${k}=${v}`);
  const lines = inArgs
    ? ['    command:', `    - ${component}`, '    args:', ...flagLines]
    : ['    command:', `    - ${component}`, ...flagLines];
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${component}`,
    '  namespace: kube-system',
    '  labels:',
    `    component: ${component}`,
    '    tier: control-plane',
    'spec:',
    '  containers:',
    `  - name: ${component}`,
    `    image: registry.k8s.io/${component}:v1.31.4`,
    ...lines,
    '  hostNetwork: true',
    '  priorityClassName: system-node-critical',
    '',
  ].join('\n');
}

function kubeletConfig(extra: string[]): string {
  return [
    'apiVersion: kubelet.config.k8s.io/v1beta1',
    'kind: KubeletConfiguration',
    'authentication:',
    '  anonymous:',
    '    enabled: false',
    '  webhook:',
    '    enabled: true',
    '  x509:',
    `    clientCAFile: ${PKI}/ca.crt`,
    'authorization:',
    '  mode: Webhook',
    'cgroupDriver: systemd',
    'clusterDNS:',
    '- 10.96.0.10',
    'clusterDomain: cluster.local',
    'staticPodPath: /etc/kubernetes/manifests',
    ...extra,
    '',
  ].join('\n');
}

function tlsSecret(
  ns: string,
  name: string,
  crt: string,
  annotations?: Record<string, string>,
  ca?: string,
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace: ns,
      uid: `uid-${ns}-${name}`,
      creationTimestamp: '2026-03-01T10:00:00Z',
      ...(annotations ? { annotations } : {}),
    },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': b64(crt), ...(ca ? { 'ca.crt': b64(ca) } : {}) },
  };
}

function webhookConfig(
  kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration',
  name: string,
  hook: string,
  caBundle: string,
  svc: { ns: string; name: string },
): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: { name, uid: `uid-${name}`, creationTimestamp: '2026-01-15T09:00:00Z' },
    webhooks: [
      {
        name: hook,
        admissionReviewVersions: ['v1'],
        clientConfig: {
          caBundle,
          service: { namespace: svc.ns, name: svc.name, path: '/validate', port: 443 },
        },
        failurePolicy: 'Fail',
        sideEffects: 'None',
        rules: [
          {
            apiGroups: ['apps'],
            apiVersions: ['v1'],
            operations: ['CREATE', 'UPDATE'],
            resources: ['deployments'],
            scope: '*',
          },
        ],
      },
    ],
  };
}

function csr(
  name: string,
  o: {
    created: string;
    signer: string;
    user: string;
    conditions?: Record<string, unknown>[];
    certificate?: string;
  },
): Record<string, unknown> {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name, uid: `uid-${name}`, creationTimestamp: o.created },
    spec: {
      request: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K',
      signerName: o.signer,
      username: o.user,
      groups: ['system:nodes', 'system:authenticated'],
      usages: o.signer.endsWith('kubelet-serving')
        ? ['digital signature', 'server auth']
        : ['digital signature', 'client auth'],
    },
    status: {
      ...(o.conditions ? { conditions: o.conditions } : {}),
      ...(o.certificate ? { certificate: o.certificate } : {}),
    },
  };
}

function probe(endpoints: Record<string, unknown>[]): Record<string, unknown> {
  return { probedAt: NOW, endpoints };
}

const GARBAGE = 'this file was truncated during a copy\n';
const day = (iso: string, days: number) => new Date(Date.parse(iso) + days * 86_400_000).toISOString();

function ecCertPem(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wp-ec-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
        '-days',
        '3650',
        '-subj',
        '/CN=metrics-ec-ca',
      ],
      { stdio: 'ignore' },
    );
    return readFileSync(join(dir, 'c.pem'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------- shared kubeadm PKI, issued 2026-01-10 (one-year leaves, ten-year CAs) ----------
const ca = issue({
  cn: 'kubernetes',
  notBefore: '2025-01-10T00:00:00Z',
  notAfter: '2035-01-08T00:00:00Z',
  ca: true,
});
const leafValidity = { notBefore: '2026-01-10T00:00:00Z', notAfter: '2027-01-10T00:00:00Z' };
const apiserver = issue({
  cn: 'kube-apiserver',
  issuer: ca,
  ...leafValidity,
  dns: ['kubernetes', 'kubernetes.default', 'cp-1'],
  ips: ['10.96.0.1', '10.0.0.10'],
});
const admin = issue({
  cn: 'kubernetes-admin',
  o: 'kubeadm:cluster-admins',
  issuer: ca,
  ...leafValidity,
  usage: 'client',
});
const apiManifest = staticPodManifest('kube-apiserver', {
  'advertise-address': '10.0.0.10',
  'client-ca-file': `${PKI}/ca.crt`,
  'secure-port': '6443',
  'tls-cert-file': `${PKI}/apiserver.crt`,
  'tls-private-key-file': `${PKI}/apiserver.key`,
});

// ---------- cert-expiry ----------
bundle('cert-expiry', 'pass.kubeadm-leaves', {
  host: {
    [`${PKI}/ca.crt`]: ca.certPem,
    [`${PKI}/apiserver.crt`]: apiserver.certPem,
    '/etc/kubernetes/admin.conf': kubeconfig({ ca, user: 'kubernetes-admin', cert: admin }),
  },
});
{
  const hciCa = issue({
    cn: 'kubernetes',
    notBefore: '2025-11-01T00:00:00Z',
    notAfter: '2035-10-30T00:00:00Z',
    ca: true,
  });
  const leaf = issue({
    cn: 'kube-apiserver',
    issuer: hciCa,
    notBefore: '2026-05-31T00:00:00Z',
    notAfter: '2026-06-04T00:00:00Z',
  });
  bundle('cert-expiry', 'pass.aks-hci-4-day-leaf-1-day-in', {
    cluster: AKS_HCI,
    host: { [`${PKI}/ca.crt`]: hciCa.certPem, [`${PKI}/apiserver.crt`]: leaf.certPem },
    expect: { messageIncludes: ['4d lifetime'] },
  });
  bundle('cert-expiry', 'pass.aks-hci-auto-renewed-at-plus-30d', {
    cluster: AKS_HCI,
    host: { [`${PKI}/ca.crt`]: hciCa.certPem, [`${PKI}/apiserver.crt`]: leaf.certPem },
    expect: { at: '2026-07-01T00:00:00Z', messageIncludes: ['will have been replaced'] },
  });
  const late = issue({
    cn: 'kube-apiserver',
    issuer: hciCa,
    notBefore: '2026-05-28T06:00:00Z',
    notAfter: '2026-06-01T06:00:00Z',
  });
  bundle('cert-expiry', 'fail.aks-hci-4-day-leaf-6-hours-left', {
    cluster: AKS_HCI,
    host: { [`${PKI}/ca.crt`]: hciCa.certPem, [`${PKI}/apiserver.crt`]: late.certPem },
    expect: { messageIncludes: ['yet it has not been renewed'] },
  });
}
bundle('cert-expiry', 'warn.kubeadm-leaf-50-days-left', {
  host: {
    [`${PKI}/apiserver.crt`]: issue({
      cn: 'kube-apiserver',
      issuer: ca,
      notBefore: '2025-07-21T00:00:00Z',
      notAfter: '2026-07-21T00:00:00Z',
    }).certPem,
  },
  expect: { count: 1, messageIncludes: ['50 days left'] },
});
bundle('cert-expiry', 'fail.kubeconfig-client-expired', {
  host: {
    '/etc/kubernetes/admin.conf': kubeconfig({
      ca,
      user: 'kubernetes-admin',
      cert: issue({
        cn: 'kubernetes-admin',
        o: 'kubeadm:cluster-admins',
        issuer: ca,
        notBefore: '2025-05-20T00:00:00Z',
        notAfter: '2026-05-20T00:00:00Z',
        usage: 'client',
      }),
    }),
  },
  expect: {
    messageIncludes: ['kubeconfig /etc/kubernetes/admin.conf user kubernetes-admin', 'expired 2026-05-20'],
  },
});
bundle('cert-expiry', 'fail.at-plus-30d-kubeadm-leaf', {
  host: {
    [`${PKI}/apiserver.crt`]: issue({
      cn: 'kube-apiserver',
      issuer: ca,
      notBefore: '2025-06-20T00:00:00Z',
      notAfter: '2026-06-20T00:00:00Z',
    }).certPem,
  },
  expect: { at: '2026-07-01T00:00:00Z', messageIncludes: ['expired 2026-06-20'] },
});
{
  const issuer = issue({
    cn: 'letsencrypt-like-r3',
    notBefore: '2025-01-01T00:00:00Z',
    notAfter: '2030-01-01T00:00:00Z',
    ca: true,
  });
  bundle('cert-expiry', 'warn.tls-secret-15-days-of-90', {
    cluster: { name: 'aks-prod-weu', platform: 'aks', role: 'workload' },
    kube: {
      secrets: [
        tlsSecret(
          'shop',
          'shop-tls',
          issue({
            cn: 'shop.example.com',
            issuer,
            notBefore: '2026-03-18T00:00:00Z',
            notAfter: '2026-06-16T00:00:00Z',
            dns: ['shop.example.com'],
          }).certPem,
        ),
      ],
    },
    expect: { messageIncludes: ['secret shop/shop-tls tls.crt'] },
  });
}
bundle('cert-expiry', 'error.not-a-certificate', {
  host: { [`${PKI}/apiserver.crt`]: GARBAGE, [`${PKI}/ca.crt`]: ca.certPem },
  expect: { messageIncludes: [`${PKI}/apiserver.crt holds no PEM certificate`] },
});
bundle('cert-expiry', 'error.nothing-collected', {
  expect: { messageIncludes: ['no certificate source was collected'] },
});

// ---------- cert-ca-expiry ----------
bundle('cert-ca-expiry', 'pass.kubeadm-ca', {
  host: { [`${PKI}/ca.crt`]: ca.certPem, [`${PKI}/apiserver.crt`]: apiserver.certPem },
});
bundle('cert-ca-expiry', 'warn.ca-181-days-left', {
  host: {
    [`${PKI}/ca.crt`]: issue({
      cn: 'kubernetes',
      notBefore: '2016-12-01T00:00:00Z',
      notAfter: '2026-11-29T00:00:00Z',
      ca: true,
    }).certPem,
  },
  expect: { messageIncludes: ['181 days left'] },
});
{
  const whCa = issue({
    cn: 'policy-webhook-ca',
    notBefore: '2025-05-01T00:00:00Z',
    notAfter: '2026-05-01T00:00:00Z',
    ca: true,
  });
  bundle('cert-ca-expiry', 'fail.webhook-ca-bundle-expired', {
    kube: {
      'validatingwebhookconfigurations.admissionregistration.k8s.io': [
        webhookConfig(
          'ValidatingWebhookConfiguration',
          'policy-validator',
          'validate.policy.example.com',
          b64(whCa.certPem),
          { ns: 'policy', name: 'policy-webhook' },
        ),
      ],
    },
    expect: {
      messageIncludes: [
        'ValidatingWebhookConfiguration policy-validator webhook validate.policy.example.com caBundle',
      ],
    },
  });
}
bundle('cert-ca-expiry', 'error.ca-bundle-not-pem', {
  kube: {
    'mutatingwebhookconfigurations.admissionregistration.k8s.io': [
      webhookConfig(
        'MutatingWebhookConfiguration',
        'sidecar-injector',
        'inject.mesh.example.com',
        b64('not a certificate'),
        { ns: 'mesh', name: 'injector' },
      ),
    ],
  },
  expect: { messageIncludes: ['is not base64 of a PEM certificate'] },
});

// ---------- cert-outlives-issuer ----------
bundle('cert-outlives-issuer', 'pass.kubeadm', {
  host: { [`${PKI}/ca.crt`]: ca.certPem, [`${PKI}/apiserver.crt`]: apiserver.certPem },
});
{
  const shortCa = issue({
    cn: 'front-proxy-ca',
    notBefore: '2025-06-01T00:00:00Z',
    notAfter: '2026-12-01T00:00:00Z',
    ca: true,
  });
  bundle('cert-outlives-issuer', 'fail.leaf-outlives-front-proxy-ca', {
    host: {
      [`${PKI}/front-proxy-ca.crt`]: shortCa.certPem,
      [`${PKI}/front-proxy-client.crt`]: issue({
        cn: 'front-proxy-client',
        issuer: shortCa,
        notBefore: '2026-01-10T00:00:00Z',
        notAfter: '2027-01-10T00:00:00Z',
        usage: 'client',
      }).certPem,
    },
    expect: { messageIncludes: ['stops verifying when the CA expires'] },
  });
}
bundle('cert-outlives-issuer', 'error.truncated-file', {
  host: {
    [`${PKI}/ca.crt`]: ca.certPem,
    [`${PKI}/front-proxy-client.crt`]:
      '-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIb\n-----END CERTIFICATE-----\n',
  },
  expect: { messageIncludes: ['does not parse'] },
});

// ---------- cert-chain-invalid ----------
bundle('cert-chain-invalid', 'pass.kubeadm-as-flags-declare', {
  host: {
    [`${PKI}/ca.crt`]: ca.certPem,
    [`${PKI}/apiserver.crt`]: apiserver.certPem,
    '/etc/kubernetes/manifests/kube-apiserver.yaml': apiManifest,
    '/etc/kubernetes/admin.conf': kubeconfig({ ca, user: 'kubernetes-admin', cert: admin }),
  },
  probes: {
    'tls-endpoints': probe([
      {
        name: 'kube-apiserver',
        host: '10.0.0.10',
        port: 6443,
        from: 'manifest /etc/kubernetes/manifests/kube-apiserver.yaml',
        protocol: 'TLSv1.3',
        chainPem: [apiserver.certPem],
      },
    ]),
  },
  expect: {
    messageIncludes: [
      'kube-apiserver --client-ca-file',
      'kubeconfig /etc/kubernetes/admin.conf cluster kubernetes',
    ],
  },
});
{
  const newCa = issue({
    cn: 'kubernetes',
    notBefore: '2026-04-01T00:00:00Z',
    notAfter: '2036-03-30T00:00:00Z',
    ca: true,
  });
  bundle('cert-chain-invalid', 'fail.ca-regenerated-leaves-not-reissued', {
    host: {
      [`${PKI}/ca.crt`]: newCa.certPem,
      [`${PKI}/apiserver.crt`]: apiserver.certPem,
      '/etc/kubernetes/manifests/kube-apiserver.yaml': apiManifest,
      '/etc/kubernetes/admin.conf': kubeconfig({ ca: newCa, user: 'kubernetes-admin', cert: admin }),
    },
    expect: {
      messageIncludes: [
        'the API server rejects user kubernetes-admin',
        'clients using /etc/kubernetes/admin.conf reject the API server',
      ],
    },
  });
  const etcdCa = issue({
    cn: 'etcd-ca',
    notBefore: '2025-01-10T00:00:00Z',
    notAfter: '2035-01-08T00:00:00Z',
    ca: true,
  });
  const otherEtcdCa = issue({
    cn: 'etcd-ca',
    notBefore: '2025-01-10T00:00:00Z',
    notAfter: '2035-01-08T00:00:00Z',
    ca: true,
  });
  bundle('cert-chain-invalid', 'fail.etcd-client-from-another-cluster', {
    host: {
      [`${PKI}/etcd/ca.crt`]: etcdCa.certPem,
      [`${PKI}/apiserver-etcd-client.crt`]: issue({
        cn: 'kube-apiserver-etcd-client',
        issuer: otherEtcdCa,
        ...leafValidity,
        usage: 'client',
      }).certPem,
      '/etc/kubernetes/manifests/kube-apiserver.yaml': staticPodManifest(
        'kube-apiserver',
        {
          'etcd-cafile': `${PKI}/etcd/ca.crt`,
          'etcd-certfile': `${PKI}/apiserver-etcd-client.crt`,
          'etcd-keyfile': `${PKI}/apiserver-etcd-client.key`,
        },
        true,
      ),
      '/etc/kubernetes/manifests/etcd.yaml': staticPodManifest('etcd', {
        'trusted-ca-file': `${PKI}/etcd/ca.crt`,
        'client-cert-auth': 'true',
      }),
    },
    expect: { messageIncludes: ['etcd rejects the API server'] },
  });
}
bundle('cert-chain-invalid', 'error.client-ca-not-collected', {
  host: {
    '/etc/kubernetes/manifests/kube-apiserver.yaml': apiManifest,
    '/etc/kubernetes/admin.conf': kubeconfig({ ca, user: 'kubernetes-admin', cert: admin }),
  },
  expect: { messageIncludes: ['which was not collected'] },
});

// ---------- cert-weak-key ----------
bundle('cert-weak-key', 'pass.rsa-2048-and-ec-p256', {
  host: { [`${PKI}/ca.crt`]: ca.certPem, [`${PKI}/apiserver.crt`]: apiserver.certPem },
  kube: { secrets: [tlsSecret('monitoring', 'metrics-ec-ca', ecCertPem())] },
  expect: { messageIncludes: ['EC prime256v1', 'RSA 2048'] },
});
{
  const weakCa = issue({
    cn: 'legacy-webhook-ca',
    notBefore: '2024-01-01T00:00:00Z',
    notAfter: '2034-01-01T00:00:00Z',
    ca: true,
    bits: 1024,
  });
  bundle('cert-weak-key', 'fail.rsa-1024-webhook-ca', {
    kube: {
      'validatingwebhookconfigurations.admissionregistration.k8s.io': [
        webhookConfig(
          'ValidatingWebhookConfiguration',
          'legacy-validator',
          'validate.legacy.example.com',
          b64(weakCa.certPem),
          { ns: 'legacy', name: 'validator' },
        ),
      ],
    },
    expect: { messageIncludes: ['RSA 1024-bit key (minimum 2048)'] },
  });
}
bundle('cert-weak-key', 'error.not-a-certificate', {
  host: { [`${PKI}/etcd/server.crt`]: GARBAGE },
  expect: { messageIncludes: ['/etc/kubernetes/pki/etcd/server.crt'] },
});

// ---------- cert-sha1-signature ----------
{
  const sha1Root = issue({
    cn: 'corp-root-2012',
    notBefore: '2012-01-01T00:00:00Z',
    notAfter: '2032-01-01T00:00:00Z',
    ca: true,
    hash: 'sha1',
  });
  bundle('cert-sha1-signature', 'pass.sha256-leaf-under-sha1-self-signed-root', {
    host: {
      [`${PKI}/ca.crt`]: sha1Root.certPem,
      [`${PKI}/apiserver.crt`]: issue({ cn: 'kube-apiserver', issuer: sha1Root, ...leafValidity }).certPem,
    },
    expect: { messageIncludes: ['sha256WithRSAEncryption', 'its own signature is not relied on'] },
  });
  bundle('cert-sha1-signature', 'fail.sha1-signed-leaf', {
    host: {
      [`${PKI}/ca.crt`]: ca.certPem,
      [`${PKI}/apiserver.crt`]: issue({ cn: 'kube-apiserver', issuer: ca, ...leafValidity, hash: 'sha1' })
        .certPem,
    },
    expect: { messageIncludes: ['sha1WithRSAEncryption'] },
  });
}
// DER bytes where PEM is expected (a .crt copied from Windows as "DER encoded binary X.509").
bundle('cert-sha1-signature', 'error.binary-der-file', {
  host: { [`${PKI}/apiserver.crt`]: '0\u0082\u0003\u00050\u0082\u0001\u00ed\u00a0\u0003\u0002\u0001\u0002' },
  expect: { messageIncludes: ['binary content'] },
});

// ---------- cert-key-mismatch ----------
bundle('cert-key-mismatch', 'pass.apiserver-pair-from-flags', {
  host: {
    [`${PKI}/ca.crt`]: ca.certPem,
    [`${PKI}/apiserver.crt`]: apiserver.certPem,
    [`${PKI}/apiserver.key`]: apiserver.keyPem,
    '/etc/kubernetes/manifests/kube-apiserver.yaml': apiManifest,
    '/etc/kubernetes/admin.conf': kubeconfig({ ca, user: 'kubernetes-admin', cert: admin }),
  },
  expect: { messageIncludes: ['kube-apiserver --tls-cert-file/--tls-private-key-file', 'client-key-data'] },
});
bundle('cert-key-mismatch', 'fail.key-from-another-renewal', {
  host: {
    [`${PKI}/ca.crt`]: ca.certPem,
    [`${PKI}/apiserver.crt`]: apiserver.certPem,
    [`${PKI}/apiserver.key`]: rsaKeyPem(),
    '/etc/kubernetes/manifests/kube-apiserver.yaml': apiManifest,
  },
  expect: { messageIncludes: ['do not belong together'] },
});
bundle('cert-key-mismatch', 'error.key-not-collected', {
  host: {
    [`${PKI}/ca.crt`]: ca.certPem,
    [`${PKI}/apiserver.crt`]: apiserver.certPem,
    '/etc/kubernetes/manifests/kube-apiserver.yaml': apiManifest,
  },
  expect: {
    messageIncludes: [`was not collected, so its certificate could not be matched: ${PKI}/apiserver.key`],
  },
});

// ---------- cert-key-file-permissions ----------
// Git keeps no modes tighter than 0644, so a committed key file always shows as world-readable; the 0600 pass
// path is covered by the spec with a temporary bundle.
bundle('cert-key-file-permissions', 'pass.no-key-files-collected', {
  host: { [`${PKI}/ca.crt`]: ca.certPem, '/var/lib/kubelet/config.yaml': kubeletConfig([]) },
});
bundle('cert-key-file-permissions', 'fail.key-readable-by-others', {
  host: { [`${PKI}/apiserver.crt`]: apiserver.certPem, [`${PKI}/apiserver.key`]: apiserver.keyPem },
  expect: { messageIncludes: ['should be 0600 or tighter'] },
});
bundle('cert-key-file-permissions', 'error.no-host-files', {
  kube: { secrets: [] },
  expect: { messageIncludes: ['no host files were collected'] },
});

// ---------- kubelet-cert-rotation ----------
bundle('kubelet-cert-rotation', 'pass.rotation-and-server-bootstrap', {
  host: {
    '/var/lib/kubelet/config.yaml': kubeletConfig(['rotateCertificates: true', 'serverTLSBootstrap: true']),
  },
});
bundle('kubelet-cert-rotation', 'fail.rotate-certificates-false', {
  host: {
    '/var/lib/kubelet/config.yaml': kubeletConfig(['rotateCertificates: false', 'serverTLSBootstrap: true']),
  },
  expect: { messageIncludes: ['never renews its client certificate'] },
});
bundle('kubelet-cert-rotation', 'fail.flag-overrides-config', {
  host: {
    '/var/lib/kubelet/config.yaml': kubeletConfig(['rotateCertificates: true', 'serverTLSBootstrap: true']),
    '/var/lib/kubelet/kubeadm-flags.env':
      'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.10 --rotate-certificates=false"\n',
  },
  expect: { messageIncludes: ['--rotate-certificates=false in /var/lib/kubelet/kubeadm-flags.env'] },
});
{
  // What the kubelet writes when it makes its own: a leaf and the throwaway CA that signed it, in one file.
  const hostCa = issue({
    cn: 'moc-lw3m5n2k8s9-ca@1767225600',
    notBefore: '2025-12-31T23:00:00Z',
    notAfter: '2026-12-31T23:00:00Z',
    ca: true,
  });
  const hostLeaf = issue({
    cn: 'moc-lw3m5n2k8s9@1767225600',
    issuer: hostCa,
    notBefore: '2025-12-31T23:00:00Z',
    notAfter: '2026-12-31T23:00:00Z',
    dns: ['moc-lw3m5n2k8s9'],
  });
  bundle('kubelet-cert-rotation', 'warn.aks-hci-self-signed-serving-cert', {
    cluster: AKS_HCI,
    host: {
      '/var/lib/kubelet/config.yaml': kubeletConfig([]),
      '/var/lib/kubelet/pki/kubelet.crt': hostLeaf.certPem + hostCa.certPem,
    },
    expect: {
      messageIncludes: ['never renewed', 'AKS hybrid does not renew the kubelet serving certificate'],
    },
  });
}
bundle('kubelet-cert-rotation', 'error.no-kubelet-config', {
  host: { [`${PKI}/ca.crt`]: ca.certPem },
  expect: { messageIncludes: ['no KubeletConfiguration'] },
});

// ---------- csr-pending-or-denied ----------
{
  const approved = {
    type: 'Approved',
    status: 'True',
    reason: 'AutoApproved',
    message: 'Auto approving kubelet client certificate after SubjectAccessReview.',
    lastUpdateTime: '2026-05-31T20:00:01Z',
  };
  bundle('csr-pending-or-denied', 'pass.approved-and-fresh-pending', {
    kube: {
      'certificatesigningrequests.certificates.k8s.io': [
        csr('csr-8xk2p', {
          created: '2026-05-31T20:00:00Z',
          signer: 'kubernetes.io/kube-apiserver-client-kubelet',
          user: 'system:node:cp-1',
          conditions: [approved],
          certificate: b64(admin.certPem),
        }),
        csr('csr-q7vzd', {
          created: '2026-05-31T23:40:00Z',
          signer: 'kubernetes.io/kubelet-serving',
          user: 'system:node:worker-2',
        }),
      ],
    },
  });
  bundle('csr-pending-or-denied', 'fail.kubelet-serving-pending-3h', {
    kube: {
      'certificatesigningrequests.certificates.k8s.io': [
        csr('csr-m4tnb', {
          created: '2026-05-31T21:00:00Z',
          signer: 'kubernetes.io/kubelet-serving',
          user: 'system:node:worker-1',
        }),
      ],
    },
    expect: { messageIncludes: ['is pending, 3h old', 'kubectl certificate approve csr-m4tnb'] },
  });
  bundle('csr-pending-or-denied', 'warn.denied-2h', {
    kube: {
      'certificatesigningrequests.certificates.k8s.io': [
        csr('alice-dev', {
          created: '2026-05-31T22:00:00Z',
          signer: 'kubernetes.io/kube-apiserver-client',
          user: 'alice@example.com',
          conditions: [
            {
              type: 'Denied',
              status: 'True',
              reason: 'PolicyDenied',
              message: 'user certificates are not issued; use Entra ID',
              lastUpdateTime: '2026-05-31T22:05:00Z',
            },
          ],
        }),
      ],
    },
    expect: { messageIncludes: ['was denied (PolicyDenied'] },
  });
}
bundle('csr-pending-or-denied', 'error.not-collected', {
  host: { [`${PKI}/ca.crt`]: ca.certPem },
  expect: { messageIncludes: ['was not collected'] },
});

// ---------- cert-rotation-overdue ----------
{
  const hciCa = issue({
    cn: 'kubernetes',
    notBefore: '2025-11-01T00:00:00Z',
    notAfter: '2035-10-30T00:00:00Z',
    ca: true,
  });
  const current = issue({
    cn: 'kube-apiserver',
    issuer: hciCa,
    notBefore: '2026-05-30T12:00:00Z',
    notAfter: '2026-06-03T12:00:00Z',
  });
  const prevSerial = '1A2B3C4D5E6F7081';
  const kubeletClient = issue({
    cn: 'system:node:moc-lw3m5n2k8s9',
    o: 'system:nodes',
    issuer: hciCa,
    notBefore: '2026-01-20T00:00:00Z',
    notAfter: '2027-01-20T00:00:00Z',
    usage: 'client',
  });
  const hist = (serial: string, nb: string, na: string, first: string, last: string) => ({
    serial,
    notBefore: nb,
    notAfter: na,
    firstSeen: first,
    lastSeen: last,
  });
  bundle('cert-rotation-overdue', 'pass.aks-hci-renewed-on-time', {
    cluster: AKS_HCI,
    host: {
      [`${PKI}/ca.crt`]: hciCa.certPem,
      [`${PKI}/apiserver.crt`]: current.certPem,
      '/var/lib/kubelet/pki/kubelet-client.crt': kubeletClient.certPem,
      '/var/lib/kubelet/config.yaml': kubeletConfig([]),
    },
    history: {
      certificates: {
        [`${PKI}/apiserver.crt`]: [
          hist(
            prevSerial,
            '2026-05-27T12:00:00Z',
            '2026-05-31T12:00:00Z',
            '2026-05-27T12:10:00Z',
            '2026-05-30T12:10:00Z',
          ),
          hist(
            current.cert.serialNumber.toUpperCase(),
            '2026-05-30T12:00:00Z',
            '2026-06-03T12:00:00Z',
            '2026-05-30T12:20:00Z',
            '2026-05-31T23:50:00Z',
          ),
        ],
      },
      kmsKeys: {},
    },
    expect: {
      messageIncludes: [`previous serial ${prevSerial}`, 'the kubelet rotates its client certificate'],
    },
  });
  const stuck = issue({
    cn: 'kube-apiserver',
    issuer: hciCa,
    notBefore: '2026-05-28T03:00:00Z',
    notAfter: '2026-06-01T03:00:00Z',
  });
  bundle('cert-rotation-overdue', 'fail.aks-hci-leaf-not-renewed', {
    cluster: AKS_HCI,
    host: { [`${PKI}/ca.crt`]: hciCa.certPem, [`${PKI}/apiserver.crt`]: stuck.certPem },
    history: {
      certificates: {
        [`${PKI}/apiserver.crt`]: [
          hist(
            stuck.cert.serialNumber.toUpperCase(),
            '2026-05-28T03:00:00Z',
            '2026-06-01T03:00:00Z',
            '2026-05-28T03:05:00Z',
            '2026-05-31T23:50:00Z',
          ),
        ],
      },
      kmsKeys: {},
    },
    expect: {
      messageIncludes: [
        'should have been renewed by 2026-05-31T17:24:00Z',
        'the agent has seen this serial since 2026-05-28T03:05:00Z',
      ],
    },
  });
  bundle('cert-rotation-overdue', 'warn.aks-hci-renewed-after-expiry', {
    cluster: AKS_HCI,
    host: { [`${PKI}/ca.crt`]: hciCa.certPem, [`${PKI}/apiserver.crt`]: current.certPem },
    history: {
      certificates: {
        [`${PKI}/apiserver.crt`]: [
          hist(
            prevSerial,
            '2026-05-24T00:00:00Z',
            '2026-05-28T00:00:00Z',
            '2026-05-24T00:10:00Z',
            '2026-05-27T23:50:00Z',
          ),
        ],
      },
      kmsKeys: {},
    },
    expect: { messageIncludes: ['was renewed late'] },
  });
  const renewedOnDisk = issue({
    cn: 'kube-apiserver',
    issuer: ca,
    notBefore: '2026-05-25T00:00:00Z',
    notAfter: '2027-05-25T00:00:00Z',
    keyPem: apiserver.keyPem,
    dns: ['kubernetes'],
  });
  bundle('cert-rotation-overdue', 'fail.apiserver-serves-the-old-certificate', {
    host: {
      [`${PKI}/ca.crt`]: ca.certPem,
      [`${PKI}/apiserver.crt`]: renewedOnDisk.certPem,
      '/etc/kubernetes/manifests/kube-apiserver.yaml': apiManifest,
    },
    probes: {
      'tls-endpoints': probe([
        {
          name: 'kube-apiserver',
          host: '10.0.0.10',
          port: 6443,
          from: 'manifest /etc/kubernetes/manifests/kube-apiserver.yaml',
          protocol: 'TLSv1.3',
          chainPem: [apiserver.certPem],
        },
      ]),
    },
    expect: { messageIncludes: ['restart kube-apiserver so it loads it'] },
  });
}
bundle('cert-rotation-overdue', 'error.probe-result-malformed', {
  probes: { 'tls-endpoints': { endpoints: [{ host: '127.0.0.1' }] } },
  host: { [`${PKI}/ca.crt`]: ca.certPem },
  expect: { messageIncludes: ['needs "host" (string) and "port" (number)'] },
});

// ---------- aks-hci-offline-certificates ----------
{
  const hciCa = issue({
    cn: 'kubernetes',
    notBefore: '2025-11-01T00:00:00Z',
    notAfter: '2035-10-30T00:00:00Z',
    ca: true,
  });
  const leaves = (nb: string) => {
    const na = day(nb, 4);
    return {
      [`${PKI}/ca.crt`]: hciCa.certPem,
      [`${PKI}/apiserver.crt`]: issue({ cn: 'kube-apiserver', issuer: hciCa, notBefore: nb, notAfter: na })
        .certPem,
      [`${PKI}/apiserver-kubelet-client.crt`]: issue({
        cn: 'kube-apiserver-kubelet-client',
        o: 'kubeadm:cluster-admins',
        issuer: hciCa,
        notBefore: nb,
        notAfter: na,
        usage: 'client',
      }).certPem,
      '/etc/kubernetes/controller-manager.conf': kubeconfig({
        ca: hciCa,
        user: 'system:kube-controller-manager',
        cert: issue({
          cn: 'system:kube-controller-manager',
          issuer: hciCa,
          notBefore: nb,
          notAfter: na,
          usage: 'client',
        }),
      }),
    };
  };
  bundle('aks-hci-offline-certificates', 'pass.renewed-yesterday', {
    cluster: AKS_HCI,
    host: leaves('2026-05-31T02:00:00Z'),
  });
  bundle('aks-hci-offline-certificates', 'fail.powered-off-12-days', {
    cluster: AKS_HCI,
    host: leaves('2026-05-20T00:00:00Z'),
    expect: {
      messageIncludes: [
        'offline more than 4 days',
        'Update-AksHciClusterCertificates -name hci-wl-01 -fixKubeletCredentials',
        'AKS on Azure Local',
      ],
    },
  });
  bundle('aks-hci-offline-certificates', 'fail.management-cluster-off-61-days', {
    cluster: { ...AKS_HCI, name: 'hci-mgmt', role: 'management' },
    host: leaves('2026-04-01T00:00:00Z'),
    expect: { messageIncludes: ['MOC layer', 'Update-AksHciCertificates'] },
  });
  bundle('aks-hci-offline-certificates', 'fail.workload-off-40-days-akshci-generation', {
    cluster: AKS_HCI,
    host: leaves('2026-04-18T00:00:00Z'),
    kube: {
      nodes: [
        {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name: 'moc-lw3m5n2k8s9',
            labels: {
              'kubernetes.io/os': 'linux',
              'node-role.kubernetes.io/control-plane': '',
              'watchpost.io/aks-hybrid-generation': 'akshci',
            },
          },
          spec: { providerID: 'moc://moc-lw3m5n2k8s9' },
        },
      ],
    },
    expect: {
      messageIncludes: [
        'in this order: Update-AksHciCertificates; Update-AksHciClusterCertificates -name hci-wl-01 -fixKubeletCredentials; Update-AksHciClusterCertificates -name hci-wl-01 -fixCloudCredentials',
      ],
    },
  });
  bundle('aks-hci-offline-certificates', 'error.api-only-evidence', {
    cluster: AKS_HCI,
    kube: {
      secrets: [
        tlsSecret(
          'ingress',
          'web-tls',
          issue({
            cn: 'web.contoso.local',
            issuer: hciCa,
            notBefore: '2026-03-01T00:00:00Z',
            notAfter: '2027-03-01T00:00:00Z',
          }).certPem,
        ),
      ],
    },
    expect: { messageIncludes: ['no control-plane or node certificate'] },
  });
}
process.stdout.write(`fixtures written under ${ROOT}\n`);
