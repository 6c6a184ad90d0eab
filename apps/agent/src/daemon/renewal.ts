import { request } from 'node:https';
import type { AgentTlsFiles } from './tls-files.js';

/** When the certificate should be renewed: once `share` of its lifetime has passed. */
export function renewalDue(cert: { notBefore: Date; notAfter: Date }, share: number, now: Date): boolean {
  const life = cert.notAfter.getTime() - cert.notBefore.getTime();
  return now.getTime() >= cert.notBefore.getTime() + life * share;
}

/**
 * Renews over mTLS (hub-agent contract 3): a fresh RSA key and CSR, POSTed to `/api/v1/agents/renew` with the
 * current certificate as the client identity and the pinned hub CA as the only trust anchor.
 */
export async function renewCertificate(
  hubUrl: string,
  current: AgentTlsFiles,
  timeoutMs = 30_000,
): Promise<{ cert: string; key: string; ca: string }> {
  // The PKI (node-forge) loads when the first renewal is due, not at start.
  const { createCsr, createKeyPair } = await import('./renewal-keys.js');
  const keys = createKeyPair('rsa');
  const csr = createCsr({ commonName: current.commonName, privateKeyPem: keys.privateKeyPem });
  const url = new URL('/api/v1/agents/renew', hubUrl);
  const body = JSON.stringify({ csr });
  const response = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        ca: current.ca,
        cert: current.cert,
        key: current.key,
        minVersion: 'TLSv1.2',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.origin} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
  if (response.status !== 200 && response.status !== 201) {
    throw new Error(`hub refused renewal (HTTP ${response.status}): ${response.text.slice(0, 300)}`);
  }
  const parsed = JSON.parse(response.text) as { certificate?: unknown; caCertificate?: unknown };
  if (typeof parsed.certificate !== 'string') throw new Error('hub renewal answer has no certificate');
  return {
    cert: parsed.certificate,
    key: keys.privateKeyPem,
    ca: typeof parsed.caCertificate === 'string' ? parsed.caCertificate : current.ca,
  };
}
