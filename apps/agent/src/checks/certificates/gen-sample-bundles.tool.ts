// Authoring tool: adds the certificate evidence to the sample bundles under test/fixtures/bundles (AKS hybrid
// management and workload: ten-year roots, four-day leaves issued shortly before collectedAt, a kubelet
// serving certificate nobody renews, served chains, history; AKS: API-only webhook CA bundles and tls
// secrets). Only the files named here are written; history.json gets its "certificates" part replaced.
// Run: npx tsx --conditions=watchpost-source apps/agent/src/checks/certificates/gen-sample-bundles.tool.ts
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { b64, issue } from '../../testing/fixture-pki.js';

const ROOT = fileURLToPath(new URL('../../../../../test/fixtures/bundles', import.meta.url));
const PKI = '/etc/kubernetes/pki';
const H = 3_600_000;
const D = 24 * H;

function write(bundle: string, rel: string, content: string): void {
  const file = join(ROOT, bundle, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

function list(items: unknown[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }, null, 2) + '\n';
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function aksHybrid(bundle: string, node: string, advertise: string): void {
  const clusterJson = JSON.parse(readFileSync(join(ROOT, bundle, 'cluster.json'), 'utf8')) as { collectedAt: string };
  const collected = Date.parse(clusterJson.collectedAt);
  // AKS hybrid renews its leaves every few days: this round was issued 1 day 20 hours before collection.
  const nb = collected - (D + 20 * H);
  const leaf = { notBefore: new Date(nb), notAfter: new Date(nb + 4 * D) };
  const root = { notBefore: '2024-03-01T08:00:00Z', notAfter: '2034-02-27T08:00:00Z', ca: true } as const;
  const ca = issue({ cn: 'kubernetes', ...root });
  const fpCa = issue({ cn: 'front-proxy-ca', ...root });
  const etcdCa = issue({ cn: 'etcd-ca', ...root });
  const apiserver = issue({ cn: 'kube-apiserver', issuer: ca, ...leaf, dns: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', node], ips: ['10.96.0.1', advertise] });
  const files: Record<string, string> = {
    [`${PKI}/ca.crt`]: ca.certPem,
    [`${PKI}/apiserver.crt`]: apiserver.certPem,
    [`${PKI}/apiserver-kubelet-client.crt`]: issue({ cn: 'kube-apiserver-kubelet-client', o: 'kubeadm:cluster-admins', issuer: ca, ...leaf, usage: 'client' }).certPem,
    [`${PKI}/front-proxy-ca.crt`]: fpCa.certPem,
    [`${PKI}/front-proxy-client.crt`]: issue({ cn: 'front-proxy-client', issuer: fpCa, ...leaf, usage: 'client' }).certPem,
    [`${PKI}/etcd/ca.crt`]: etcdCa.certPem,
    [`${PKI}/etcd/server.crt`]: issue({ cn: node, issuer: etcdCa, ...leaf, usage: 'both', dns: [node, 'localhost'], ips: [advertise, '127.0.0.1'] }).certPem,
    [`${PKI}/apiserver-etcd-client.crt`]: issue({ cn: 'kube-apiserver-etcd-client', issuer: etcdCa, ...leaf, usage: 'client' }).certPem,
  };
  // The admin kubeconfig's client certificate is not renewed by AKS hybrid: a one-year certificate.
  const admin = issue({ cn: 'kubernetes-admin', o: 'system:masters', issuer: ca, notBefore: '2026-01-15T09:00:00Z', notAfter: '2027-01-15T09:00:00Z', usage: 'client' });
  files['/etc/kubernetes/admin.conf'] = [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(ca.certPem)}`,
    `    server: https://${advertise}:6443`,
    '  name: kubernetes',
    'contexts:',
    '- context:',
    '    cluster: kubernetes',
    '    user: kubernetes-admin',
    '  name: kubernetes-admin@kubernetes',
    'current-context: kubernetes-admin@kubernetes',
    'kind: Config',
    'preferences: {}',
    'users:',
    '- name: kubernetes-admin',
    '  user:',
    `    client-certificate-data: ${b64(admin.certPem)}`,
    // client-key-data left out of the sample: the bundle is shared, and the key checks have their own fixtures.
    '',
  ].join('\n');
  // The kubelet's own serving certificate (no serverTLSBootstrap): leaf + throwaway CA, one year, never renewed.
  const hostCa = issue({ cn: `${node}-ca@1767603600`, notBefore: '2026-01-05T09:00:00Z', notAfter: '2027-01-05T09:00:00Z', ca: true });
  const kubeletCrt = issue({ cn: `${node}@1767603600`, issuer: hostCa, notBefore: '2026-01-05T09:00:00Z', notAfter: '2027-01-05T09:00:00Z', dns: [node] });
  files['/var/lib/kubelet/pki/kubelet.crt'] = kubeletCrt.certPem + hostCa.certPem;
  for (const [path, content] of Object.entries(files)) write(bundle, `host${path}`, content);
  write(
    bundle,
    'probes/tls-endpoints.json',
    JSON.stringify(
      {
        probedAt: clusterJson.collectedAt,
        endpoints: [
          { name: 'kube-apiserver', host: advertise, port: 6443, from: 'manifest /etc/kubernetes/manifests/kube-apiserver.yaml', protocol: 'TLSv1.3', chainPem: [apiserver.certPem] },
          { name: 'kubelet', host: '127.0.0.1', port: 10250, from: 'default', protocol: 'TLSv1.3', chainPem: [kubeletCrt.certPem, hostCa.certPem] },
        ],
      },
      null,
      2,
    ) + '\n',
  );
  write(
    bundle,
    'kube/certificatesigningrequests.certificates.k8s.io.json',
    list([
      {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { name: 'csr-7h2kq', uid: 'c3a1e6d4-1f0b-4e8e-9d62-5b7a0c2e9f31', creationTimestamp: iso(collected - 5 * H) },
        spec: { request: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K', signerName: 'kubernetes.io/kube-apiserver-client-kubelet', username: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'], usages: ['digital signature', 'client auth'] },
        status: {
          conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving self kubelet client certificate after SubjectAccessReview.', lastUpdateTime: iso(collected - 5 * H + 1000), lastTransitionTime: iso(collected - 5 * H + 1000) }],
          certificate: b64(issue({ cn: `system:node:${node}`, o: 'system:nodes', issuer: ca, notBefore: new Date(collected - 5 * H), notAfter: new Date(collected - 5 * H + 4 * D), usage: 'client' }).certPem),
        },
      },
    ]),
  );
  // History: the previous four-day round, replaced on time, and the current one seen since it appeared.
  const historyFile = join(ROOT, bundle, 'history.json');
  const history = JSON.parse(readFileSync(historyFile, 'utf8')) as { certificates: Record<string, unknown>; kmsKeys: unknown };
  const prevNb = nb - 3 * D;
  history.certificates = {
    [`${PKI}/apiserver.crt`]: [
      { serial: '3F1C0A9E7B2D4410', notBefore: iso(prevNb), notAfter: iso(prevNb + 4 * D), firstSeen: iso(prevNb + 10 * 60_000), lastSeen: iso(nb - 20 * 60_000) },
      { serial: apiserver.cert.serialNumber.toUpperCase(), notBefore: iso(nb), notAfter: iso(nb + 4 * D), firstSeen: iso(nb + 10 * 60_000), lastSeen: iso(collected - 30 * 60_000) },
    ],
  };
  writeFileSync(historyFile, JSON.stringify(history, null, 2) + '\n');
}

function aksAzure(): void {
  const bundle = 'aks-azure';
  const le = issue({ cn: 'R11', o: "Let's Encrypt", notBefore: '2024-03-13T00:00:00Z', notAfter: '2027-03-12T23:59:59Z', ca: true });
  // cert-manager renews 90-day certificates 30 days before expiry: 58 days left is healthy.
  const shop = issue({ cn: 'shop.contoso.com', issuer: le, notBefore: '2026-10-22T07:12:00Z', notAfter: '2027-01-20T07:12:00Z', dns: ['shop.contoso.com', 'www.shop.contoso.com'] });
  // Uploaded by hand a year ago: 40 days left of 365 (warn now, fail with --at +30d).
  const corpCa = issue({ cn: 'Contoso Issuing CA 02', o: 'Contoso', notBefore: '2023-06-01T00:00:00Z', notAfter: '2028-06-01T00:00:00Z', ca: true });
  const partner = issue({ cn: 'partner-api.contoso.com', o: 'Contoso', issuer: corpCa, notBefore: '2026-01-02T00:00:00Z', notAfter: '2027-01-02T00:00:00Z', dns: ['partner-api.contoso.com'] });
  const secrets = [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'shop-tls', namespace: 'shop', uid: '2d6f1f0e-58a4-4c36-9a3b-1f3d3c0b8e11', creationTimestamp: '2026-04-24T07:12:05Z', annotations: { 'cert-manager.io/certificate-name': 'shop-tls', 'cert-manager.io/issuer-kind': 'ClusterIssuer', 'cert-manager.io/issuer-name': 'letsencrypt-prod' } },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': b64(shop.certPem + le.certPem) },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'partner-api-tls', namespace: 'partner', uid: '8a1c2e57-0f4b-4c2c-bb5e-7e0d9f4a6c21', creationTimestamp: '2026-01-02T10:30:00Z' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': b64(partner.certPem), 'ca.crt': b64(corpCa.certPem) },
    },
  ];
  write(bundle, 'kube/secrets.json', list(secrets));
  write(bundle, 'kube/certificatesigningrequests.certificates.k8s.io.json', list([]));
  const cmCa = issue({ cn: 'cert-manager-webhook-ca', notBefore: '2026-04-20T06:00:00Z', notAfter: '2027-04-20T06:00:00Z', ca: true });
  write(
    bundle,
    'kube/validatingwebhookconfigurations.admissionregistration.k8s.io.json',
    list([
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: 'cert-manager-webhook', uid: 'f0b7f7a2-6c9e-4a0e-9a7c-0d7e3b1f2c44', creationTimestamp: '2026-04-20T06:00:10Z', annotations: { 'cert-manager.io/inject-ca-from-secret': 'cert-manager/cert-manager-webhook-ca' } },
        webhooks: [
          {
            name: 'webhook.cert-manager.io',
            admissionReviewVersions: ['v1'],
            clientConfig: { caBundle: b64(cmCa.certPem), service: { name: 'cert-manager-webhook', namespace: 'cert-manager', path: '/validate', port: 443 } },
            failurePolicy: 'Fail',
            matchPolicy: 'Equivalent',
            namespaceSelector: { matchExpressions: [{ key: 'cert-manager.io/disable-validation', operator: 'NotIn', values: ['true'] }] },
            rules: [{ apiGroups: ['cert-manager.io', 'acme.cert-manager.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['*/*'], scope: '*' }],
            sideEffects: 'None',
            timeoutSeconds: 30,
          },
        ],
      },
    ]),
  );
}

aksHybrid('aks-hci-management', 'moc-lmgmt0cp1a2b', '10.20.1.11');
aksHybrid('aks-hci-workload', 'moc-lwl1cp7f3c9', '10.20.2.11');
aksAzure();
process.stdout.write(`sample bundle certificates written under ${ROOT}\n`);
