import { endpointAddress, type Evidence, hostConfig, staticPod } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import { certFacts, describe, isCaCert, nothingToJudge, inventoryOrError } from './lib/common.js';
import { uniqueCertificates, type CertEntry, type CertInventory } from './lib/inventory.js';
import { certName, issuedBy, verifyChain, type CertInfo } from './lib/x509.js';

/** A certificate and the CA bundle that must verify it, with who relies on that. */
interface Pairing {
  leaf: CertEntry;
  caWhere: string;
  anchors: CertInfo[] | undefined;
  /** What breaks when it does not verify. */
  consequence: string;
  /** Why this CA: the flag or config naming it. */
  declaredBy: string;
}

function fileEntry(inv: CertInventory, path: string | undefined): CertEntry | undefined {
  if (!path) return undefined;
  return inv.entries.find((e) => e.origin === 'file' && e.resource.path === path && e.index === 0);
}

function anchorsAt(inv: CertInventory, path: string): CertInfo[] | undefined {
  const e = fileEntry(inv, path);
  return e ? e.siblings : undefined;
}

function addressOf(server: string | undefined): { host: string; port: number } | undefined {
  if (!server) return undefined;
  try {
    const u = new URL(server);
    const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : undefined;
    return port === undefined ? undefined : { host: u.hostname.replace(/^\[|\]$/g, ''), port };
  } catch {
    return undefined;
  }
}

/**
 * Pairs as the components themselves use them (kube-apiserver, etcd and kubelet flags, kubeconfigs): the
 * question is not "is there some CA that signed this" but "will the party that checks it accept it".
 */
function declaredPairings(evidence: Evidence, inv: CertInventory): Pairing[] {
  const out: Pairing[] = [];
  const api = staticPod(evidence, 'kube-apiserver');
  const etcd = staticPod(evidence, 'etcd');
  const kubelet = hostConfig(evidence).kubelet[0];
  const kubeconfigs = hostConfig(evidence).kubeconfigs;
  const add = (
    leaf: CertEntry | undefined,
    caPath: string | undefined,
    consequence: string,
    declaredBy: string,
  ) => {
    if (leaf && caPath)
      out.push({ leaf, caWhere: caPath, anchors: anchorsAt(inv, caPath), consequence, declaredBy });
  };
  if (api) {
    const f = api.flags;
    add(
      fileEntry(inv, f['proxy-client-cert-file']),
      f['requestheader-client-ca-file'],
      "aggregated API servers (metrics-server) reject the API server's front-proxy requests",
      `kube-apiserver --requestheader-client-ca-file (${api.path})`,
    );
    add(
      fileEntry(inv, f['etcd-certfile']),
      etcd?.flags['trusted-ca-file'],
      'etcd rejects the API server',
      `etcd --trusted-ca-file (${etcd?.path ?? ''})`,
    );
    add(
      fileEntry(inv, etcd?.flags['cert-file']),
      f['etcd-cafile'],
      'the API server rejects etcd',
      `kube-apiserver --etcd-cafile (${api.path})`,
    );
    add(
      fileEntry(inv, f['kubelet-client-certificate']),
      kubelet?.clientCAFile,
      'kubelets reject the API server (kubectl logs/exec/port-forward fail)',
      `kubelet authentication.x509.clientCAFile (${kubelet?.path ?? ''})`,
    );
    const kubeletServing =
      fileEntry(inv, kubelet?.tlsCertFile) ??
      inv.entries.find((e) => e.origin === 'endpoint' && e.endpointName === 'kubelet' && e.index === 0);
    add(
      kubeletServing,
      f['kubelet-certificate-authority'],
      'the API server rejects the kubelet (logs/exec fail)',
      `kube-apiserver --kubelet-certificate-authority (${api.path})`,
    );
    const clientCa = f['client-ca-file'];
    for (const kc of kubeconfigs) {
      for (const u of kc.users) {
        const leaf = u.certData
          ? inv.entries.find((e) => e.identity === `kubeconfig:${kc.path}#${u.name}`)
          : fileEntry(inv, u.certPath);
        add(
          leaf,
          clientCa,
          `the API server rejects user ${u.name} of ${kc.path}`,
          `kube-apiserver --client-ca-file (${api.path})`,
        );
      }
    }
  }
  if (etcd)
    add(
      fileEntry(inv, etcd.flags['peer-cert-file']),
      etcd.flags['peer-trusted-ca-file'],
      'etcd peers reject this member',
      `etcd --peer-trusted-ca-file (${etcd.path})`,
    );
  // The API server's serving certificate, as configured and as served, against what clients on this host trust.
  const securePort = Number(api?.flags['secure-port'] ?? 6443);
  const configured = fileEntry(inv, api?.flags['tls-cert-file']);
  const served = inv.entries.filter(
    (e) => e.origin === 'endpoint' && e.endpointName === 'kube-apiserver' && e.index === 0,
  );
  for (const kc of kubeconfigs) {
    for (const c of kc.clusters) {
      const addr = addressOf(c.server);
      if (!addr) continue;
      // The server this kubeconfig talks to: what was served at its address, or this host's API server on its port.
      const exact = served.filter((e) => e.resource.name === endpointAddress(addr.host, addr.port));
      const servers = exact.length ? exact : addr.port === securePort ? [configured, ...served] : [];
      if (!servers.length) continue;
      const caEntry = c.caData
        ? inv.entries.find((e) => e.identity === `kubeconfig:${kc.path}#cluster:${c.name}`)
        : undefined;
      const anchors = caEntry ? caEntry.siblings : c.caPath ? anchorsAt(inv, c.caPath) : undefined;
      const caWhere = caEntry ? caEntry.where : (c.caPath ?? '');
      if (!caWhere) continue;
      for (const leaf of servers) {
        if (leaf)
          out.push({
            leaf,
            caWhere,
            anchors,
            consequence: `clients using ${kc.path} reject the API server`,
            declaredBy: `kubeconfig ${kc.path} cluster ${c.name}`,
          });
      }
    }
  }
  return out;
}

