import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign as cryptoSign,
  verify as cryptoVerify,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { isIP } from 'node:net';
import { createRequire } from 'node:module';
import type forge from 'node-forge';

const requireCjs = createRequire(import.meta.url);
let forgeModule: typeof forge | undefined;
/**
 * node-forge (a CommonJS package), loaded on first use: a scan or a status query never builds a certificate and
 * should not pay for loading it (~45 ms and ~12 MB at start-up).
 */
function nodeForge(): typeof forge {
  return (forgeModule ??= requireCjs('node-forge') as typeof forge);
}

/**
 * The fleet's PKI: a CA, key pairs, CSRs, signing and fingerprints (hub-agent contract 1).
 * node:crypto makes keys (fast, native); node-forge builds certificates and CSRs because node:crypto cannot.
 * node-forge signs only with RSA, so the CA key is RSA 2048; agent keys may be RSA or ECDSA (P-256, P-384):
 * EC requests are read and verified with node:crypto, and their public key is placed into the certificate
 * as the requester sent it. Whether a chain is trusted is left to Node's TLS stack, never decided here.
 *
 * Key policy (enrollment and renewal): RSA of at least 2048 bits or ECDSA on P-256/P-384, signed with
 * SHA-256 or better. Anything else is refused with `weak-key` naming what was found and what is accepted.
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
  const cert = nodeForge().pki.createCertificate();
  cert.publicKey = nodeForge().pki.publicKeyFromPem(keys.publicKeyPem);
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
  cert.sign(key, nodeForge().md.sha256.create());
  return { certPem: nodeForge().pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
}

/** Builds a PKCS#10 CSR for `commonName`, signed (SHA-256) with the private key: RSA, or EC P-256/P-384. */
export function createCsr(opts: { commonName: string; privateKeyPem: string }): string {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(opts.privateKeyPem);
  } catch (err) {
    throw new PkiError('bad-key', `CSR key must be an RSA or EC private key in PEM: ${message(err)}`);
  }
  if (keyObject.asymmetricKeyType === 'ec') return createEcCsr(opts.commonName, keyObject);
  const key = rsaPrivateKey(opts.privateKeyPem, 'CSR key');
  const csr = nodeForge().pki.createCertificationRequest();
  csr.publicKey = nodeForge().pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject([{ name: 'commonName', value: opts.commonName }]);
  csr.sign(key, nodeForge().md.sha256.create());
  return nodeForge().pki.certificationRequestToPem(csr);
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
  const request = readCsr(opts.csrPem);
  const commonName = opts.commonName ?? request.commonName;
  if (!commonName) throw new PkiError('bad-csr', 'CSR has no common name and none was given');
  return buildLeaf({
    ca: opts.ca,
    publicKey: request.publicKey,
    commonName,
    usage: opts.usage,
    sans: opts.sans,
    validDays: opts.validDays,
    now: opts.now,
  });
}

/** What the key policy found in a CSR: its key kind and size or curve, and its signature digest. */
export interface CsrKeyFacts {
  keyType: 'rsa' | 'ec';
  /** RSA modulus bits. */
  bits?: number;
  /** EC curve as OpenSSL names it (`prime256v1`, `secp384r1`). */
  curve?: string;
  /** Digest of the CSR's signature (`sha1`, `sha256`, ...). */
  digest: string;
}

const ACCEPTED = 'RSA of at least 2048 bits or ECDSA P-256/P-384, signed with SHA-256 or better';
const STRONG_DIGESTS = new Set(['sha256', 'sha384', 'sha512']);
const EC_CURVES = new Set(['prime256v1', 'secp384r1']);

/** Refuses keys and signatures below the fleet's policy ({@link ACCEPTED}); throws `weak-key`. */
export function assertKeyPolicy(facts: CsrKeyFacts): void {
  const what =
    facts.keyType === 'rsa'
      ? `an RSA-${facts.bits ?? '?'} key`
      : `an EC key on ${facts.curve ?? 'an unnamed curve'}`;
  if (facts.keyType === 'rsa' && !((facts.bits ?? 0) >= 2048))
    throw new PkiError('weak-key', `CSR carries ${what}; the hub accepts ${ACCEPTED}`);
  if (facts.keyType === 'ec' && !EC_CURVES.has(facts.curve ?? ''))
    throw new PkiError('weak-key', `CSR carries ${what}; the hub accepts ${ACCEPTED}`);
  if (!STRONG_DIGESTS.has(facts.digest))
    throw new PkiError(
      'weak-key',
      `CSR is signed with ${facts.digest.toUpperCase()}; the hub accepts ${ACCEPTED}`,
    );
}

