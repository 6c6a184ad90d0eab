// The sample bundles' certificate evidence (test/fixtures/bundles): AKS hybrid management and workload with
// ten-year roots, four-day leaves issued shortly before collectedAt, a kubelet serving certificate and an admin
// kubeconfig certificate nobody renews, served chains, CSRs and rotation history; AKS with API-only webhook CA
// bundles and tls secrets. Used by the authoring tool (gen-sample-bundles.tool.ts, which writes the committed
// fixtures) and by the demo, which writes fresh copies relative to now (refreshSampleBundle) so the demo fleet
// looks live while the test fixtures stay fixed. Only the files named here are written; history.json gets its
// "certificates" part replaced.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { b64, issue, type TestCert, type TestCertSpec } from '../testing/fixture-pki.js';

const PKI = '/etc/kubernetes/pki';
const H = 3_600_000;
const D = 24 * H;

/** How the generator places fixed dates and makes keys. */
interface Tools {
  /** A date the sample names (a one-year certificate issued on a given day), moved by the refresh's shift. */
  at(iso: string): string;
  issue(spec: TestCertSpec): TestCert;
}

/** The sample bundles this module knows, by folder name. */
export const SAMPLE_BUNDLES = ['aks-hci-management', 'aks-hci-workload', 'aks-azure'] as const;
/** A sample bundle folder name. */
export type SampleBundle = (typeof SAMPLE_BUNDLES)[number];

