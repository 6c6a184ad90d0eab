import type { Check } from '../check.js';
import { certFacts, describe, nothingToJudge, inventoryOrError } from './lib/common.js';
import { uniqueCertificates } from './lib/inventory.js';

/**
 * SHA-1 (and MD5) signatures are forgeable (SHAttered, 2017) and Go, which Kubernetes is written in, refuses
 * them since 1.18. A self-signed root's own signature is never checked by verifiers (it is trusted as
 * installed), so a SHA-1 self-signature on a trust anchor is reported but passes.
 */
export const certSha1Signature: Check = {
  id: 'cert-sha1-signature',
  run({ evidence }) {
    const { inventory, findings, usable } = inventoryOrError(evidence);
    if (!usable) return findings;
    for (const { entry, alsoAt } of uniqueCertificates(inventory.entries)) {
      const sig = entry.cert.signature;
      const facts = { ...certFacts(entry, alsoAt), signatureAlgorithm: sig.name };
      const weak = sig.hash === 'sha1' || sig.hash === 'md5';
      if (weak && !entry.cert.selfSigned) {
        findings.push({
          outcome: 'fail',
          resource: entry.resource,
          severity: sig.hash === 'md5' ? 'critical' : 'high',
          evidence: facts,
          message: `${describe(entry, alsoAt)} is signed with ${sig.name}: forgeable, and rejected by Go TLS clients (Kubernetes components)`,
        });
      } else {
        const note = weak
          ? ` (a self-signed root: its own signature is not relied on; re-issue it with SHA-256 when it is next rotated)`
          : '';
        findings.push({
          outcome: 'pass',
          resource: entry.resource,
          evidence: facts,
          message: `${describe(entry, alsoAt)} is signed with ${sig.name}${note}`,
        });
      }
    }
    if (!findings.length) findings.push(nothingToJudge(evidence, inventory, 'no certificate'));
    return findings;
  },
};
