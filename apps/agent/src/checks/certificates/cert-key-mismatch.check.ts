import type { Check } from '../check.js';
import { certFacts, describe, clusterRef, inventoryOrError } from './lib/common.js';
import { keyPairings } from './lib/keys.js';

/**
 * A certificate whose key file holds a different key (half-finished renewal, files copied from another
 * node) makes the component fail at its next restart, long after whoever caused it has moved on.
 * Compared by the SHA-256 of the public key; the private key never enters Evidence.
 */
export const certKeyMismatch: Check = {
  id: 'cert-key-mismatch',
  run({ evidence }) {
    const { inventory, findings, usable } = inventoryOrError(evidence);
    if (!usable) return findings;
    for (const p of keyPairings(evidence, inventory)) {
      const facts = { ...certFacts(p.cert), key: p.key.where, pairedBy: p.declaredBy };
      const what = `${describe(p.cert)} and key ${p.key.where}`;
      if (!p.key.facts || p.key.missing) {
        findings.push({ outcome: 'error', resource: p.cert.resource, evidence: facts, message: `${what} (${p.declaredBy}): ${p.key.missing ?? 'key not readable'}` });
      } else if (p.key.facts.error || !p.key.facts.publicKeySha256) {
        findings.push({ outcome: 'error', resource: p.key.resource, evidence: facts, message: `${what}: the key could not be read (${p.key.facts.error ?? 'no public key'})` });
      } else if (p.key.facts.publicKeySha256 !== p.cert.cert.spkiSha256) {
        findings.push({ outcome: 'fail', resource: p.cert.resource, evidence: facts, message: `${what} do not belong together (${p.declaredBy}): the component fails to start with this pair` });
      } else {
        findings.push({ outcome: 'pass', resource: p.cert.resource, evidence: facts, message: `${what} match (${p.declaredBy})` });
      }
    }
    if (!findings.length) {
      findings.push({ outcome: 'not_applicable', resource: clusterRef(evidence), message: 'no certificate with its private key was found (keys are only on control-plane and node hosts)' });
    }
    return findings;
  },
};
