import { posix } from 'node:path';
import {
  endpointAddress,
  type Evidence,
  hostConfig,
  type HostFile,
  type KubeObject,
  readTlsEndpoints,
  type ResourceRef,
  staticPod,
  TLS_ENDPOINTS_PROBE,
} from '@watchpost/shared';
import { parsePemCertificates, type CertInfo } from './x509.js';

/** Where a certificate was found. */
export type CertOrigin = 'file' | 'kubeconfig' | 'endpoint' | 'secret' | 'webhook';

/** One certificate at one place. */
export interface CertEntry {
  /**
   * Stable across renewals (the key of the observation history): a file path, `kubeconfig:<path>#<user>`,
   * `kubeconfig:<path>#cluster:<name>`, `endpoint:<host:port>`, `secret:<ns>/<name>`, `secret:<ns>/<name>#ca.crt`,
   * `webhook:<kind>/<name>/<webhook>`; certificates after the first in one place get `#<n>` (n from 2).
   */
  identity: string;
  origin: CertOrigin;
  resource: ResourceRef;
  /** For messages: `/etc/kubernetes/pki/apiserver.crt`, `kubeconfig /etc/kubernetes/admin.conf user kubernetes-admin`. */
  where: string;
  cert: CertInfo;
  /** Position in its place (0 = first, the leaf of a served chain or a cert file). */
  index: number;
  /** Every certificate at the same place, in order (intermediates of a chain live here). */
  siblings: CertInfo[];
  /** Endpoint name (`kube-apiserver`, `kubelet`) for served chains. */
  endpointName?: string;
  /** Annotations of the Secret it came from. */
  annotations?: Record<string, string>;
}

/** A place that should hold a certificate but could not be read as one. */
export interface SourceProblem {
  resource: ResourceRef;
  message: string;
}

/** All certificates the evidence holds, plus what could not be read and which sources were collected at all. */
export interface CertInventory {
  entries: CertEntry[];
  problems: SourceProblem[];
  /** Human list of collected certificate sources; empty means nothing was collected. */
  collectedSources: string[];
}

const CERT_EXTENSIONS = ['.crt', '.cer', '.pem'];
/** Static pod flags that name certificate files (component -> flags). */
export const STATIC_POD_CERT_FLAGS: Record<string, string[]> = {
  'kube-apiserver': [
    'tls-cert-file',
    'client-ca-file',
    'kubelet-client-certificate',
    'kubelet-certificate-authority',
    'proxy-client-cert-file',
    'requestheader-client-ca-file',
    'etcd-certfile',
    'etcd-cafile',
  ],
  etcd: ['cert-file', 'peer-cert-file', 'trusted-ca-file', 'peer-trusted-ca-file'],
  'kube-controller-manager': [
    'cluster-signing-cert-file',
    'root-ca-file',
    'client-ca-file',
    'requestheader-client-ca-file',
  ],
  'kube-scheduler': ['client-ca-file', 'requestheader-client-ca-file'],
};

const cache = new WeakMap<Evidence, CertInventory>();

function decodeBase64Pem(data: string): string | undefined {
  const text = Buffer.from(data, 'base64').toString('utf8');
  return text.includes('-----BEGIN') ? text : undefined;
}

/** Paths that configuration names as certificate files (so they are read whatever their extension). */
function referencedCertPaths(evidence: Evidence): Map<string, string> {
  const refs = new Map<string, string>();
  const cfg = hostConfig(evidence);
  for (const kc of cfg.kubeconfigs) {
    for (const u of kc.users) if (u.certPath) refs.set(u.certPath, `kubeconfig ${kc.path} user ${u.name}`);
    for (const c of kc.clusters) if (c.caPath) refs.set(c.caPath, `kubeconfig ${kc.path} cluster ${c.name}`);
  }
  for (const k of cfg.kubelet) {
    if (k.tlsCertFile) refs.set(k.tlsCertFile, `kubelet config ${k.path} tlsCertFile`);
    if (k.clientCAFile) refs.set(k.clientCAFile, `kubelet config ${k.path} clientCAFile`);
  }
  for (const [component, flags] of Object.entries(STATIC_POD_CERT_FLAGS)) {
    const pod = staticPod(evidence, component);
    if (!pod) continue;
    for (const f of flags) {
      const p = pod.flags[f];
      if (p) refs.set(posix.normalize(p), `${component} --${f} in ${pod.path}`);
    }
  }
  return refs;
}

