import forge from 'node-forge';
import type { CaMaterial } from '@watchpost/shared';

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
export function buildCrlPem(opts: {
  ca: CaMaterial;
  revoked: RevokedSerial[];
  now: Date;
  validDays: number;
}): string {
  const { asn1 } = forge;
  const U = asn1.Class.UNIVERSAL;
  const T = asn1.Type;
  const caCert = forge.pki.certificateFromPem(opts.ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(opts.ca.keyPem);
  const time = (d: Date) =>
    d.getUTCFullYear() < 2050
      ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(d))
      : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));
  const integer = (hex: string) => {
    let h = hex.replace(/^0+(?=.)/, '');
    if (h.length % 2) h = `0${h}`;
    if (parseInt(h.slice(0, 2), 16) & 0x80) h = `00${h}`; // keep it a positive INTEGER
    return asn1.create(U, T.INTEGER, false, forge.util.hexToBytes(h));
  };
  const sha256WithRsa = asn1.create(U, T.SEQUENCE, true, [
    asn1.create(U, T.OID, false, asn1.oidToDer(forge.pki.oids.sha256WithRSAEncryption).getBytes()),
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
    forge.pki.distinguishedNameToAsn1(caCert.subject),
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
  const md = forge.md.sha256.create();
  md.update(asn1.toDer(tbsAsn1).getBytes());
  const crl = asn1.create(U, T.SEQUENCE, true, [
    tbsAsn1,
    sha256WithRsa,
    asn1.create(U, T.BITSTRING, false, `\x00${caKey.sign(md)}`),
  ]);
  return forge.pem.encode({ type: 'X509 CRL', body: asn1.toDer(crl).getBytes() });
}