export const certChainInvalid: Check = {
  id: 'cert-chain-invalid',
  run({ evidence }) {
    const { inventory, findings, usable } = inventoryOrError(evidence);
    if (!usable) return findings;
    const seen = new Set<string>();
    const covered = new Set<string>();
    for (const p of declaredPairings(evidence, inventory)) {
      const key = `${p.leaf.cert.fingerprint256}|${p.caWhere}`;
      if (seen.has(key)) continue;
      seen.add(key);
      covered.add(p.leaf.cert.fingerprint256);
      const facts = { ...certFacts(p.leaf), ca: p.caWhere, declaredBy: p.declaredBy };
      if (!p.anchors) {
        findings.push({
          outcome: 'error',
          resource: p.leaf.resource,
          evidence: facts,
          message: `${describe(p.leaf)} must verify against ${p.caWhere} (${p.declaredBy}), which was not collected`,
        });
        continue;
      }
      const anchor = verifyChain(p.leaf.cert, p.leaf.siblings.slice(p.leaf.index + 1), p.anchors);
      findings.push(
        anchor
          ? {
              outcome: 'pass',
              resource: p.leaf.resource,
              evidence: facts,
              message: `${describe(p.leaf)} verifies against ${p.caWhere} (${certName(anchor)}) as ${p.declaredBy} requires`,
            }
          : {
              outcome: 'fail',
              resource: p.leaf.resource,
              evidence: facts,
              message: `${describe(p.leaf)} does not verify against ${p.caWhere} (${p.declaredBy}): ${p.consequence}`,
            },
      );
    }
    // Everything else: a certificate naming a CA we hold must have been signed by that CA's key.
    const all = uniqueCertificates(inventory.entries);
    const cas = all.filter((u) => isCaCert(u.entry.cert));
    for (const { entry, alsoAt } of all) {
      if (entry.cert.selfSigned || covered.has(entry.cert.fingerprint256)) continue;
      const named = cas.filter((ca) => ca.entry !== entry && ca.entry.cert.subject === entry.cert.issuer);
      if (!named.length) continue;
      const signer = named.find((ca) => issuedBy(entry.cert, ca.entry.cert));
      const f: CheckFinding = signer
        ? {
            outcome: 'pass',
            resource: entry.resource,
            evidence: certFacts(entry, alsoAt),
            message: `${describe(entry, alsoAt)} verifies against ${signer.entry.where}`,
          }
        : {
            outcome: 'fail',
            resource: entry.resource,
            evidence: { ...certFacts(entry, alsoAt), candidates: named.map((n) => n.entry.where) },
            message: `${describe(entry, alsoAt)} names ${certName(named[0].entry.cert)} as its issuer, but ${named.map((n) => n.entry.where).join(', ')} did not sign it: the CA was replaced without re-issuing this certificate, or it belongs to another cluster`,
          };
      findings.push(f);
    }
    if (!findings.length)
      findings.push(nothingToJudge(evidence, inventory, 'no certificate whose CA is also in the evidence'));
    return findings;
  },
};