function addPem(
  out: CertInventory,
  base: Omit<CertEntry, 'cert' | 'index' | 'siblings' | 'identity'> & { identity: string },
  pem: string,
): void {
  const parsed = parsePemCertificates(pem);
  if (!parsed.ok) {
    out.problems.push({ resource: base.resource, message: `${base.where} ${parsed.reason}` });
    return;
  }
  for (const [index, cert] of parsed.certs.entries()) {
    out.entries.push({
      ...base,
      identity: index === 0 ? base.identity : `${base.identity}#${index + 1}`,
      cert,
      index,
      siblings: parsed.certs,
    });
  }
}

function fileProblem(file: HostFile, path: string, referencedBy: string | undefined): string | undefined {
  if (file.error) return `${path} could not be read: ${file.error}`;
  if (file.content === undefined && file.privateKey) {
    // A file with key and certificate together (kubelet-client-current.pem): the collector keeps only key facts.
    return referencedBy
      ? `${path} (${referencedBy}) holds a private key, so its certificate was not kept in the evidence; the certificate in it could not be checked`
      : undefined;
  }
  return undefined;
}

function hostEntries(evidence: Evidence, out: CertInventory): void {
  const refs = referencedCertPaths(evidence);
  const paths = new Set<string>();
  for (const path of Object.keys(evidence.host))
    if (CERT_EXTENSIONS.includes(posix.extname(path).toLowerCase())) paths.add(path);
  for (const path of refs.keys()) paths.add(path);
  for (const path of [...paths].sort()) {
    const file = evidence.host[path];
    const resource: ResourceRef = { kind: 'File', path };
    const ref = refs.get(path);
    if (!file) {
      if (ref && Object.keys(evidence.host).length)
        out.problems.push({
          resource,
          message: `${ref} names ${path}, which was not collected; add it to the host layout or the bundle`,
        });
      continue;
    }
    const problem = fileProblem(file, path, ref);
    if (problem) {
      out.problems.push({ resource, message: problem });
      continue;
    }
    if (file.content === undefined) continue; // a key file (*.pem holding only a key): the key checks handle it
    addPem(out, { identity: path, origin: 'file', resource, where: path }, file.content);
  }
  for (const kc of hostConfig(evidence).kubeconfigs) {
    for (const u of kc.users) {
      if (!u.certData) continue;
      const where = `kubeconfig ${kc.path} user ${u.name}`;
      const resource: ResourceRef = { kind: 'Kubeconfig', path: kc.path, name: u.name };
      const pem = decodeBase64Pem(u.certData);
      if (!pem)
        out.problems.push({
          resource,
          message: `${where}: client-certificate-data is not base64 of a PEM certificate`,
        });
      else
        addPem(
          out,
          { identity: `kubeconfig:${kc.path}#${u.name}`, origin: 'kubeconfig', resource, where },
          pem,
        );
    }
    for (const c of kc.clusters) {
      if (!c.caData) continue;
      const where = `kubeconfig ${kc.path} cluster ${c.name} CA`;
      const resource: ResourceRef = { kind: 'Kubeconfig', path: kc.path, name: `cluster:${c.name}` };
      const pem = decodeBase64Pem(c.caData);
      if (!pem)
        out.problems.push({
          resource,
          message: `${where}: certificate-authority-data is not base64 of a PEM certificate`,
        });
      else
        addPem(
          out,
          { identity: `kubeconfig:${kc.path}#cluster:${c.name}`, origin: 'kubeconfig', resource, where },
          pem,
        );
    }
  }
}

function kubeList(evidence: Evidence, resource: string, out: CertInventory): KubeObject[] {
  const entry = evidence.kube[resource];
  if (!entry) return [];
  if (entry.status === 'ok') {
    out.collectedSources.push(resource);
    return entry.items;
  }
  if (entry.status === 'not-installed') return [];
  out.problems.push({
    resource: { kind: 'KubeResource', name: resource },
    message: `${resource} could not be listed, so their certificates were not checked: ${entry.error.message}`,
  });
  return [];
}

function secretEntries(evidence: Evidence, out: CertInventory): void {
  for (const s of kubeList(evidence, 'secrets', out)) {
    const type = s['type'];
    if (type !== 'kubernetes.io/tls') continue;
    const data = (s['data'] ?? {}) as Record<string, unknown>;
    const ns = s.metadata.namespace ?? '';
    const resource: ResourceRef = { kind: 'Secret', namespace: ns, name: s.metadata.name };
    const annotations = s.metadata.annotations;
    for (const key of ['tls.crt', 'ca.crt']) {
      const v = data[key];
      if (typeof v !== 'string' || v === '') continue;
      const where = `secret ${ns}/${s.metadata.name} ${key}`;
      const pem = decodeBase64Pem(v);
      const identity =
        key === 'tls.crt' ? `secret:${ns}/${s.metadata.name}` : `secret:${ns}/${s.metadata.name}#ca.crt`;
      if (!pem) out.problems.push({ resource, message: `${where} is not base64 of a PEM certificate` });
      else
        addPem(
          out,
          { identity, origin: 'secret', resource, where, ...(annotations ? { annotations } : {}) },
          pem,
        );
    }
  }
}

