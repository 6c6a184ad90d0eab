import { createHash, X509Certificate } from 'node:crypto';

/**
 * Certificate facts the certificate checks read, from `node:crypto` `X509Certificate` (RSA and EC alike)
 * plus a few fields Node 20 does not expose (signature algorithm, exact validity), read from the DER.
 */
export interface CertInfo {
  x509: X509Certificate;
  /** Upper-case hex, as Node reports it. */
  serial: string;
  subject: string;
  issuer: string;
  commonName?: string;
  notBefore: Date;
  notAfter: Date;
  lifetimeMs: number;
  /** basicConstraints CA:TRUE. */
  isCa: boolean;
  /** Subject equals issuer and the certificate verifies with its own key. */
  selfSigned: boolean;
  signature: { oid: string; name: string; hash?: string };
  key: { type: string; bits?: number; curve?: string };
  /** SHA-256 hex of the DER SubjectPublicKeyInfo: compared with `PrivateKeyFacts.publicKeySha256`. */
  spkiSha256: string;
  fingerprint256: string;
  /** Extended key usage OIDs (empty when the extension is absent). */
  extKeyUsage: string[];
}

const SIGNATURE_OIDS: Record<string, { name: string; hash?: string }> = {
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', hash: 'md5' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'sha1' },
  '1.2.840.113549.1.1.10': { name: 'RSASSA-PSS' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'sha512' },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', hash: 'sha1' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'sha512' },
  '1.2.840.10040.4.3': { name: 'dsa-with-SHA1', hash: 'sha1' },
  '1.3.101.112': { name: 'Ed25519' },
  '1.3.101.113': { name: 'Ed448' },
};

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function readTlv(buf: Buffer, offset: number): Tlv {
  const tag = buf[offset];
  let len = buf[offset + 1];
  if (tag === undefined || len === undefined) throw new Error('truncated DER');
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] ?? 0);
    start += n;
  }
  const end = start + len;
  if (end > buf.length) throw new Error('truncated DER');
  return { tag, start, end };
}

function children(buf: Buffer, tlv: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = tlv.start; p < tlv.end;) {
    const c = readTlv(buf, p);
    out.push(c);
    p = c.end;
  }
  return out;
}

function decodeOid(bytes: Buffer): string {
  const first = bytes[0] ?? 0;
  const parts = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40];
  let v = 0;
  for (let i = 1; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

function decodeTime(buf: Buffer, tlv: Tlv): Date {
  const s = buf.subarray(tlv.start, tlv.end).toString('latin1');
  let full: string;
  if (tlv.tag === 0x17) {
    // UTCTime: YYMMDDHHMM[SS]Z; RFC 5280: YY >= 50 is 19YY.
    const yy = Number(s.slice(0, 2));
    full = `${yy >= 50 ? 19 : 20}${s}`;
  } else if (tlv.tag === 0x18) full = s;
  else throw new Error('validity is not a UTCTime or GeneralizedTime');
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?Z$/.exec(full);
  if (!m) throw new Error(`unsupported time ${s}`);
  return new Date(
    Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)),
  );
}

/** Signature algorithm and validity straight from the DER (Node 20 exposes neither exactly). */
export function derFacts(der: Buffer): { signatureOid: string; notBefore: Date; notAfter: Date } {
  const cert = readTlv(der, 0);
  const [tbs, sigAlg] = children(der, cert);
  if (!tbs || !sigAlg) throw new Error('not an X.509 certificate');
  const algOid = children(der, sigAlg)[0];
  if (!algOid || algOid.tag !== 0x06) throw new Error('signature algorithm has no OID');
  const fields = children(der, tbs);
  // tbsCertificate: [0] version (optional), serial, signature, issuer, validity, ...
  const base = fields[0]?.tag === 0xa0 ? 1 : 0;
  const validity = fields[base + 3];
  if (!validity) throw new Error('certificate has no validity');
  const [nb, na] = children(der, validity);
  if (!nb || !na) throw new Error('certificate validity is incomplete');
  return {
    signatureOid: decodeOid(der.subarray(algOid.start, algOid.end)),
    notBefore: decodeTime(der, nb),
    notAfter: decodeTime(der, na),
  };
}