function write(dir: string, rel: string, content: string): void {
  const file = join(dir, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

function list(items: unknown[]): string {
  return (
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }, null, 2) +
    '\n'
  );
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function aksHybrid(dir: string, node: string, advertise: string, t: Tools): void {
  const clusterJson = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { collectedAt: string };
  const collected = Date.parse(clusterJson.collectedAt);
  // AKS hybrid renews its leaves every few days: this round was issued 1 day 20 hours before collection.
  const nb = collected - (D + 20 * H);
  const leaf = { notBefore: new Date(nb), notAfter: new Date(nb + 4 * D) };
  const root = {
    notBefore: t.at('2024-03-01T08:00:00Z'),
    notAfter: t.at('2034-02-27T08:00:00Z'),
    ca: true,
  } as const;
  const ca = t.issue({ cn: 'kubernetes', ...root });
  const fpCa = t.issue({ cn: 'front-proxy-ca', ...root });
  const etcdCa = t.issue({ cn: 'etcd-ca', ...root });
  const apiserver = t.issue({
    cn: 'kube-apiserver',
    issuer: ca,
    ...leaf,
    dns: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', node],
    ips: ['10.96.0.1', advertise],
  });
  const files: Record<string, string> = {
    [`${PKI}/ca.crt`]: ca.certPem,
    [`${PKI}/apiserver.crt`]: apiserver.certPem,
    [`${PKI}/apiserver-kubelet-client.crt`]: t.issue({
      cn: 'kube-apiserver-kubelet-client',
      o: 'kubeadm:cluster-admins',
      issuer: ca,
      ...leaf,
      usage: 'client',
    }).certPem,
    [`${PKI}/front-proxy-ca.crt`]: fpCa.certPem,
    [`${PKI}/front-proxy-client.crt`]: t.issue({
      cn: 'front-proxy-client',
      issuer: fpCa,
      ...leaf,
      usage: 'client',
    }).certPem,
    [`${PKI}/etcd/ca.crt`]: etcdCa.certPem,
    [`${PKI}/etcd/server.crt`]: t.issue({
      cn: node,
      issuer: etcdCa,
      ...leaf,
      usage: 'both',
      dns: [node, 'localhost'],
      ips: [advertise, '127.0.0.1'],
    }).certPem,
    [`${PKI}/apiserver-etcd-client.crt`]: t.issue({
      cn: 'kube-apiserver-etcd-client',
      issuer: etcdCa,
      ...leaf,
      usage: 'client',
    }).certPem,
  };
  // The admin kubeconfig's client certificate is not renewed by AKS hybrid: a one-year certificate.
  const admin = t.issue({
    cn: 'kubernetes-admin',
    o: 'system:masters',
    issuer: ca,
    notBefore: t.at('2026-01-15T09:00:00Z'),
    notAfter: t.at('2027-01-15T09:00:00Z'),
    usage: 'client',
  });
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
  const hostCa = t.issue({
    cn: `${node}-ca@1767603600`,
    notBefore: t.at('2026-01-05T09:00:00Z'),
    notAfter: t.at('2027-01-05T09:00:00Z'),
    ca: true,
  });
  const kubeletCrt = t.issue({
    cn: `${node}@1767603600`,
    issuer: hostCa,
    notBefore: t.at('2026-01-05T09:00:00Z'),
    notAfter: t.at('2027-01-05T09:00:00Z'),
    dns: [node],
  });
  files['/var/lib/kubelet/pki/kubelet.crt'] = kubeletCrt.certPem + hostCa.certPem;
  for (const [path, content] of Object.entries(files)) write(dir, `host${path}`, content);
  write(
    dir,
    'probes/tls-endpoints.json',
    JSON.stringify(
      {
        probedAt: iso(collected),
        endpoints: [
          {
            name: 'kube-apiserver',
            host: advertise,
            port: 6443,
            from: 'manifest /etc/kubernetes/manifests/kube-apiserver.yaml',
            protocol: 'TLSv1.3',
            chainPem: [apiserver.certPem],
          },
          {
            name: 'kubelet',
            host: '127.0.0.1',
            port: 10250,
            from: 'default',
            protocol: 'TLSv1.3',
            chainPem: [kubeletCrt.certPem, hostCa.certPem],
          },
        ],
      },
      null,
      2,
    ) + '\n',
  );
  write(
    dir,
    'kube/certificatesigningrequests.certificates.k8s.io.json',
    list([
      {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: {
          name: 'csr-7h2kq',
          uid: 'c3a1e6d4-1f0b-4e8e-9d62-5b7a0c2e9f31',
          creationTimestamp: iso(collected - 5 * H),
        },
        spec: {
          request: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K',
          signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
          username: `system:node:${node}`,
          groups: ['system:nodes', 'system:authenticated'],
          usages: ['digital signature', 'client auth'],
        },
        status: {
          conditions: [
            {
              type: 'Approved',
              status: 'True',
              reason: 'AutoApproved',
              message: 'Auto approving self kubelet client certificate after SubjectAccessReview.',
              lastUpdateTime: iso(collected - 5 * H + 1000),
              lastTransitionTime: iso(collected - 5 * H + 1000),
            },
          ],
          certificate: b64(
            t.issue({
              cn: `system:node:${node}`,
              o: 'system:nodes',
              issuer: ca,
              notBefore: new Date(collected - 5 * H),
              notAfter: new Date(collected - 5 * H + 4 * D),
              usage: 'client',
            }).certPem,
          ),
        },
      },
    ]),
  );
  // History: the previous four-day round, replaced on time, and the current one seen since it appeared.
  const historyFile = join(dir, 'history.json');
  const history = JSON.parse(readFileSync(historyFile, 'utf8')) as {
    certificates: Record<string, unknown>;
    kmsKeys: unknown;
  };
  const prevNb = nb - 3 * D;
  history.certificates = {
    [`${PKI}/apiserver.crt`]: [
      {
        serial: '3F1C0A9E7B2D4410',
        notBefore: iso(prevNb),
        notAfter: iso(prevNb + 4 * D),
        firstSeen: iso(prevNb + 10 * 60_000),
        lastSeen: iso(nb - 20 * 60_000),
      },
      {
        serial: apiserver.cert.serialNumber.toUpperCase(),
        notBefore: iso(nb),
        notAfter: iso(nb + 4 * D),
        firstSeen: iso(nb + 10 * 60_000),
        lastSeen: iso(collected - 30 * 60_000),
      },
    ],
  };
  writeFileSync(historyFile, JSON.stringify(history, null, 2) + '\n');
}

function aksAzure(dir: string, t: Tools): void {
  const le = t.issue({
    cn: 'R11',
    o: "Let's Encrypt",
    notBefore: t.at('2024-03-13T00:00:00Z'),
    notAfter: t.at('2027-03-12T23:59:59Z'),
    ca: true,
  });
  // cert-manager renews 90-day certificates 30 days before expiry: 58 days left is healthy.
  const shop = t.issue({
    cn: 'shop.contoso.com',
    issuer: le,
    notBefore: t.at('2026-10-22T07:12:00Z'),
    notAfter: t.at('2027-01-20T07:12:00Z'),
    dns: ['shop.contoso.com', 'www.shop.contoso.com'],
  });
  // Uploaded by hand a year ago: 40 days left of 365 (warn now, fail with --at +30d).
  const corpCa = t.issue({
    cn: 'Contoso Issuing CA 02',
    o: 'Contoso',
    notBefore: t.at('2023-06-01T00:00:00Z'),
    notAfter: t.at('2028-06-01T00:00:00Z'),
    ca: true,
  });
  const partner = t.issue({
    cn: 'partner-api.contoso.com',
    o: 'Contoso',
    issuer: corpCa,
    notBefore: t.at('2026-01-02T00:00:00Z'),
    notAfter: t.at('2027-01-02T00:00:00Z'),
    dns: ['partner-api.contoso.com'],
  });
  const secrets = [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'shop-tls',
        namespace: 'shop',
        uid: '2d6f1f0e-58a4-4c36-9a3b-1f3d3c0b8e11',
        creationTimestamp: t.at('2026-04-24T07:12:05Z'),
        annotations: {
          'cert-manager.io/certificate-name': 'shop-tls',
          'cert-manager.io/issuer-kind': 'ClusterIssuer',
          'cert-manager.io/issuer-name': 'letsencrypt-prod',
        },
      },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': b64(shop.certPem + le.certPem) },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'partner-api-tls',
        namespace: 'partner',
        uid: '8a1c2e57-0f4b-4c2c-bb5e-7e0d9f4a6c21',
        creationTimestamp: t.at('2026-01-02T10:30:00Z'),
      },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': b64(partner.certPem), 'ca.crt': b64(corpCa.certPem) },
    },
  ];
  write(dir, 'kube/secrets.json', list(secrets));
  write(dir, 'kube/certificatesigningrequests.certificates.k8s.io.json', list([]));
  const cmCa = t.issue({
    cn: 'cert-manager-webhook-ca',
    notBefore: t.at('2026-04-20T06:00:00Z'),
    notAfter: t.at('2027-04-20T06:00:00Z'),
    ca: true,
  });
  write(
    dir,
    'kube/validatingwebhookconfigurations.admissionregistration.k8s.io.json',
    list([
      {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: {
          name: 'cert-manager-webhook',
          uid: 'f0b7f7a2-6c9e-4a0e-9a7c-0d7e3b1f2c44',
          creationTimestamp: t.at('2026-04-20T06:00:10Z'),
          annotations: { 'cert-manager.io/inject-ca-from-secret': 'cert-manager/cert-manager-webhook-ca' },
        },
        webhooks: [
          {
            name: 'webhook.cert-manager.io',
            admissionReviewVersions: ['v1'],
            clientConfig: {
              caBundle: b64(cmCa.certPem),
              service: {
                name: 'cert-manager-webhook',
                namespace: 'cert-manager',
                path: '/validate',
                port: 443,
              },
            },
            failurePolicy: 'Fail',
            matchPolicy: 'Equivalent',
            namespaceSelector: {
              matchExpressions: [
                { key: 'cert-manager.io/disable-validation', operator: 'NotIn', values: ['true'] },
              ],
            },
            rules: [
              {
                apiGroups: ['cert-manager.io', 'acme.cert-manager.io'],
                apiVersions: ['v1'],
                operations: ['CREATE', 'UPDATE'],
                resources: ['*/*'],
                scope: '*',
              },
            ],
            sideEffects: 'None',
            timeoutSeconds: 30,
          },
        ],
      },
    ]),
  );
}

