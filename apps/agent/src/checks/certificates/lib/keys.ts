import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { posix } from 'node:path';
import {
  type Evidence,
  factsFromRedactedKey,
  hostConfig,
  type PrivateKeyFacts,
  type ResourceRef,
  staticPod,
} from '@watchpost/shared';
import type { CertInventory, CertEntry } from './inventory.js';

/** Static pod flag pairs naming a certificate and its key. */
const FLAG_PAIRS: Record<string, [string, string][]> = {
  'kube-apiserver': [
    ['tls-cert-file', 'tls-private-key-file'],
    ['kubelet-client-certificate', 'kubelet-client-key'],
    ['proxy-client-cert-file', 'proxy-client-key-file'],
    ['etcd-certfile', 'etcd-keyfile'],
  ],
  etcd: [
    ['cert-file', 'key-file'],
    ['peer-cert-file', 'peer-key-file'],
  ],
  'kube-controller-manager': [['cluster-signing-cert-file', 'cluster-signing-key-file']],
};

/** Where a private key is and what is known about it (never the key). */
export interface KeyRef {
  where: string;
  resource: ResourceRef;
  facts?: PrivateKeyFacts;
  /** Why no facts: not collected, not a key. */
  missing?: string;
}

/** A certificate and the key that must match it. */
export interface KeyPairing {
  cert: CertEntry;
  key: KeyRef;
  declaredBy: string;
}

/** Facts of an embedded `client-key-data`: computed here, the decoded key goes out of scope at once. */
export function embeddedKeyFacts(base64: string): PrivateKeyFacts {
  // Collected kubeconfigs carry a redaction marker with the facts instead of the key (collectors/private-key.ts).
  const redacted = factsFromRedactedKey(base64);
  if (redacted) return redacted;
  try {
    const key = createPrivateKey(Buffer.from(base64, 'base64'));
    const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
    const facts: PrivateKeyFacts = { publicKeySha256: createHash('sha256').update(spki).digest('hex') };
    if (key.asymmetricKeyType) facts.type = key.asymmetricKeyType;
    return facts;
  } catch {
    return { error: 'client-key-data is not a readable unencrypted private key' };
  }
}

function keyFile(evidence: Evidence, path: string): KeyRef {
  const resource: ResourceRef = { kind: 'File', path };
  const f = evidence.host[path];
  if (!f) return { where: path, resource, missing: `${path} was not collected` };
  if (f.error) return { where: path, resource, missing: `${path} could not be read: ${f.error}` };
  if (!f.privateKey) return { where: path, resource, missing: `${path} holds no PEM private key` };
  return { where: path, resource, facts: f.privateKey };
}

/** Same-name conventions of kubeadm and openssl: `x.crt` + `x.key`, `x.pem` + `x-key.pem`. */
function conventionalKeyPaths(certPath: string): string[] {
  const ext = posix.extname(certPath);
  const stem = certPath.slice(0, -ext.length);
  return [`${stem}.key`, `${stem}-key.pem`];
}

/** Every certificate/key pair the evidence declares (flags, kubelet config, kubeconfigs) or implies by name. */
export function keyPairings(evidence: Evidence, inv: CertInventory): KeyPairing[] {
  const out: KeyPairing[] = [];
  const byPath = (p: string | undefined) =>
    p ? inv.entries.find((e) => e.origin === 'file' && e.resource.path === p && e.index === 0) : undefined;
  const paired = new Set<string>();
  const add = (cert: CertEntry | undefined, key: KeyRef, declaredBy: string) => {
    if (!cert || paired.has(`${cert.identity}|${key.where}`)) return;
    paired.add(`${cert.identity}|${key.where}`);
    out.push({ cert, key, declaredBy });
  };
  for (const [component, pairs] of Object.entries(FLAG_PAIRS)) {
    const pod = staticPod(evidence, component);
    if (!pod) continue;
    for (const [c, k] of pairs) {
      const keyPath = pod.flags[k];
      if (pod.flags[c] && keyPath)
        add(
          byPath(posix.normalize(pod.flags[c])),
          keyFile(evidence, posix.normalize(keyPath)),
          `${component} --${c}/--${k} (${pod.path})`,
        );
    }
  }
  const cfg = hostConfig(evidence);
  for (const k of cfg.kubelet) {
    if (k.tlsCertFile && k.tlsPrivateKeyFile)
      add(
        byPath(k.tlsCertFile),
        keyFile(evidence, k.tlsPrivateKeyFile),
        `kubelet tlsCertFile/tlsPrivateKeyFile (${k.path})`,
      );
  }
  for (const kc of cfg.kubeconfigs) {
    for (const u of kc.users) {
      const cert = u.certData
        ? inv.entries.find((e) => e.identity === `kubeconfig:${kc.path}#${u.name}`)
        : byPath(u.certPath);
      const declaredBy = `kubeconfig ${kc.path} user ${u.name}`;
      if (u.keyData)
        add(
          cert,
          {
            where: `${kc.path} user ${u.name} client-key-data`,
            resource: { kind: 'Kubeconfig', path: kc.path, name: u.name },
            facts: embeddedKeyFacts(u.keyData),
          },
          declaredBy,
        );
      else if (u.keyPath) add(cert, keyFile(evidence, u.keyPath), declaredBy);
    }
  }
  for (const e of inv.entries) {
    if (e.origin !== 'file' || e.index !== 0 || !e.resource.path) continue;
    for (const p of conventionalKeyPaths(e.resource.path)) {
      if (evidence.host[p]?.privateKey) add(e, keyFile(evidence, p), `same name (${posix.basename(p)})`);
    }
  }
  return out;
}
