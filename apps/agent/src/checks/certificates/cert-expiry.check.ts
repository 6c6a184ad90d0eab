import type { Check, CheckFinding } from '../check.js';
import {
  autoRotation,
  certFacts,
  certificateFacts,
  describe,
  isCaCert,
  iso,
  nothingToJudge,
  observedAt,
  shareLeft,
  validityText,
  inventoryOrError,
} from './lib/common.js';
import { uniqueCertificates } from './lib/inventory.js';

/**
 * One result per leaf certificate, judged against its own lifetime: a 4-day AKS-hybrid leaf with a day left
 * is healthy, a 1-year kubeadm leaf with a day left is not. CAs are `cert-ca-expiry`'s.
 */
export const certExpiry: Check = {
  id: 'cert-expiry',
  run({ evidence, now, options }) {
    const { inventory, findings, usable } = inventoryOrError(evidence);
    if (!usable) return findings;
    const collected = observedAt(evidence, now);
    let judged = 0;
    for (const { entry, alsoAt } of uniqueCertificates(inventory.entries.filter((e) => !isCaCert(e.cert)))) {
      judged += 1;
      const c = entry.cert;
      const base = {
        resource: entry.resource,
        evidence: certFacts(entry, alsoAt),
        facts: certificateFacts(entry, evidence, options),
      };
      const what = describe(entry, alsoAt);
      if (c.notBefore > now) {
        findings.push({
          ...base,
          outcome: 'fail',
          severity: 'high',
          message: `${what} is not valid before ${iso(c.notBefore)}: clients reject it (clock wrong on the issuer or this host?)`,
        });
        continue;
      }
      const rotation = autoRotation(entry, evidence, options);
      // `--at` in the future: a certificate whose automation was on time when collected will have been renewed.
      if (
        rotation.auto &&
        now > collected &&
        shareLeft(c, collected) > options.certCriticalLifetimeShare &&
        c.notAfter > collected
      ) {
        findings.push({
          ...base,
          outcome: 'pass',
          message: `${what}: ${rotation.by}; when collected it ${validityText(c, collected)}, so by ${iso(now)} it will have been replaced (rotation health: cert-rotation-overdue)`,
        });
        continue;
      }
      const share = shareLeft(c, now);
      let f: Pick<CheckFinding, 'outcome' | 'severity'>;
      if (share <= 0) f = { outcome: 'fail', severity: 'critical' };
      else if (share < options.certCriticalLifetimeShare) f = { outcome: 'fail', severity: 'high' };
      else if (share < options.certWarnLifetimeShare) f = { outcome: 'warn', severity: 'medium' };
      else f = { outcome: 'pass' };
      const note =
        rotation.auto && f.outcome !== 'pass' ? `; ${rotation.by}, yet it has not been renewed` : '';
      findings.push({ ...base, ...f, message: `${what} ${validityText(c, now)}${note}` });
    }
    if (!judged && !findings.length)
      findings.push(nothingToJudge(evidence, inventory, 'no leaf certificate'));
    return findings;
  },
};
