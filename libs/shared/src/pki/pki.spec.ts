import { describe, expect, it } from '@jest/globals';
import { createPrivateKey as createPrivateKeyFrom, generateKeyPairSync, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import {
  certificateFingerprint,
  createCa,
  createCsr,
  createKeyPair,
  issueCertificate,
  createCrl,
  PkiError,
  readCsr,
  signCsr,
} from './pki.js';

/** A CSR as an old or careless tool would make it: RSA of `bits`, signed with `digest`. */
function rsaCsr(bits: number, digest: 'sha1' | 'sha256' | 'md5' = 'sha256'): string {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject([{ name: 'commonName', value: 'weak' }]);
  csr.sign(key, forge.md[digest].create());
  return forge.pki.certificationRequestToPem(csr);
}

function ecKey(curve: string): string {
  return generateKeyPairSync('ec', {
    namedCurve: curve,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

const now = new Date('2026-11-23T00:00:00Z');

/**
 * Runs one real TLS handshake with a client certificate required. With TLS 1.3 the client finishes its side
 * before the server has judged the client certificate, so the verdict is taken from whichever side fails first,
 * or from the server's accepted connection.
 */
async function handshake(opts: {
  ca: string;
  server: { certPem: string; keyPem: string };
  client: { certPem: string; keyPem: string };
  servername?: string;
}): Promise<{ clientError?: string; serverError?: string; peerCn?: string }> {
  const server = createServer({
    cert: opts.server.certPem,
    key: opts.server.keyPem,
    ca: opts.ca,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const socket = connect({
    host: '127.0.0.1',
    port,
    servername: opts.servername ?? 'localhost',
    ca: opts.ca,
    cert: opts.client.certPem,
    key: opts.client.keyPem,
  });
  try {
    return await new Promise((resolve) => {
      server.on('secureConnection', (s: TLSSocket) => {
        resolve({ peerCn: s.getPeerCertificate().subject?.CN as string | undefined });
        s.end();
      });
      server.on('tlsClientError', (err) => resolve({ serverError: err.message }));
      socket.on('error', (err) => resolve({ clientError: err.message }));
    });
  } finally {
    socket.destroy();
    server.close();
  }
}

describe('pki', () => {
  const ca = createCa({ commonName: 'Watchpost Test CA', validDays: 3650, now });
  const serverCert = issueCertificate({
    ca,
    commonName: 'hub',
    usage: 'server',
    sans: ['localhost', '127.0.0.1'],
    validDays: 30,
  });

  it('makes a self-signed CA that node:crypto reads as a CA', () => {
    const x = new X509Certificate(ca.certPem);
    expect(x.ca).toBe(true);
    expect(x.subject).toContain('CN=Watchpost Test CA');
    expect(x.verify(x.publicKey)).toBe(true);
    expect(new Date(x.validTo).getTime()).toBe(now.getTime() + 3650 * 86_400_000);
  });

  it('signs a CSR whose certificate is accepted by node:tls with the agent id from the issuer', async () => {
    const keys = createKeyPair();
    const csrPem = createCsr({ commonName: 'requested-name', privateKeyPem: keys.privateKeyPem });
    const signed = signCsr({ ca, csrPem, validDays: 4, usage: 'client', commonName: 'cluster-a.node-1' });
    const x = new X509Certificate(signed.certPem);
    expect(x.subject).toBe('CN=cluster-a.node-1');
    expect(x.serialNumber).toBe(signed.serial);
    expect(x.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    const result = await handshake({
      ca: ca.certPem,
      server: serverCert,
      client: { certPem: signed.certPem, keyPem: keys.privateKeyPem },
    });
    expect(result).toEqual({ peerCn: 'cluster-a.node-1' });
  });

  it('keeps the CSR common name when none is given', () => {
    const keys = createKeyPair();
    const csrPem = createCsr({ commonName: 'agent-1', privateKeyPem: keys.privateKeyPem });
    expect(new X509Certificate(signCsr({ ca, csrPem, validDays: 1, usage: 'client' }).certPem).subject).toBe(
      'CN=agent-1',
    );
  });

  describe('key policy (RSA >= 2048 or ECDSA P-256/P-384, SHA-256 or better)', () => {
    const sign = (csrPem: string) =>
      signCsr({ ca, csrPem, validDays: 1, usage: 'client', commonName: 'a.b' });

    it('refuses RSA-512 and RSA-1024 naming the size and what is accepted', () => {
      for (const bits of [512, 1024]) {
        let err: unknown;
        try {
          sign(rsaCsr(bits));
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(PkiError);
        expect((err as PkiError).code).toBe('weak-key');
        expect((err as PkiError).message).toContain(`RSA-${bits}`);
        expect((err as PkiError).message).toContain('at least 2048 bits');
      }
    });

    it('refuses SHA-1 and MD5 signatures even on a strong key', () => {
      expect(() => sign(rsaCsr(2048, 'sha1'))).toThrow(/signed with SHA1; the hub accepts/);
      expect(() => sign(rsaCsr(2048, 'md5'))).toThrow(/signed with MD5/);
      expect(readCsr(rsaCsr(2048, 'sha256')).facts).toEqual({ keyType: 'rsa', bits: 2048, digest: 'sha256' });
    });

    it('signs ECDSA P-256 and P-384 requests; the certificate carries the requester key and works in TLS', async () => {
      for (const curve of ['prime256v1', 'secp384r1']) {
        const key = ecKey(curve);
        const csrPem = createCsr({ commonName: 'ignored', privateKeyPem: key });
        expect(readCsr(csrPem).facts).toEqual({ keyType: 'ec', curve, digest: 'sha256' });
        const { certPem } = sign(csrPem);
        const x = new X509Certificate(certPem);
        expect(x.subject).toBe('CN=a.b');
        expect(x.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
        expect(x.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
        expect(x.checkPrivateKey(createPrivateKeyFrom(key))).toBe(true);
        const verdict = await handshake({
          ca: ca.certPem,
          server: serverCert,
          client: { certPem, keyPem: key },
        });
        expect(verdict).toEqual({ peerCn: 'a.b' });
      }
    });

    it('refuses EC keys on other curves and a tampered EC request', () => {
      expect(() => sign(createCsr({ commonName: 'x', privateKeyPem: ecKey('secp256k1') }))).toThrow(
        /EC key on secp256k1; the hub accepts/,
      );
      const pem = createCsr({ commonName: 'x', privateKeyPem: ecKey('prime256v1') });
      const der = Buffer.from(pem.split('\n').slice(1, -2).join(''), 'base64');
      der[der.length - 10] ^= 0xff; // inside the signature
      const bad = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
      expect(() => sign(bad)).toThrow(/does not verify/);
    });
  });

  it('refuses a tampered CSR and a key that is not RSA or EC', () => {
    const keys = createKeyPair();
    const csrPem = createCsr({ commonName: 'agent-1', privateKeyPem: keys.privateKeyPem });
    const other = createCsr({ commonName: 'agent-2', privateKeyPem: createKeyPair().privateKeyPem });
    // Splice the signature of one request onto another's body: the signature no longer verifies.
    const forge = (body: string) => body.split('\n').slice(1, -2).join('');
    const a = Buffer.from(forge(csrPem), 'base64');
    const b = Buffer.from(forge(other), 'base64');
    const tampered = Buffer.concat([a.subarray(0, a.length - 256), b.subarray(b.length - 256)]);
    const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${tampered.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(() => signCsr({ ca, csrPem: pem, validDays: 1, usage: 'client' })).toThrow(/does not verify/);
    expect(() => signCsr({ ca, csrPem: 'garbage', validDays: 1, usage: 'client' })).toThrow(PkiError);
    expect(() => createCsr({ commonName: 'x', privateKeyPem: 'not a key' })).toThrow(/RSA or EC private key/);
  });

  it('a CRL from createCrl makes node:tls refuse the revoked client certificate and only that one', async () => {
    const revoked = issueCertificate({ ca, commonName: 'revoked', usage: 'client', validDays: 30 });
    const kept = issueCertificate({ ca, commonName: 'kept', usage: 'client', validDays: 30 });
    const crl = createCrl({
      ca,
      revoked: [{ serial: revoked.serial, revokedAt: now.toISOString() }],
      now: new Date(),
      validDays: 1,
    });
    expect(crl).toMatch(/^-----BEGIN X509 CRL-----/);
    const run = async (client: { certPem: string; keyPem: string }) => {
      const server = createServer({
        cert: serverCert.certPem,
        key: serverCert.keyPem,
        ca: ca.certPem,
        crl,
        requestCert: true,
        rejectUnauthorized: false,
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      const socket = connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: ca.certPem,
        cert: client.certPem,
        key: client.keyPem,
      });
      try {
        return await new Promise<string>((resolve) => {
          // The server's own verdict on the client certificate, with the reason OpenSSL gives.
          server.on('secureConnection', (s: TLSSocket) => {
            resolve(s.authorized ? 'accepted' : String(s.authorizationError));
            s.end();
          });
          server.on('tlsClientError', (err) => resolve(err.message));
        });
      } finally {
        socket.destroy();
        server.close();
      }
    };
    expect(await run(revoked)).toBe('CERT_REVOKED');
    expect(await run(kept)).toBe('accepted');
    // An empty CRL is valid too (what the hub writes before the first revocation).
    expect(createCrl({ ca, revoked: [], now, validDays: 30 })).toMatch(/X509 CRL/);
  });

  it('server certificates carry SANs that node:tls checks against the name dialled', async () => {
    const client = issueCertificate({ ca, commonName: 'agent-1', usage: 'client', validDays: 1 });
    expect(
      (await handshake({ ca: ca.certPem, server: serverCert, client, servername: 'localhost' })).peerCn,
    ).toBe('agent-1');
    const wrongName = await handshake({
      ca: ca.certPem,
      server: serverCert,
      client,
      servername: 'elsewhere.example',
    });
    expect(wrongName.clientError).toMatch(/altnames|Hostname/i);
  });

  it('a client certificate from another CA, or an expired one, is refused by node:tls', async () => {
    const otherCa = createCa({ commonName: 'Other CA', validDays: 10 });
    const foreign = issueCertificate({ ca: otherCa, commonName: 'agent-1', usage: 'client', validDays: 1 });
    const expired = issueCertificate({
      ca,
      commonName: 'agent-1',
      usage: 'client',
      validDays: 1,
      now: new Date('2020-01-01T00:00:00Z'),
    });
    for (const client of [foreign, expired]) {
      const result = await handshake({ ca: ca.certPem, server: serverCert, client });
      expect(result.peerCn).toBeUndefined();
    }
  });

  it('a server-only certificate cannot be used as a client certificate', async () => {
    const result = await handshake({ ca: ca.certPem, server: serverCert, client: serverCert });
    expect(result.peerCn).toBeUndefined();
  });

  it('fingerprints are sha256 of the DER and distinguish certificates', () => {
    const fp = certificateFingerprint(ca.certPem);
    expect(fp).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(fp).toBe(
      `sha256:${new X509Certificate(ca.certPem).fingerprint256.replace(/:/g, '').toLowerCase()}`,
    );
    expect(certificateFingerprint(serverCert.certPem)).not.toBe(fp);
    expect(() => certificateFingerprint('nope')).toThrow(/not a PEM certificate/);
  });

  it('honours an explicit notBefore', () => {
    const c = issueCertificate({
      ca,
      commonName: 'x',
      usage: 'both',
      validDays: 2,
      now,
      notBefore: new Date('2026-11-22T00:00:00Z'),
    });
    const x = new X509Certificate(c.certPem);
    expect(new Date(x.validFrom).toISOString()).toBe('2026-11-22T00:00:00.000Z');
    expect(new Date(x.validTo).toISOString()).toBe('2026-11-25T00:00:00.000Z');
  });
});
