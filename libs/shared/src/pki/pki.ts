import { createHash, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

/**
 * The fleet's PKI: a CA, key pairs, CSRs, signing and fingerprints (hub-agent contract 1).
 * node:crypto makes keys (fast, native); node-forge builds certificates and CSRs because node:crypto cannot.
 * node-forge signs only with RSA, so CA keys and agent keys are RSA 2048. Whether a chain is trusted is
 * left to Node's TLS stack, never decided here.
 */

/** A certificate authority: its certificate and private key, PEM. */
export interface CaMaterial {
  certPem: string;
  keyPem: string;
}

/** A generated key pair, PEM (PKCS#8 private key, SPKI public key). */
export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** What a certificate may be used for: TLS client, TLS server, or both (extended key usage). */
export type CertificateUsage = 'client' | 'server' | 'both';

/** A certificate issued by `signCsr`, with its serial in upper-case hex exactly as Node reports it (`X509Certificate.serialNumber`, `getPeerCertificate().serialNumber`). */
export interface SignedCertificate {
  certPem: string;
  serial: string;
}

/** A certificate issued together with a fresh private key (tests, the hub's own server/client identities). */
export interface IssuedCertificate extends SignedCertificate {
  keyPem: string;
}

const DAY_MS = 86_400_000;
/** Back-dating absorbs small clock differences between the issuer and whoever checks the certificate first. */
const BACKDATE_MS = 5 * 60_000;

/** Generates a key pair: RSA 2048 (the default; the only kind node-forge can sign CSRs with) or EC P-256. */
export function createKeyPair(kind: 'rsa' | 'ec' = 'rsa'): KeyPairPem {
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  const pair =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding, privateKeyEncoding })
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1', publicKeyEncoding, privateKeyEncoding });
  return { privateKeyPem: pair.privateKey, publicKeyPem: pair.publicKey };
}

