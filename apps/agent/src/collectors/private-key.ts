import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import type { PrivateKeyFacts } from '@watchpost/shared';

const PRIVATE_KEY_PEM = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/** True when file content holds a PEM private key (so the content must never enter Evidence). */
export function looksLikePrivateKey(content: string): boolean {
  return PRIVATE_KEY_PEM.test(content);
}

/**
 * Reduces a private key to facts a check may know: its type and the SHA-256 of its public half's DER
 * SubjectPublicKeyInfo (comparable with a certificate's public key). The key itself is dropped here.
 */
export function privateKeyFacts(pem: string): PrivateKeyFacts {
  try {
    const key = createPrivateKey(pem);
    const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
    const facts: PrivateKeyFacts = { publicKeySha256: createHash('sha256').update(spki).digest('hex') };
    if (key.asymmetricKeyType) facts.type = key.asymmetricKeyType;
    return facts;
  } catch (err) {
    // The message of node:crypto never contains key material, but keep it generic anyway.
    const code = (err as { code?: string }).code;
    return { error: `not a readable unencrypted PEM private key${code ? ` (${code})` : ''}` };
  }
}
