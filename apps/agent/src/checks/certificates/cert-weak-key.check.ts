import type { Check } from '../check.js';
import { certFacts, describe, nothingToJudge, inventoryOrError } from './lib/common.js';
import { uniqueCertificates } from './lib/inventory.js';
import type { CertInfo } from './lib/x509.js';

const STRONG_CURVES = ['prime256v1', 'secp384r1', 'secp521r1'];

/** Why the key is weak, or undefined. NIST SP 800-131A: RSA below 2048 bits is disallowed; DSA is withdrawn. */
function weakness(c: CertInfo): string | undefined {
  const k = c.key;
  if (k.type === 'rsa' || k.type === 'rsa-pss')
    return k.bits !== undefined && k.bits < 2048 ? `RSA ${k.bits}-bit key (minimum 2048)` : undefined;
  if (k.type === 'ec')
    return k.curve && !STRONG_CURVES.includes(k.curve)
      ? `EC key on curve ${k.curve} (use P-256 or stronger)`
      : undefined;
  if (k.type === 'dsa')
    return `DSA key${k.bits ? ` (${k.bits}-bit)` : ''}: DSA is withdrawn for signatures (FIPS 186-5)`;
  if (k.type === 'ed25519' || k.type === 'ed448') return undefined;
  return `unrecognised key type ${k.type}`;
}

function keyText(c: CertInfo): string {
  return c.key.bits
    ? `${c.key.type.toUpperCase()} ${c.key.bits}`
    : c.key.curve
      ? `EC ${c.key.curve}`
      : c.key.type;
}

export const certWeakKey: Check = {
  id: 'cert-weak-key',
  run({ evidence }) {
    const { inventory, findings, usable } = inventoryOrError(evidence);
    if (!usable) return findings;
    for (const { entry, alsoAt } of uniqueCertificates(inventory.entries)) {
      const weak = weakness(entry.cert);
      const evidenceFacts = { ...certFacts(entry, alsoAt), key: keyText(entry.cert) };
      if (weak)
        findings.push({
          outcome: 'fail',
          resource: entry.resource,
          evidence: evidenceFacts,
          message: `${describe(entry, alsoAt)} has a weak key: ${weak}`,
        });
      else
        findings.push({
          outcome: 'pass',
          resource: entry.resource,
          evidence: evidenceFacts,
          message: `${describe(entry, alsoAt)} key ${keyText(entry.cert)}`,
        });
    }
    if (!findings.length) findings.push(nothingToJudge(evidence, inventory, 'no certificate'));
    return findings;
  },
};
