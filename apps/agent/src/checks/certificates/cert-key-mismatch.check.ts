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
    // Keys absent from the evidence (bundles made by `collect` never hold them) are one result, not one per pair.
    const notCollected: string[] = [];
    for (const p of keyPairings(evidence, inventory)) {
      const facts = { ...certFacts(p.cert), key: p.key.where, pairedBy: p.declaredBy };
      const what = `${describe(p.cert)} and key ${p.key.where}`;
      if (p.key.missing && !evidence.host[p.key.where]) notCollected.push(p.key.where);
      else if (!p.key.facts || p.key.missing) {
        findings.push({
          outcome: 'error',
          resource: p.cert.resource,
          evidence: facts,
          message: `${what} (${p.declaredBy}): ${p.key.missing ?? 'key not readable'}`,
        });
      } else if (p.key.facts.error || !p.key.facts.publicKeySha256) {
        findings.push({
          outcome: 'error',
          resource: p.key.resource,
          evidence: facts,
          message: `${what}: the key could not be read (${p.key.facts.error ?? 'no public key'})`,
        });
      } else if (p.key.facts.publicKeySha256 !== p.cert.cert.spkiSha256) {
        findings.push({
          outcome: 'fail',
          resource: p.cert.resource,
          evidence: facts,
          message: `${what} do not belong together (${p.declaredBy}): the component fails to start with this pair`,
        });
      } else {
        findings.push({
          outcome: 'pass',
          resource: p.cert.resource,
          evidence: facts,
          message: `${what} match (${p.declaredBy})`,
        });
      }
    }
    if (notCollected.length) {
      findings.push({
        outcome: 'error',
        resource: clusterRef(evidence),
        evidence: { keys: notCollected },
        message: `${notCollected.length} private key file${notCollected.length > 1 ? 's' : ''} named by the configuration ${notCollected.length > 1 ? 'were' : 'was'} not collected, so ${notCollected.length > 1 ? 'their' : 'its'} certificate${notCollected.length > 1 ? 's' : ''} could not be matched: ${notCollected.join(', ')} (run the agent on the host; bundles keep no keys)`,
      });
    }
    if (!findings.length) {
      findings.push({
        outcome: 'not_applicable',
        resource: clusterRef(evidence),
        message:
          'no certificate with its private key was found (keys are only on control-plane and node hosts)',
      });
    }
    return findings;
  },
};
