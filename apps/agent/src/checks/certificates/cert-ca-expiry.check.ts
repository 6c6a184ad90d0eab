import type { Check, CheckFinding } from '../check.js';
import {
  certFacts,
  certificateFacts,
  DAY,
  describe,
  formatDuration,
  isCaCert,
  nothingToJudge,
  validityText,
  inventoryOrError,
} from './lib/common.js';
import { uniqueCertificates } from './lib/inventory.js';

/**
 * CAs are judged on a share of their lifetime too, capped in days: 20 % of a 10-year root is two years,
 * which would make every healthy kubeadm cluster warn for its last two years.
 */
export const certCaExpiry: Check = {
  id: 'cert-ca-expiry',
  run({ evidence, now, options }) {
    const { inventory, findings, usable } = inventoryOrError(evidence);
    if (!usable) return findings;
    let judged = 0;
    for (const { entry, alsoAt } of uniqueCertificates(inventory.entries.filter((e) => isCaCert(e.cert)))) {
      judged += 1;
      const c = entry.cert;
      const left = c.notAfter.getTime() - now.getTime();
      const warnWithin = Math.min(options.certWarnLifetimeShare * c.lifetimeMs, options.caWarnMaxDays * DAY);
      const critWithin = Math.min(
        options.certCriticalLifetimeShare * c.lifetimeMs,
        options.caCriticalMaxDays * DAY,
      );
      let f: Pick<CheckFinding, 'outcome' | 'severity'>;
      if (left <= 0) f = { outcome: 'fail', severity: 'critical' };
      else if (left < critWithin) f = { outcome: 'fail', severity: 'high' };
      else if (left < warnWithin) f = { outcome: 'warn', severity: 'medium' };
      else f = { outcome: 'pass' };
      const consequence =
        f.outcome === 'pass'
          ? ''
          : `; every certificate it signed stops verifying then (warns ${formatDuration(warnWithin)} ahead, fails ${formatDuration(critWithin)} ahead)`;
      findings.push({
        ...f,
        resource: entry.resource,
        evidence: certFacts(entry, alsoAt),
        facts: certificateFacts(entry, evidence, options),
        message: `CA ${describe(entry, alsoAt)} ${validityText(c, now)}${consequence}`,
      });
    }
    if (!judged && !findings.length) findings.push(nothingToJudge(evidence, inventory, 'no CA certificate'));
    return findings;
  },
};
