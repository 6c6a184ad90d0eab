import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { REDACTED_KEY_PREFIX, type PrivateKeyFacts } from '@watchpost/shared';

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

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----\r?\n?/g;

/**
 * Kubeconfigs embed credentials: `client-key-data` is replaced by a marker holding the key's facts (so the
 * key/cert match can still be checked), `token` and `password` by a plain marker. Other files pass unchanged.
 */
export function redactKubeconfigSecrets(content: string): string {
  if (!/^kind:\s*Config\s*$/m.test(content)) return content;
  return content
    .replace(/^(\s*client-key-data:\s*)(\S+)\s*$/gm, (_m, lead: string, b64: string) => {
      let pem = '';
      try {
        pem = Buffer.from(b64, 'base64').toString('utf8');
      } catch {
        // not base64: facts say so below
      }
      const f = privateKeyFacts(pem);
      const fields = f.error
        ? 'error=unreadable'
        : `publicKeySha256=${f.publicKeySha256 ?? ''}${f.type ? `,type=${f.type}` : ''}`;
      return `${lead}${REDACTED_KEY_PREFIX}${fields}`;
    })
    .replace(/^(\s*(?:token|password):\s*)\S.*$/gm, `$1${REDACTED_KEY_PREFIX}secret`);
}

/**
 * Splits file content that holds a private key: the key becomes facts, and certificate blocks in the same file
 * (`kubelet-client-current.pem` holds both) are kept so the certificate can still be judged.
 */
export function splitKeyMaterial(content: string): { content?: string; privateKey: PrivateKeyFacts } {
  const blocks = content.match(PEM_BLOCK) ?? [];
  const key = blocks.find((b) => PRIVATE_KEY_PEM.test(b));
  const certs = blocks.filter((b) => /-----BEGIN CERTIFICATE-----/.test(b));
  const privateKey = privateKeyFacts(key ?? content);
  return certs.length
    ? { content: certs.map((c) => (c.endsWith('\n') ? c : `${c}\n`)).join(''), privateKey }
    : { privateKey };
}