/** The public key of a verified request: an RSA key node-forge holds, or an EC SubjectPublicKeyInfo as sent. */
type RequestKey = { rsa: forge.pki.PublicKey } | { spki: forge.asn1.Asn1 };

/**
 * Reads a PEM PKCS#10 request, verifies its signature (proof the requester holds the key) and applies the key
 * policy. RSA requests go through node-forge; EC requests (which node-forge cannot read) through node:crypto.
 */
export function readCsr(csrPem: string): { commonName?: string; publicKey: RequestKey; facts: CsrKeyFacts } {
  let asn: forge.asn1.Asn1;
  try {
    const pem = nodeForge().pem.decode(csrPem);
    const block = pem.find((b) => b.type === 'CERTIFICATE REQUEST' || b.type === 'NEW CERTIFICATE REQUEST');
    if (!block) throw new Error('no CERTIFICATE REQUEST block');
    asn = nodeForge().asn1.fromDer(block.body, { decodeBitStrings: false } as unknown as boolean);
  } catch (err) {
    throw new PkiError('bad-csr', `CSR is not a PEM PKCS#10 request: ${message(err)}`);
  }
  const [info, sigAlg, sigBits] = asn.value as forge.asn1.Asn1[];
  const spki = Array.isArray(info?.value) ? (info.value[2] as forge.asn1.Asn1 | undefined) : undefined;
  if (!info || !sigAlg || !sigBits || !spki) throw new PkiError('bad-csr', 'CSR is not a PKCS#10 request');
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: derBuffer(spki), format: 'der', type: 'spki' });
  } catch (err) {
    throw new PkiError('bad-csr', `CSR carries no readable public key: ${message(err)}`);
  }
  const sigOid = nodeForge().asn1.derToOid((sigAlg.value as forge.asn1.Asn1[])[0]?.value as string);
  const digest = SIGNATURE_DIGESTS[sigOid] ?? `unknown signature algorithm ${sigOid}`;
  const details = keyObject.asymmetricKeyDetails ?? {};
  if (keyObject.asymmetricKeyType === 'rsa') {
    const facts: CsrKeyFacts = { keyType: 'rsa', bits: details.modulusLength ?? 0, digest };
    let csr: forge.pki.CertificateSigningRequest;
    try {
      csr = nodeForge().pki.certificationRequestFromPem(csrPem);
    } catch (err) {
      throw new PkiError('bad-csr', `CSR is not a PEM PKCS#10 request: ${message(err)}`);
    }
    if (!verifies(csr))
      throw new PkiError(
        'bad-csr',
        'CSR signature does not verify: the request was altered or not signed by its key',
      );
    assertKeyPolicy(facts);
    if (!csr.publicKey) throw new PkiError('bad-csr', 'CSR carries no public key');
    const cn = csr.subject.getField('CN') as { value?: string } | null;
    return { commonName: cn?.value, publicKey: { rsa: csr.publicKey }, facts };
  }
  if (keyObject.asymmetricKeyType === 'ec') {
    const facts: CsrKeyFacts = { keyType: 'ec', curve: details.namedCurve ?? 'unknown', digest };
    const bits = sigBits.value as string;
    const signature = Buffer.from(bits.slice(1), 'binary');
    const nodeDigest = digest.startsWith('sha') ? digest : undefined;
    let ok = false;
    try {
      ok = nodeDigest !== undefined && cryptoVerify(nodeDigest, derBuffer(info), keyObject, signature);
    } catch {
      ok = false;
    }
    if (!ok)
      throw new PkiError(
        'bad-csr',
        'CSR signature does not verify: the request was altered or not signed by its key',
      );
    assertKeyPolicy(facts);
    return { commonName: commonNameOf(info.value[1] as forge.asn1.Asn1), publicKey: { spki }, facts };
  }
  throw new PkiError(
    'weak-key',
    `CSR carries a ${keyObject.asymmetricKeyType ?? 'unknown'} key; the hub accepts ${ACCEPTED}`,
  );
}

/** Signature algorithm OIDs of PKCS#1 v1.5 RSA and ECDSA, by digest. */
const SIGNATURE_DIGESTS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5',
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

function derBuffer(node: forge.asn1.Asn1): Buffer {
  return Buffer.from(nodeForge().asn1.toDer(node).getBytes(), 'binary');
}

/** The first CN of an X.501 Name, as node-forge would read it. */
function commonNameOf(name: forge.asn1.Asn1): string | undefined {
  for (const rdn of name.value as forge.asn1.Asn1[]) {
    for (const atv of rdn.value as forge.asn1.Asn1[]) {
      const [type, value] = atv.value as forge.asn1.Asn1[];
      if (type && value && nodeForge().asn1.derToOid(type.value as string) === '2.5.4.3') {
        return nodeForge().util.decodeUtf8(value.value as string);
      }
    }
  }
  return undefined;
}

