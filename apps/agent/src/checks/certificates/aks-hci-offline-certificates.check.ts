import type { Check } from '../check.js';
import {
  clusterRef,
  DAY,
  formatDuration,
  inventoryOrError,
  isCaCert,
  iso,
  observedAt,
} from './lib/common.js';
import { aksHybridGeneration, offlineRemediation } from './lib/aks-hybrid.js';
import { uniqueCertificates } from './lib/inventory.js';

/** AKS hybrid facts (DESIGN.md section 3): leaves live four days; the MOC layer's credentials do not survive 30 days off. */
export const AKS_HYBRID_LEAF_DAYS = 4;
export const AKS_HYBRID_MOC_DAYS = 30;

/**
 * AKS hybrid renews its four-day certificates only while the cluster runs; powered off for longer, it comes
 * back with expired certificates and needs the documented repair for its generation. The offline time is
 * estimated from the last sign of life: the newest renewal (notBefore) and the last scan in the history.
 * Judged as collected: a projection with `--at` does not power the cluster off.
 */
export const aksHciOfflineCertificates: Check = {
  id: 'aks-hci-offline-certificates',
  run({ evidence, now, options }) {
    const { inventory, findings, usable } = inventoryOrError(evidence);
    if (!usable) return findings;
    const t = observedAt(evidence, now);
    const nodeCerts = uniqueCertificates(
      inventory.entries.filter(
        (e) => e.origin === 'file' || e.origin === 'kubeconfig' || e.origin === 'endpoint',
      ),
    );
    if (!nodeCerts.length) {
      return [
        ...findings,
        {
          outcome: 'error',
          resource: clusterRef(evidence),
          message:
            'no control-plane or node certificate in the evidence (host files and the tls-endpoints probe): the AKS hybrid offline rule needs them; run the agent on a cluster VM',
        },
      ];
    }
    const shortLived = nodeCerts.filter(
      (u) => !isCaCert(u.entry.cert) && u.entry.cert.lifetimeMs <= options.certAutoRenewMaxLifetimeDays * DAY,
    );
    if (!shortLived.length) {
      return [
        ...findings,
        {
          outcome: 'not_applicable',
          resource: clusterRef(evidence),
          message: `none of the ${nodeCerts.length} node certificates lives ${options.certAutoRenewMaxLifetimeDays} days or less: this PKI is not renewed every ${AKS_HYBRID_LEAF_DAYS} days by AKS hybrid`,
        },
      ];
    }
    const lastRenewal = Math.max(
      ...shortLived.map((u) => u.entry.cert.notBefore.getTime()).filter((ms) => ms <= t.getTime()),
    );
    const lastScan = Math.max(
      0,
      ...Object.values(evidence.history?.certificates ?? {})
        .flat()
        .map((o) => Date.parse(o.lastSeen))
        .filter((ms) => !Number.isNaN(ms) && ms < t.getTime()),
    );
    const lastAlive = Math.max(lastRenewal, lastScan);
    const offlineMs = t.getTime() - lastAlive;
    const expired = shortLived.filter((u) => u.entry.cert.notAfter <= t);
    const generation = aksHybridGeneration(evidence);
    const facts = {
      generation,
      autoRenewed: shortLived.length,
      expired: expired.length,
      lastSignOfLife: Number.isFinite(lastAlive) ? iso(new Date(lastAlive)) : undefined,
    };
    if (!expired.length) {
      const soonest = shortLived.reduce((a, b) =>
        b.entry.cert.notAfter < a.entry.cert.notAfter ? b : a,
      ).entry;
      return [
        ...findings,
        {
          outcome: 'pass',
          resource: clusterRef(evidence),
          evidence: facts,
          message: `${shortLived.length} AKS hybrid auto-renewed certificates are valid at ${iso(t)}; the soonest, ${soonest.where}, expires ${iso(soonest.cert.notAfter)}; last renewal ${Number.isFinite(lastRenewal) ? iso(new Date(lastRenewal)) : 'unknown'}`,
        },
      ];
    }
    const moc = offlineMs > AKS_HYBRID_MOC_DAYS * DAY;
    const oldest = expired.reduce((a, b) => (b.entry.cert.notAfter < a.entry.cert.notAfter ? b : a)).entry;
    const names =
      expired
        .slice(0, 4)
        .map((u) => u.entry.where)
        .join(', ') + (expired.length > 4 ? ` and ${expired.length - 4} more` : '');
    return [
      ...findings,
      {
        outcome: 'fail',
        severity: moc ? 'critical' : 'high',
        resource: clusterRef(evidence),
        evidence: { ...facts, offlineDays: Math.round(offlineMs / DAY) },
        message: `${expired.length} of ${shortLived.length} AKS hybrid auto-renewed certificates are expired at ${iso(t)} (${names}; the first expired ${iso(oldest.cert.notAfter)}); last sign of life ${iso(new Date(lastAlive))}, ${formatDuration(offlineMs)} earlier: ${
          moc
            ? `offline more than ${AKS_HYBRID_MOC_DAYS} days, so the MOC layer's certificates have expired too`
            : offlineMs > AKS_HYBRID_LEAF_DAYS * DAY
              ? `offline more than ${AKS_HYBRID_LEAF_DAYS} days`
              : 'not offline that long, so renewal itself is failing'
        }. Fix: ${offlineRemediation(generation, evidence.cluster.name, evidence.cluster.role, moc)}`,
      },
    ];
  },
};
