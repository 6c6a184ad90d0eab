import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateFingerprint } from '@watchpost/shared';
import { initPki } from './pki.command.js';

describe('pki init (the data dir before the hub first runs)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'watchpost-pki-init-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the CA, a server certificate for the given names, keys 0600 and a CRL OpenSSL accepts', () => {
    const dataDir = join(dir, 'pki');
    const now = new Date();
    const made = initPki(
      { dataDir, sans: 'watchpost-mosquitto.watchpost-hub.svc,hub.example.internal' },
      now,
    );
    const ca = readFileSync(join(dataDir, 'ca.crt'), 'utf8');
    expect(made.caHash).toBe(certificateFingerprint(ca));
    const server = new X509Certificate(readFileSync(join(dataDir, 'server.crt')));
    expect(server.subjectAltName).toBe('DNS:watchpost-mosquitto.watchpost-hub.svc, DNS:hub.example.internal');
    expect(server.checkIssued(new X509Certificate(ca))).toBe(true);
    for (const key of ['ca.key', 'server.key', 'hub-client.key'])
      expect((statSync(join(dataDir, key)).mode & 0o777).toString(8)).toBe('600');
    // What Mosquitto's crlfile needs: a CRL signed by the CA, current, verifying with OpenSSL.
    const out = execFileSync(
      'openssl',
      ['crl', '-in', join(dataDir, 'crl.pem'), '-CAfile', join(dataDir, 'ca.crt'), '-noout', '-text'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(out).toContain('No Revoked Certificates');
  });

  it('is idempotent: a second run keeps the CA and the CRL', () => {
    const dataDir = join(dir, 'again');
    const first = initPki({ dataDir, sans: 'hub.example.internal' });
    const crl = readFileSync(join(dataDir, 'crl.pem'), 'utf8');
    const second = initPki({ dataDir, sans: 'hub.example.internal' });
    expect(second.caHash).toBe(first.caHash);
    expect(readFileSync(join(dataDir, 'crl.pem'), 'utf8')).toBe(crl);
  });
});