/** Options of `writeSampleCertificates`. */
export interface SampleCertificateOptions {
  /**
   * Moves every fixed date of the sample (one-year certificates issued on a given day) by this much; the
   * four-day leaves are placed relative to the bundle's collectedAt anyway. 0 for the committed fixtures.
   */
  shiftMs?: number;
  /** Reuses keys across calls (by bundle and subject), as a renewal that keeps its key does: RSA keys are slow. */
  keys?: Map<string, string>;
}

/** Writes the certificate evidence of one sample bundle (folder `dir`, kind by its folder name). */
export function writeSampleCertificates(
  dir: string,
  sample: SampleBundle,
  opts: SampleCertificateOptions = {},
): void {
  const shift = opts.shiftMs ?? 0;
  const keys = opts.keys;
  const t: Tools = {
    at: (s) => iso(Date.parse(s) + shift),
    issue: (spec) => {
      if (!keys || spec.keyPem) return issue(spec);
      const id = `${sample}/${spec.cn}/${spec.ca ? 'ca' : 'leaf'}`;
      const cached = keys.get(id);
      const cert = issue(cached ? { ...spec, keyPem: cached } : spec);
      keys.set(id, cert.keyPem);
      return cert;
    },
  };
  if (sample === 'aks-hci-management') aksHybrid(dir, 'moc-lmgmt0cp1a2b', '10.20.1.11', t);
  else if (sample === 'aks-hci-workload') {
    aksHybrid(dir, 'moc-lwl1cp7f3c9', '10.20.2.11', t);
    gmsaWebhook(dir, t);
  } else aksAzure(dir, t);
}

interface KubeList {
  items: {
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
    data?: Record<string, string>;
    webhooks?: { name: string; clientConfig: { caBundle?: string } }[];
  }[];
}

function editList(dir: string, file: string, edit: (l: KubeList) => void): void {
  const path = join(dir, 'kube', file);
  const l = JSON.parse(readFileSync(path, 'utf8')) as KubeList;
  edit(l);
  writeFileSync(path, JSON.stringify(l, null, 2) + '\n');
}

