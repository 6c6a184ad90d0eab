import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/**
 * Test PKI for certificate fixtures and specs: certificates with exact validity, chosen key sizes and
 * SHA-1 or SHA-256 signatures (node:crypto cannot build certificates; node-forge can, RSA only).
 * Keys come from node:crypto because forge's pure-JS key generation is slow.
 */

/** A certificate with its key, PEM (PKCS#1 key, as kubeadm writes it). */
export interface TestCert {
  certPem: string;
  keyPem: string;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

/** What to issue. */
export interface TestCertSpec {
  cn: string;
  o?: string;
  notBefore: string | Date;
  notAfter: string | Date;
  ca?: boolean;
  /** Signer; self-signed when absent. */
  issuer?: TestCert;
  bits?: number;
  hash?: 'sha256' | 'sha1';
  usage?: 'server' | 'client' | 'both';
  dns?: string[];
  ips?: string[];
  /** Reuse a key (a renewal that keeps the key, or a CA regenerated... with a new one). */
  keyPem?: string;
  serialHex?: string;
}

export function rsaKeyPem(bits = 2048): string {
  return generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  }).privateKey;
}

export function issue(spec: TestCertSpec): TestCert {
  const keyPem = spec.keyPem ?? rsaKeyPem(spec.bits ?? 2048);
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // Positive, minimal DER serial: first byte 0x10-0x7f.
  const serial =
    spec.serialHex ?? (0x10 + (randomBytes(1)[0] % 0x70)).toString(16) + randomBytes(7).toString('hex');
  cert.serialNumber = serial;
  cert.validity.notBefore = new Date(spec.notBefore);
  cert.validity.notAfter = new Date(spec.notAfter);
  const subject: forge.pki.CertificateField[] = [];
  if (spec.o) subject.push({ name: 'organizationName', value: spec.o });
  subject.push({ name: 'commonName', value: spec.cn });
  cert.setSubject(subject);
  cert.setIssuer(spec.issuer ? spec.issuer.cert.subject.attributes : subject);
  const ext: object[] = [];
  if (spec.ca) {
    ext.push(
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    );
  } else {
    ext.push(
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    );
    const usage = spec.usage ?? 'server';
    ext.push({ name: 'extKeyUsage', serverAuth: usage !== 'client', clientAuth: usage !== 'server' });
  }
  const alt = [
    ...(spec.dns ?? []).map((value) => ({ type: 2, value })),
    ...(spec.ips ?? []).map((ip) => ({ type: 7, ip })),
  ];
  if (alt.length) ext.push({ name: 'subjectAltName', altNames: alt });
  ext.push({ name: 'subjectKeyIdentifier' });
  cert.setExtensions(ext);
  const signer = spec.issuer?.key ?? key;
  cert.sign(signer, spec.hash === 'sha1' ? forge.md.sha1.create() : forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem, cert, key };
}

/** base64 of a PEM text, as in kubeconfig `*-data` fields, secrets and caBundles. */
export function b64(pem: string): string {
  return Buffer.from(pem).toString('base64');
}