function webhookEntries(evidence: Evidence, out: CertInventory): void {
  for (const [resource, kind] of [
    ['validatingwebhookconfigurations.admissionregistration.k8s.io', 'ValidatingWebhookConfiguration'],
    ['mutatingwebhookconfigurations.admissionregistration.k8s.io', 'MutatingWebhookConfiguration'],
  ] as const) {
    for (const cfg of kubeList(evidence, resource, out)) {
      const hooks = Array.isArray(cfg['webhooks']) ? (cfg['webhooks'] as Record<string, unknown>[]) : [];
      for (const hook of hooks) {
        const name = typeof hook['name'] === 'string' ? hook['name'] : '(unnamed)';
        const caBundle = (hook['clientConfig'] as { caBundle?: unknown } | undefined)?.caBundle;
        if (typeof caBundle !== 'string' || caBundle === '') continue;
        const ref: ResourceRef = { kind, name: cfg.metadata.name };
        const where = `${kind} ${cfg.metadata.name} webhook ${name} caBundle`;
        const pem = decodeBase64Pem(caBundle);
        if (!pem)
          out.problems.push({ resource: ref, message: `${where} is not base64 of a PEM certificate` });
        else
          addPem(
            out,
            {
              identity: `webhook:${kind}/${cfg.metadata.name}/${name}`,
              origin: 'webhook',
              resource: ref,
              where,
            },
            pem,
          );
      }
    }
  }
}

function endpointEntries(evidence: Evidence, out: CertInventory): void {
  const probe = readTlsEndpoints(evidence.probes[TLS_ENDPOINTS_PROBE]);
  if (probe.status === 'absent') return;
  if (probe.status === 'invalid') {
    out.problems.push({ resource: { kind: 'Probe', name: TLS_ENDPOINTS_PROBE }, message: probe.reason });
    return;
  }
  out.collectedSources.push(`probe ${TLS_ENDPOINTS_PROBE}`);
  for (const e of probe.value.endpoints) {
    const addr = endpointAddress(e.host, e.port);
    const resource: ResourceRef = { kind: 'Endpoint', name: addr };
    // A refused or timed-out endpoint is the probe's finding about reachability, not a certificate problem.
    if (!e.chainPem?.length) continue;
    addPem(
      out,
      {
        identity: `endpoint:${addr}`,
        origin: 'endpoint',
        resource,
        where: `${e.name} served on ${addr}`,
        endpointName: e.name,
      },
      e.chainPem.join('\n'),
    );
  }
}

/** Every certificate in the evidence, parsed once per Evidence. */
export function certificateInventory(evidence: Evidence): CertInventory {
  const hit = cache.get(evidence);
  if (hit) return hit;
  const out: CertInventory = { entries: [], problems: [], collectedSources: [] };
  if (Object.keys(evidence.host).length) out.collectedSources.push('host files');
  hostEntries(evidence, out);
  secretEntries(evidence, out);
  webhookEntries(evidence, out);
  endpointEntries(evidence, out);
  cache.set(evidence, out);
  return out;
}

const ORIGIN_ORDER: CertOrigin[] = ['file', 'kubeconfig', 'endpoint', 'secret', 'webhook'];

/** One certificate (by fingerprint) with every place it was found; the first place is the one results name. */
export interface UniqueCert {
  entry: CertEntry;
  alsoAt: string[];
}

/** Groups entries by fingerprint so a CA copied into ten kubeconfigs gives one result, naming the copies. */
export function uniqueCertificates(entries: readonly CertEntry[]): UniqueCert[] {
  const groups = new Map<string, CertEntry[]>();
  for (const e of entries) {
    const g = groups.get(e.cert.fingerprint256);
    if (g) g.push(e);
    else groups.set(e.cert.fingerprint256, [e]);
  }
  return [...groups.values()].map((g) => {
    const sorted = [...g].sort(
      (a, b) =>
        ORIGIN_ORDER.indexOf(a.origin) - ORIGIN_ORDER.indexOf(b.origin) ||
        a.identity.localeCompare(b.identity),
    );
    return { entry: sorted[0], alsoAt: sorted.slice(1).map((e) => e.where) };
  });
}