/** Creates a self-signed CA certificate and its RSA 2048 key. */
export function createCa(opts: { commonName: string; validDays: number; now?: Date }): CaMaterial {
  const keys = createKeyPair('rsa');
  const key = rsaPrivateKey(keys.privateKeyPem, 'CA key');
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = newSerial();
  setValidity(cert, opts.validDays, opts.now);
  const subject = [{ name: 'commonName', value: opts.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
}

/** Builds a PKCS#10 CSR for `commonName`, signed with the (RSA) private key. */
export function createCsr(opts: { commonName: string; privateKeyPem: string }): string {
  const key = rsaPrivateKey(opts.privateKeyPem, 'CSR key');
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject([{ name: 'commonName', value: opts.commonName }]);
  csr.sign(key, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

/**
 * Signs a CSR with the CA after verifying the CSR's own signature (proof the requester holds the key).
 * `commonName` overrides the CSR's subject: the issuer, not the requester, decides the identity.
 */
export function signCsr(opts: {
  ca: CaMaterial;
  csrPem: string;
  validDays: number;
  usage: CertificateUsage;
  commonName?: string;
  sans?: string[];
  now?: Date;
}): SignedCertificate {
  let csr: ReturnType<typeof forge.pki.certificationRequestFromPem>;
  try {
    csr = forge.pki.certificationRequestFromPem(opts.csrPem);
  } catch (err) {
    throw new PkiError('bad-csr', `CSR is not a PEM PKCS#10 request with an RSA key: ${message(err)}`);
  }
  if (!verifies(csr)) throw new PkiError('bad-csr', 'CSR signature does not verify: the request was altered or not signed by its key');
  const requested = csr.subject.getField('CN') as { value?: string } | null;
  const commonName = opts.commonName ?? requested?.value;
  if (!commonName) throw new PkiError('bad-csr', 'CSR has no common name and none was given');
  if (!csr.publicKey) throw new PkiError('bad-csr', 'CSR carries no public key');
  return buildLeaf({
    ca: opts.ca,
    publicKey: csr.publicKey,
    commonName,
    usage: opts.usage,
    sans: opts.sans,
    validDays: opts.validDays,
    now: opts.now,
  });
}

/** Issues a leaf certificate with a fresh RSA 2048 key (tests, the hub's server and MQTT client identities). */
export function issueCertificate(opts: {
  ca: CaMaterial;
  commonName: string;
  usage: CertificateUsage;
  sans?: string[];
  validDays: number;
  now?: Date;
  notBefore?: Date;
}): IssuedCertificate {
  const keys = createKeyPair('rsa');
  const signed = buildLeaf({
    ca: opts.ca,
    publicKey: forge.pki.publicKeyFromPem(keys.publicKeyPem),
    commonName: opts.commonName,
    usage: opts.usage,
    sans: opts.sans,
    validDays: opts.validDays,
    now: opts.now,
    notBefore: opts.notBefore,
  });
  return { ...signed, keyPem: keys.privateKeyPem };
}

/** `sha256:<hex>` of the certificate's DER: the pin an agent checks the hub CA against at enrollment. */
export function certificateFingerprint(certPem: string): string {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    throw new PkiError('bad-certificate', `not a PEM certificate: ${message(err)}`);
  }
  return `sha256:${createHash('sha256').update(cert.raw).digest('hex')}`;
}

/** Error codes of the PKI library. */
export type PkiErrorCode = 'bad-csr' | 'bad-key' | 'bad-certificate';

/** A PKI failure with a code the caller can map (the hub answers 400 to `bad-csr`). */
export class PkiError extends Error {
  constructor(
    readonly code: PkiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PkiError';
  }
}

function buildLeaf(opts: {
  ca: CaMaterial;
  publicKey: forge.pki.PublicKey;
  commonName: string;
  usage: CertificateUsage;
  sans?: string[] | undefined;
  validDays: number;
  now?: Date | undefined;
  notBefore?: Date | undefined;
}): SignedCertificate {
  const caCert = forge.pki.certificateFromPem(opts.ca.certPem);
  const caKey = rsaPrivateKey(opts.ca.keyPem, 'CA key');
  const cert = forge.pki.createCertificate();
  cert.publicKey = opts.publicKey;
  cert.serialNumber = newSerial();
  setValidity(cert, opts.validDays, opts.now, opts.notBefore);
  cert.setSubject([{ name: 'commonName', value: opts.commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  const sans = opts.sans ?? [];
  const extensions: Record<string, unknown>[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    {
      name: 'extKeyUsage',
      serverAuth: opts.usage !== 'client',
      clientAuth: opts.usage !== 'server',
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ];
  if (sans.length > 0) {
    extensions.push({
      name: 'subjectAltName',
      altNames: sans.map((san) => (isIP(san) ? { type: 7, ip: san } : { type: 2, value: san })),
    });
  }
  cert.setExtensions(extensions);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), serial: cert.serialNumber.toUpperCase() };
}

function setValidity(cert: forge.pki.Certificate, validDays: number, now = new Date(), notBefore?: Date): void {
  if (!(validDays > 0)) throw new PkiError('bad-certificate', `validDays must be positive, got ${validDays}`);
  cert.validity.notBefore = notBefore ?? new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + validDays * DAY_MS);
}

/** 128 random bits with the top bit clear, so the DER INTEGER stays positive and 16 bytes long. */
function newSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x10;
  return bytes.toString('hex');
}

/** node-forge throws on a mangled signature block instead of returning false. */
function verifies(csr: { verify(): boolean }): boolean {
  try {
    return csr.verify();
  } catch {
    return false;
  }
}

function rsaPrivateKey(pem: string, what: string): forge.pki.rsa.PrivateKey {
  try {
    return forge.pki.privateKeyFromPem(pem);
  } catch (err) {
    throw new PkiError('bad-key', `${what} must be an RSA private key in PEM (node-forge signs only with RSA): ${message(err)}`);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
