import { type CertificateFactsV1, type Evidence, hostConfig, type ResourceRef } from '@watchpost/shared';
import type { CheckFinding, CheckOptions } from '../../check.js';
import { certificateInventory, type CertEntry, type CertInventory } from './inventory.js';
import { certName, type CertInfo } from './x509.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** `3d 4h`, `45 days`, `2.1 years`: precise where it matters (short-lived certificates), short otherwise. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < HOUR) return `${Math.round(abs / 60_000)} min`;
  if (abs < 2 * DAY) return `${Math.round(abs / HOUR)}h`;
  if (abs < 10 * DAY) {
    const d = Math.floor(abs / DAY);
    const h = Math.round((abs - d * DAY) / HOUR);
    return h ? `${d}d ${h}h` : `${d}d`;
  }
  if (abs < 2 * 365 * DAY) return `${Math.round(abs / DAY)} days`;
  return `${(abs / (365.25 * DAY)).toFixed(1)} years`;
}

/** ISO time without milliseconds. */
export function iso(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

/** Share of the certificate's own lifetime left at `t` (negative once expired). */
export function shareLeft(c: CertInfo, t: Date): number {
  return c.lifetimeMs > 0 ? (c.notAfter.getTime() - t.getTime()) / c.lifetimeMs : -1;
}

/** `expires 2026-06-02T00:00:00Z (1d 2h left of a 4d lifetime, 27 %)`. */
export function validityText(c: CertInfo, t: Date): string {
  const left = c.notAfter.getTime() - t.getTime();
  if (left <= 0)
    return `expired ${iso(c.notAfter)} (${formatDuration(left)} ago; lifetime ${formatDuration(c.lifetimeMs)})`;
  return `expires ${iso(c.notAfter)} (${formatDuration(left)} left of a ${formatDuration(c.lifetimeMs)} lifetime, ${Math.round(shareLeft(c, t) * 100)} %)`;
}

/** `/etc/kubernetes/pki/apiserver.crt (CN=kube-apiserver)`, plus the other places the same certificate sits. */
export function describe(entry: CertEntry, alsoAt: readonly string[] = []): string {
  const extra = alsoAt.length
    ? ` (also at ${alsoAt.slice(0, 3).join(', ')}${alsoAt.length > 3 ? ` and ${alsoAt.length - 3} more` : ''})`
    : '';
  return `${entry.where} [${certName(entry.cert)}]${extra}`;
}

/** Facts attached to every per-certificate result (never key material). */
export function certFacts(entry: CertEntry, alsoAt: readonly string[] = []): Record<string, unknown> {
  const facts: Record<string, unknown> = {
    identity: entry.identity,
    subject: entry.cert.subject.replace(/\n/g, ', '),
    issuer: entry.cert.issuer.replace(/\n/g, ', '),
    serial: entry.cert.serial,
    notBefore: iso(entry.cert.notBefore),
    notAfter: iso(entry.cert.notAfter),
    fingerprint256: entry.cert.fingerprint256,
  };
  if (alsoAt.length) facts['alsoAt'] = alsoAt;
  return facts;
}

/**
 * The typed certificate facts the hub reads (`@watchpost/shared` facts): where it lives, validity, lifetime,
 * whether the platform renews it, and when renewal is due (the start of the warning window: the warn share of its
 * lifetime left, for CAs capped at `caWarnMaxDays` as cert-ca-expiry judges).
 */
export function certificateFacts(
  entry: CertEntry,
  evidence: Evidence,
  options: CheckOptions,
): CertificateFactsV1 {
  const c = entry.cert;
  const ca = isCaCert(c);
  const warnWithin = ca
    ? Math.min(options.certWarnLifetimeShare * c.lifetimeMs, options.caWarnMaxDays * DAY)
    : options.certWarnLifetimeShare * c.lifetimeMs;
  const rotation = autoRotation(entry, evidence, options);
  const facts: CertificateFactsV1 = {
    type: 'certificate',
    version: 1,
    source: { kind: entry.origin, locator: entry.identity },
    subject: c.subject.replace(/\n/g, ', '),
    issuer: c.issuer.replace(/\n/g, ', '),
    serial: c.serial,
    notBefore: iso(c.notBefore),
    notAfter: iso(c.notAfter),
    lifetimeSeconds: Math.max(0, Math.round(c.lifetimeMs / 1000)),
    isCa: ca,
    renewedAutomatically: rotation.auto,
    renewalDueAt: iso(new Date(Math.floor((c.notAfter.getTime() - warnWithin) / 1000) * 1000)),
  };
  if (rotation.auto) facts.renewedBy = rotation.by;
  return facts;
}

/** The inventory plus the findings every per-certificate check starts with: unreadable sources, or nothing collected. */
export function inventoryOrError(evidence: Evidence): {
  inventory: CertInventory;
  findings: CheckFinding[];
  usable: boolean;
} {
  const inventory = certificateInventory(evidence);
  const findings: CheckFinding[] = inventory.problems.map((p) => ({
    outcome: 'error',
    resource: p.resource,
    message: p.message,
  }));
  if (!inventory.collectedSources.length) {
    findings.push({
      outcome: 'error',
      resource: clusterRef(evidence),
      message:
        'no certificate source was collected (host files, secrets, webhook configurations, the tls-endpoints probe): nothing could be checked',
    });
    return { inventory, findings, usable: false };
  }
  return { inventory, findings, usable: true };
}

/** The cluster as a resource. */
export function clusterRef(evidence: Evidence): ResourceRef {
  return { kind: 'Cluster', name: evidence.cluster.name };
}

/** A result for "certificates were collected, but none is of the kind this check judges". */
export function nothingToJudge(evidence: Evidence, inventory: CertInventory, what: string): CheckFinding {
  return {
    outcome: 'not_applicable',
    resource: clusterRef(evidence),
    message: `${what} among the ${inventory.entries.length} certificates found in ${inventory.collectedSources.join(', ')}`,
  };
}

/** CA certificates: basicConstraints CA, or self-signed roots (old ones lack the extension). */
export function isCaCert(c: CertInfo): boolean {
  return c.isCa || c.selfSigned;
}

const EKU_SERVER = '1.3.6.1.5.5.7.3.1';
const EKU_CLIENT = '1.3.6.1.5.5.7.3.2';

/** A kubelet-issued-by-the-cluster certificate (`CN=system:node:<name>`, O=system:nodes), not self-signed. */
function kubeletCertKind(c: CertInfo): 'client' | 'serving' | undefined {
  if (c.selfSigned || !c.commonName?.startsWith('system:node:') || !c.subject.includes('O=system:nodes'))
    return undefined;
  if (c.extKeyUsage.includes(EKU_SERVER) && !c.extKeyUsage.includes(EKU_CLIENT)) return 'serving';
  return 'client';
}

/** Whether something renews this certificate without a person, and what. */
export type AutoRotation = { auto: true; by: string } | { auto: false };

/**
 * Which certificates are renewed automatically, so that "not yet renewed" is a finding:
 * certificates with a short lifetime (AKS hybrid's four-day leaves: nobody renews those by hand), the
 * kubelet's cluster-signed client certificate (unless `rotateCertificates: false`) and serving certificate
 * (with `serverTLSBootstrap: true`), and cert-manager's secrets. Not CAs, not certificates embedded in a
 * kubeconfig (the kubelet cannot rewrite those).
 */
export function autoRotation(entry: CertEntry, evidence: Evidence, options: CheckOptions): AutoRotation {
  const c = entry.cert;
  if (isCaCert(c)) return { auto: false };
  if (c.lifetimeMs <= options.certAutoRenewMaxLifetimeDays * DAY) {
    return {
      auto: true,
      by: `its ${formatDuration(c.lifetimeMs)} lifetime means it is renewed automatically${evidence.cluster.platform === 'aks-hci' ? ' (AKS hybrid renews its non-root certificates every few days)' : ''}`,
    };
  }
  if (entry.origin === 'secret' && entry.annotations?.['cert-manager.io/certificate-name']) {
    return {
      auto: true,
      by: `cert-manager Certificate ${entry.annotations['cert-manager.io/certificate-name']} renews it`,
    };
  }
  if (entry.origin === 'file' || entry.origin === 'endpoint') {
    const kind = kubeletCertKind(c);
    const kubelet = hostConfig(evidence).kubelet[0];
    if (kind === 'client' && kubelet?.rotateCertificates !== false)
      return { auto: true, by: 'the kubelet rotates its client certificate (rotateCertificates on)' };
    if (kind === 'serving' && kubelet?.serverTLSBootstrap === true)
      return { auto: true, by: 'the kubelet rotates its serving certificate (serverTLSBootstrap: true)' };
  }
  return { auto: false };
}

/**
 * The time to judge observed state at. `--at` in the future is a projection: things renewed automatically
 * will have been renewed by then, so checks about the rotation machinery judge the state as collected.
 */
export function observedAt(evidence: Evidence, now: Date): Date {
  const collected = new Date(evidence.collectedAt);
  return Number.isNaN(collected.getTime()) || collected > now ? now : collected;
}

export { DAY, HOUR };