function commonName(dn: string): string | undefined {
  for (const line of dn.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}

/** Parses one certificate (DER or a single PEM block). Throws with a plain message when it is not one. */
export function parseCertificate(input: Buffer | string): CertInfo {
  const x509 = new X509Certificate(input);
  const der = x509.raw;
  const facts = derFacts(der);
  const sig = SIGNATURE_OIDS[facts.signatureOid] ?? { name: facts.signatureOid };
  const pub = x509.publicKey;
  const details = pub.asymmetricKeyDetails ?? {};
  const key: CertInfo['key'] = { type: pub.asymmetricKeyType ?? 'unknown' };
  if (details.modulusLength !== undefined) key.bits = details.modulusLength;
  if (details.namedCurve !== undefined) key.curve = details.namedCurve;
  let selfSigned = false;
  if (x509.subject === x509.issuer) {
    try {
      selfSigned = x509.verify(pub);
    } catch {
      selfSigned = false;
    }
  }
  const info: CertInfo = {
    x509,
    serial: x509.serialNumber.toUpperCase(),
    subject: x509.subject,
    issuer: x509.issuer,
    notBefore: facts.notBefore,
    notAfter: facts.notAfter,
    lifetimeMs: facts.notAfter.getTime() - facts.notBefore.getTime(),
    isCa: x509.ca,
    selfSigned,
    signature: { oid: facts.signatureOid, ...sig },
    key,
    spkiSha256: createHash('sha256')
      .update(pub.export({ type: 'spki', format: 'der' }))
      .digest('hex'),
    fingerprint256: x509.fingerprint256,
    extKeyUsage: Array.isArray(x509.keyUsage) ? x509.keyUsage : [],
  };
  const cn = commonName(x509.subject);
  if (cn !== undefined) info.commonName = cn;
  return info;
}

/** Anything outside printable ASCII and whitespace: DER read as text. */
function isBinary(s: string): boolean {
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c > 0x7e || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)) return true;
  }
  return false;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** All certificates in a PEM text, in order, or why there are none / which block is broken. */
export function parsePemCertificates(
  text: string,
): { ok: true; certs: CertInfo[] } | { ok: false; reason: string } {
  const blocks = text.match(PEM_CERT) ?? [];
  if (!blocks.length) {
    return {
      ok: false,
      reason: isBinary(text.slice(0, 64))
        ? 'not PEM (binary content; DER?): convert with openssl x509 -inform der'
        : 'holds no PEM certificate (no -----BEGIN CERTIFICATE----- block)',
    };
  }
  const certs: CertInfo[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      certs.push(parseCertificate(block));
    } catch (err) {
      return {
        ok: false,
        reason: `certificate block ${i + 1} of ${blocks.length} does not parse (${(err as Error).message})`,
      };
    }
  }
  return { ok: true, certs };
}

/** Does `cert` carry `issuer`'s name and a signature its key verifies? (Dates are another check's business.) */
export function issuedBy(cert: CertInfo, issuer: CertInfo): boolean {
  if (cert.issuer !== issuer.subject) return false;
  try {
    return cert.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

/** Builds a path from `leaf` through `intermediates` to one of `anchors`; returns the anchor reached. */
export function verifyChain(
  leaf: CertInfo,
  intermediates: readonly CertInfo[],
  anchors: readonly CertInfo[],
): CertInfo | undefined {
  let current = leaf;
  const used = new Set<string>([leaf.fingerprint256]);
  for (let depth = 0; depth < 8; depth++) {
    const anchor = anchors.find((a) => a.fingerprint256 === current.fingerprint256 || issuedBy(current, a));
    if (anchor) return anchor;
    const next = intermediates.find((c) => !used.has(c.fingerprint256) && issuedBy(current, c));
    if (!next) return undefined;
    used.add(next.fingerprint256);
    current = next;
  }
  return undefined;
}

/** `CN=x` or the one-line DN, for messages. */
export function certName(c: CertInfo): string {
  return c.commonName !== undefined ? `CN=${c.commonName}` : c.subject.replace(/\n/g, ', ');
}
