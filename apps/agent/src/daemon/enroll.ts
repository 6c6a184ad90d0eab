import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { stringify } from 'yaml';
import { AGENT_ID_PATTERN, certificateFingerprint, createCsr, createKeyPair } from '@watchpost/shared';
import { installRenewedCertificate } from './tls-files.js';

/** What the hub answers to `POST /api/v1/enroll` (contract 3). */
interface EnrollAnswer {
  agentId: string;
  certificate: string;
  caCertificate: string;
  mqtt: { url: string; protocolVersion: 4 | 5 };
  cluster: { name: string; platform: string; role: string; location?: string };
}

/** An enrollment failure with what to do. */
export class EnrollError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnrollError';
  }
}

/**
 * Enrolls this agent: fetch the hub CA without trusting anything, check its fingerprint against the hash the
 * operator got with the token, then talk to the hub with that CA as the only trust anchor. The private key never
 * leaves this host and is written 0600.
 */
export async function enroll(opts: {
  hubUrl: string;
  token: string;
  caHash: string;
  dir: string;
  storePath: string;
  nodeName?: string;
}): Promise<{
  agentId: string;
  cluster: EnrollAnswer['cluster'];
  notAfter: string;
  files: string[];
  configPath: string;
}> {
  if (!/^https:\/\//.test(opts.hubUrl))
    throw new EnrollError(`--hub must be an https:// URL, got ${opts.hubUrl}`);
  const wanted = opts.caHash.toLowerCase();
  if (!/^sha256:[0-9a-f]{64}$/.test(wanted))
    throw new EnrollError(
      '--ca-hash must look like sha256:<64 hex digits> (printed by `watchpost-hub token create --enroll`)',
    );

  const caAnswer = await call<{ caCertificate?: unknown }>(
    opts.hubUrl,
    'GET',
    '/api/v1/enroll/ca',
    undefined,
    undefined,
  );
  if (typeof caAnswer.caCertificate !== 'string')
    throw new EnrollError('hub answered /api/v1/enroll/ca without caCertificate');
  const caPem = caAnswer.caCertificate;
  const got = certificateFingerprint(caPem);
  if (got !== wanted) {
    throw new EnrollError(
      `the hub's CA fingerprint is ${got}, not ${wanted}: refusing to enroll (wrong hub, or someone in between). Check --hub and --ca-hash`,
    );
  }

  const keys = createKeyPair('rsa');
  const csr = createCsr({ commonName: opts.nodeName ?? 'agent', privateKeyPem: keys.privateKeyPem });
  const answer = await call<EnrollAnswer>(
    opts.hubUrl,
    'POST',
    '/api/v1/enroll',
    { token: opts.token, csr, ...(opts.nodeName ? { nodeName: opts.nodeName } : {}) },
    caPem,
  );
  if (
    !answer.agentId ||
    !AGENT_ID_PATTERN.test(answer.agentId) ||
    typeof answer.certificate !== 'string' ||
    !answer.mqtt?.url
  ) {
    throw new EnrollError('hub enrollment answer is missing agentId, certificate or mqtt.url');
  }
  const cert = new X509Certificate(answer.certificate);
  if (!cert.subject.split('\n').includes(`CN=${answer.agentId}`))
    throw new EnrollError(`issued certificate is for ${cert.subject}, not ${answer.agentId}`);
  if (!cert.checkIssued(new X509Certificate(answer.caCertificate ?? caPem)))
    throw new EnrollError('issued certificate was not issued by the pinned hub CA');

  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const paths = { key: join(dir, 'agent.key'), cert: join(dir, 'agent.crt'), ca: join(dir, 'ca.crt') };
  installRenewedCertificate(paths, {
    key: keys.privateKeyPem,
    cert: answer.certificate,
    ca: answer.caCertificate ?? caPem,
  });
  const configPath = join(dir, 'agent.yaml');
  const config = {
    agentId: answer.agentId,
    storePath: opts.storePath,
    tls: paths,
    broker: { url: answer.mqtt.url, protocolVersion: answer.mqtt.protocolVersion },
    hubUrl: opts.hubUrl,
    cluster: answer.cluster,
  };
  writeFileSync(
    configPath,
    `# Written by watchpost-agent enroll; see docs/agent.md for every setting.\n${stringify(config)}`,
    { mode: 0o600 },
  );
  return {
    agentId: answer.agentId,
    cluster: answer.cluster,
    notAfter: new Date(cert.validTo).toISOString(),
    files: [paths.key, paths.cert, paths.ca, configPath],
    configPath,
  };
}

async function call<T>(
  hubUrl: string,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  ca: string | undefined,
): Promise<T> {
  const url = new URL(path, hubUrl);
  const data = body === undefined ? undefined : JSON.stringify(body);
  const res = await new Promise<{ status: number; text: string }>((resolvePromise, reject) => {
    const req = request(
      url,
      {
        method,
        // Only the very first call (fetching the CA, checked by hash right after) skips verification.
        ...(ca ? { ca, rejectUnauthorized: true } : { rejectUnauthorized: false }),
        minVersion: 'TLSv1.2',
        timeout: 30_000,
        headers: data
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }
          : {},
      },
      (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () =>
          resolvePromise({ status: r.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        r.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) =>
      reject(new EnrollError(`cannot reach the hub at ${url.origin}: ${err.message}`)),
    );
    req.end(data);
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.text);
  } catch {
    throw new EnrollError(`hub answered ${method} ${path} with HTTP ${res.status} and no JSON`);
  }
  if (res.status < 200 || res.status >= 300) {
    const err = (parsed as { error?: { code?: string; message?: string } }).error;
    const hint = res.status === 401 ? ' (token unknown, used or expired: ask for a new one)' : '';
    throw new EnrollError(
      `hub refused ${method} ${path}: HTTP ${res.status} ${err?.code ?? ''} ${err?.message ?? ''}${hint}`
        .replace(/\s+/g, ' ')
        .trim(),
    );
  }
  return parsed as T;
}