/** An EC request: node-forge cannot sign with EC keys, so the request info is built as ASN.1 and signed here. */
function createEcCsr(commonName: string, key: KeyObject): string {
  const { asn1 } = nodeForge();
  const spkiDer = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const info = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(0).getBytes()),
    nodeForge().pki.distinguishedNameToAsn1({
      attributes: [
        {
          type: nodeForge().pki.oids.commonName,
          valueTagClass: asn1.Type.UTF8,
          value: nodeForge().util.encodeUtf8(commonName),
        },
      ],
    } as never),
    asn1.fromDer(spkiDer.toString('binary')),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, []),
  ]);
  const signature = cryptoSign('sha256', derBuffer(info), key);
  const csr = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    info,
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(
        asn1.Class.UNIVERSAL,
        asn1.Type.OID,
        false,
        asn1.oidToDer('1.2.840.10045.4.3.2').getBytes(),
      ),
    ]),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\x00${signature.toString('binary')}`),
  ]);
  return nodeForge().pem.encode({ type: 'CERTIFICATE REQUEST', body: asn1.toDer(csr).getBytes() });
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
    publicKey: { rsa: nodeForge().pki.publicKeyFromPem(keys.publicKeyPem) },
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

/** One revoked certificate: serial (hex, as Node prints it) and when it was revoked. */
export interface RevokedSerial {
  serial: string;
  revokedAt: string;
}

/**
 * A v2 X.509 CRL (RFC 5280 section 5) signed by the hub CA with SHA-256/RSA, PEM. node-forge has no CRL
 * support, so the structure is built from its ASN.1 primitives; OpenSSL (Mosquitto's `crlfile`) and Node's TLS
 * `crl` option read it. `nextUpdate` bounds how long a broker may trust it: the hub writes a fresh one at start
 * and on every revocation, well inside that window.
 */
export function createCrl(opts: {
  ca: CaMaterial;
  revoked: RevokedSerial[];
  now: Date;
  validDays: number;
}): string {
  const { asn1 } = nodeForge();
  const U = asn1.Class.UNIVERSAL;
  const T = asn1.Type;
  const caCert = nodeForge().pki.certificateFromPem(opts.ca.certPem);
  const caKey = nodeForge().pki.privateKeyFromPem(opts.ca.keyPem);
  const time = (d: Date) =>
    d.getUTCFullYear() < 2050
      ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(d))
      : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));
  const integer = (hex: string) => {
    let h = hex.replace(/^0+(?=.)/, '');
    if (h.length % 2) h = `0${h}`;
    if (parseInt(h.slice(0, 2), 16) & 0x80) h = `00${h}`; // keep it a positive INTEGER
    return asn1.create(U, T.INTEGER, false, nodeForge().util.hexToBytes(h));
  };
  const sha256WithRsa = asn1.create(U, T.SEQUENCE, true, [
    asn1.create(U, T.OID, false, asn1.oidToDer(nodeForge().pki.oids.sha256WithRSAEncryption).getBytes()),
    asn1.create(U, T.NULL, false, ''),
  ]);
  const extension = (oid: string, value: forge.asn1.Asn1) =>
    asn1.create(U, T.SEQUENCE, true, [
      asn1.create(U, T.OID, false, asn1.oidToDer(oid).getBytes()),
      asn1.create(U, T.OCTETSTRING, false, asn1.toDer(value).getBytes()),
    ]);
  const thisUpdate = new Date(opts.now.getTime() - 5 * 60_000); // absorbs small clock differences
  const nextUpdate = new Date(opts.now.getTime() + opts.validDays * 86_400_000);
  const tbs: forge.asn1.Asn1[] = [
    asn1.create(U, T.INTEGER, false, asn1.integerToDer(1).getBytes()), // v2
    sha256WithRsa,
    nodeForge().pki.distinguishedNameToAsn1(caCert.subject),
    time(thisUpdate),
    time(nextUpdate),
  ];
  if (opts.revoked.length > 0) {
    tbs.push(
      asn1.create(
        U,
        T.SEQUENCE,
        true,
        opts.revoked.map((r) =>
          asn1.create(U, T.SEQUENCE, true, [integer(r.serial), time(new Date(r.revokedAt))]),
        ),
      ),
    );
  }
  tbs.push(
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [
      asn1.create(U, T.SEQUENCE, true, [
        // authorityKeyIdentifier: which CA key signed it.
        extension(
          '2.5.29.35',
          asn1.create(U, T.SEQUENCE, true, [
            asn1.create(
              asn1.Class.CONTEXT_SPECIFIC,
              0,
              false,
              caCert.generateSubjectKeyIdentifier().getBytes(),
            ),
          ]),
        ),
        // cRLNumber: increases with every CRL (seconds since the epoch of this one).
        extension('2.5.29.20', integer(Math.floor(opts.now.getTime() / 1000).toString(16))),
      ]),
    ]),
  );
  const tbsAsn1 = asn1.create(U, T.SEQUENCE, true, tbs);
  const md = nodeForge().md.sha256.create();
  md.update(asn1.toDer(tbsAsn1).getBytes());
  const crl = asn1.create(U, T.SEQUENCE, true, [
    tbsAsn1,
    sha256WithRsa,
    asn1.create(U, T.BITSTRING, false, `\x00${caKey.sign(md)}`),
  ]);
  return nodeForge().pem.encode({ type: 'X509 CRL', body: asn1.toDer(crl).getBytes() });
}

/** Error codes of the PKI library. */
export type PkiErrorCode = 'bad-csr' | 'weak-key' | 'bad-key' | 'bad-certificate';

/** A PKI failure with a code the caller can map (the hub answers 400 to `bad-csr` and `weak-key`). */
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
  publicKey: RequestKey;
  commonName: string;
  usage: CertificateUsage;
  sans?: string[] | undefined;
  validDays: number;
  now?: Date | undefined;
  notBefore?: Date | undefined;
}): SignedCertificate {
  const caCert = nodeForge().pki.certificateFromPem(opts.ca.certPem);
  const caKey = rsaPrivateKey(opts.ca.keyPem, 'CA key');
  const cert = nodeForge().pki.createCertificate();
  // An EC key cannot be held by node-forge: the CA's own key stands in while the TBS is built, and the request's
  // SubjectPublicKeyInfo replaces it below, before anything is signed.
  cert.publicKey = 'rsa' in opts.publicKey ? opts.publicKey.rsa : caCert.publicKey;
  cert.serialNumber = newSerial();
  setValidity(cert, opts.validDays, opts.now, opts.notBefore);
  cert.setSubject([{ name: 'commonName', value: opts.commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  const sans = opts.sans ?? [];
  const extensions: Record<string, unknown>[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    'rsa' in opts.publicKey
      ? { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, critical: true },
    {
      name: 'extKeyUsage',
      serverAuth: opts.usage !== 'client',
      clientAuth: opts.usage !== 'server',
    },
    'rsa' in opts.publicKey
      ? { name: 'subjectKeyIdentifier' }
      : { name: 'subjectKeyIdentifier', value: skiOf(opts.publicKey.spki) },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ];
  if (sans.length > 0) {
    extensions.push({
      name: 'subjectAltName',
      altNames: sans.map((san) => (isIP(san) ? { type: 7, ip: san } : { type: 2, value: san })),
    });
  }
  cert.setExtensions(extensions);
  if ('rsa' in opts.publicKey) {
    cert.sign(caKey, nodeForge().md.sha256.create());
    return { certPem: nodeForge().pki.certificateToPem(cert), serial: cert.serialNumber.toUpperCase() };
  }
  const { asn1 } = nodeForge();
  const sha256WithRsa = nodeForge().pki.oids.sha256WithRSAEncryption;
  cert.signatureOid = cert.siginfo.algorithmOid = sha256WithRsa;
  const tbs = (
    nodeForge().pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }
  ).getTBSCertificate(cert);
  (tbs.value as forge.asn1.Asn1[])[6] = opts.publicKey.spki;
  const md = nodeForge().md.sha256.create();
  md.update(asn1.toDer(tbs).getBytes());
  const algorithm = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(sha256WithRsa).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
  ]);
  const der = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    algorithm,
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\x00${caKey.sign(md)}`),
  ]);
  return {
    certPem: nodeForge().pem.encode({ type: 'CERTIFICATE', body: asn1.toDer(der).getBytes() }),
    serial: cert.serialNumber.toUpperCase(),
  };
}

/** RFC 5280 method 1 key identifier: SHA-1 of the subjectPublicKey bits. */
function skiOf(spki: forge.asn1.Asn1): forge.asn1.Asn1 {
  const bits = ((spki.value as forge.asn1.Asn1[])[1]?.value as string).slice(1);
  const md = nodeForge().md.sha1.create();
  md.update(bits);
  return nodeForge().asn1.create(
    nodeForge().asn1.Class.UNIVERSAL,
    nodeForge().asn1.Type.OCTETSTRING,
    false,
    md.digest().getBytes(),
  );
}

function setValidity(
  cert: forge.pki.Certificate,
  validDays: number,
  now = new Date(),
  notBefore?: Date,
): void {
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
    return nodeForge().pki.privateKeyFromPem(pem);
  } catch (err) {
    throw new PkiError(
      'bad-key',
      `${what} must be an RSA private key in PEM (node-forge signs only with RSA): ${message(err)}`,
    );
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
