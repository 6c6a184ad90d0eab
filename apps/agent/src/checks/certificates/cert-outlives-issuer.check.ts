import type { Check } from '../check.js';
import { certFacts, describe, formatDuration, iso, nothingToJudge, inventoryOrError } from './lib/common.js';
import { uniqueCertificates, type CertEntry } from './lib/inventory.js';
import { issuedBy } from './lib/x509.js';

/**
 * A certificate valid beyond its issuer's notAfter silently loses that tail: it stops verifying when the
 * CA expires, and renewal tooling keyed on its own notAfter plans for a date that never comes.
 */
export const certOutlivesIssuer: Check = {
  id: 'cert-outlives-issuer',
  run({ evidence }) {
    const { inventory, findings, usable } = inventoryOrError(evidence);
    if (!usable) return findings;
    const all = uniqueCertificates(inventory.entries);
    for (const { entry, alsoAt } of all) {
      if (entry.cert.selfSigned) continue;
      const issuers: CertEntry[] = all
        .map((u) => u.entry)
        .filter((i) => i !== entry && issuedBy(entry.cert, i.cert));
      if (!issuers.length) continue;
      // Several copies of the issuer (renewed CA with the same key): the longest-lived one is what verifiers can use.
      const issuer = issuers.reduce((a, b) => (b.cert.notAfter > a.cert.notAfter ? b : a));
      const over = entry.cert.notAfter.getTime() - issuer.cert.notAfter.getTime();
      const facts = {
        ...certFacts(entry, alsoAt),
        issuerAt: issuer.where,
        issuerNotAfter: iso(issuer.cert.notAfter),
      };
      if (over > 0) {
        findings.push({
          outcome: 'fail',
          resource: entry.resource,
          evidence: facts,
          message: `${describe(entry, alsoAt)} is valid until ${iso(entry.cert.notAfter)}, ${formatDuration(over)} longer than its issuer ${issuer.where} (${iso(issuer.cert.notAfter)}): it stops verifying when the CA expires`,
        });
      } else {
        findings.push({
          outcome: 'pass',
          resource: entry.resource,
          evidence: facts,
          message: `${describe(entry, alsoAt)} expires ${iso(entry.cert.notAfter)}, within its issuer ${issuer.where} (${iso(issuer.cert.notAfter)})`,
        });
      }
    }
    if (!findings.length)
      findings.push(
        nothingToJudge(evidence, inventory, 'no certificate whose issuer is also in the evidence'),
      );
    return findings;
  },
};