/**
 * The gMSA webhook's serving certificate (one year) and the CA in both webhook configurations' caBundle (ten
 * years), as its deploy script makes them (a self-made CA): in the secret the webhook serves and in caBundle.
 */
function gmsaWebhook(dir: string, t: Tools): void {
  const ca = t.issue({
    cn: 'gmsa-webhook-ca',
    notBefore: t.at('2026-09-02T08:30:00Z'),
    notAfter: t.at('2036-08-31T08:30:00Z'),
    ca: true,
  });
  const svc = 'gmsa-webhook.gmsa-webhook';
  const leaf = t.issue({
    cn: `${svc}.svc`,
    issuer: ca,
    notBefore: t.at('2026-09-02T08:30:00Z'),
    notAfter: t.at('2027-09-02T08:30:00Z'),
    dns: ['gmsa-webhook', svc, `${svc}.svc`, `${svc}.svc.cluster.local`],
  });
  editList(dir, 'secrets.json', (l) => {
    for (const s of l.items)
      if (s.metadata.namespace === 'gmsa-webhook' && s.metadata.name === 'gmsa-webhook' && s.data)
        s.data['tls.crt'] = b64(leaf.certPem);
  });
  for (const kind of ['mutating', 'validating'])
    editList(dir, `${kind}webhookconfigurations.admissionregistration.k8s.io.json`, (l) => {
      for (const c of l.items)
        for (const w of c.webhooks ?? [])
          if (w.name === 'admission-webhook.windows-gmsa.sigs.k8s.io')
            w.clientConfig.caBundle = b64(ca.certPem);
    });
}

/** AKS node image versions carry their build date (`...-202610.13.0`): moved like every other date. */
function shiftNodeImages(dir: string, shiftMs: number): void {
  const label = 'kubernetes.azure.com/node-image-version';
  editList(dir, 'nodes.json', (l) => {
    for (const n of l.items) {
      const v = n.metadata.labels?.[label];
      const m = v ? /^(.*-)(\d{4})(\d{2})\.(\d{2})(\.\d+)$/.exec(v) : null;
      if (!m || !n.metadata.labels) continue;
      const d = new Date(Date.UTC(Number(m[2]), Number(m[3]) - 1, Number(m[4])) + shiftMs);
      const ymd = d.toISOString().slice(0, 10).split('-');
      n.metadata.labels[label] = `${m[1]}${ymd[0]}${ymd[1]}.${ymd[2]}${m[5]}`;
    }
  });
}

const ISO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?Z$/;

/** Moves every ISO-8601 UTC time in a JSON value by `shiftMs`, keeping its precision. */
export function shiftTimes(value: unknown, shiftMs: number): unknown {
  if (typeof value === 'string') {
    const m = ISO_TIME.exec(value);
    if (!m) return value;
    const moved = new Date(Date.parse(value) + shiftMs).toISOString();
    return m[2] ? moved : moved.replace(/\.\d{3}Z$/, 'Z');
  }
  if (Array.isArray(value)) return value.map((v) => shiftTimes(v, shiftMs));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shiftTimes(v, shiftMs)]));
  return value;
}

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      // host/ holds copied host files as they are; only the bundle's own JSON carries collection times.
      if (name !== 'host') out.push(...jsonFiles(p));
    } else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

/**
 * Copies a sample bundle to `dst` as if it had been collected at `now`: every time in its JSON (cluster.json's
 * collectedAt, object timestamps, probe times, history) moves by now − collectedAt, and its certificates are
 * issued again relative to now, so four-day AKS hybrid leaves are current and a one-year certificate has the
 * same days left as in the fixture. Returns the shift applied.
 */
export function refreshSampleBundle(src: string, dst: string, now: Date, keys?: Map<string, string>): number {
  const sample = basename(src) as SampleBundle;
  if (!SAMPLE_BUNDLES.includes(sample))
    throw new Error(`${src} is not a sample bundle (one of ${SAMPLE_BUNDLES.join(', ')})`);
  const { collectedAt } = JSON.parse(readFileSync(join(src, 'cluster.json'), 'utf8')) as {
    collectedAt: string;
  };
  const shiftMs = now.getTime() - Date.parse(collectedAt);
  mkdirSync(dst, { recursive: true });
  cpSync(src, dst, { recursive: true });
  for (const file of jsonFiles(dst)) {
    const shifted = shiftTimes(JSON.parse(readFileSync(file, 'utf8')), shiftMs);
    writeFileSync(file, JSON.stringify(shifted, null, 2) + '\n');
  }
  if (existsSync(join(dst, 'kube', 'nodes.json'))) shiftNodeImages(dst, shiftMs);
  writeSampleCertificates(dst, sample, { shiftMs, ...(keys ? { keys } : {}) });
  return shiftMs;
}
