import { describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import {
  certificateFingerprint,
  createCa,
  createCsr,
  createKeyPair,
  issueCertificate,
  PkiError,
  signCsr,
} from './pki.js';

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
  const serverCert = issueCertificate({ ca, commonName: 'hub', usage: 'server', sans: ['localhost', '127.0.0.1'], validDays: 30 });

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
    const result = await handshake({ ca: ca.certPem, server: serverCert, client: { certPem: signed.certPem, keyPem: keys.privateKeyPem } });
    expect(result).toEqual({ peerCn: 'cluster-a.node-1' });
  });

  it('keeps the CSR common name when none is given', () => {
    const keys = createKeyPair();
    const csrPem = createCsr({ commonName: 'agent-1', privateKeyPem: keys.privateKeyPem });
    expect(new X509Certificate(signCsr({ ca, csrPem, validDays: 1, usage: 'client' }).certPem).subject).toBe('CN=agent-1');
  });

  it('refuses a tampered CSR and an EC key', () => {
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
    expect(() => createCsr({ commonName: 'x', privateKeyPem: createKeyPair('ec').privateKeyPem })).toThrow(/RSA private key/);
  });

  it('server certificates carry SANs that node:tls checks against the name dialled', async () => {
    const client = issueCertificate({ ca, commonName: 'agent-1', usage: 'client', validDays: 1 });
    expect((await handshake({ ca: ca.certPem, server: serverCert, client, servername: 'localhost' })).peerCn).toBe('agent-1');
    const wrongName = await handshake({ ca: ca.certPem, server: serverCert, client, servername: 'elsewhere.example' });
    expect(wrongName.clientError).toMatch(/altnames|Hostname/i);
  });

  it('a client certificate from another CA, or an expired one, is refused by node:tls', async () => {
    const otherCa = createCa({ commonName: 'Other CA', validDays: 10 });
    const foreign = issueCertificate({ ca: otherCa, commonName: 'agent-1', usage: 'client', validDays: 1 });
    const expired = issueCertificate({ ca, commonName: 'agent-1', usage: 'client', validDays: 1, now: new Date('2020-01-01T00:00:00Z') });
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
    expect(fp).toBe(`sha256:${new X509Certificate(ca.certPem).fingerprint256.replace(/:/g, '').toLowerCase()}`);
    expect(certificateFingerprint(serverCert.certPem)).not.toBe(fp);
    expect(() => certificateFingerprint('nope')).toThrow(/not a PEM certificate/);
  });

  it('honours an explicit notBefore', () => {
    const c = issueCertificate({ ca, commonName: 'x', usage: 'both', validDays: 2, now, notBefore: new Date('2026-11-22T00:00:00Z') });
    const x = new X509Certificate(c.certPem);
    expect(new Date(x.validFrom).toISOString()).toBe('2026-11-22T00:00:00.000Z');
    expect(new Date(x.validTo).toISOString()).toBe('2026-11-25T00:00:00.000Z');
  });
});
