import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import {
  endpointAddress,
  type Evidence,
  hostConfig,
  staticPod,
  TLS_ENDPOINTS_PROBE,
  type TlsEndpointObservation,
  type TlsEndpointsEvidence,
} from '@watchpost/shared';
import type { Probe, ProbeContext } from './probe.js';

/** Where to knock: an address and why we think the component listens there. */
export interface TlsTarget {
  name: string;
  host: string;
  port: number;
  from: string;
}

/** Per-endpoint cap: a healthy local handshake takes milliseconds; a hung port must not hold up the scan. */
export const MAX_ENDPOINT_TIMEOUT_MS = 3000;
const MAX_TARGETS = 6;

function derToPem(der: Buffer): string {
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** The chain as the server sent it, leaf first (Node links `issuerCertificate`; a root links to itself). */
function servedChain(peer: DetailedPeerCertificate): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let c: DetailedPeerCertificate | undefined = peer;
  while (c?.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(derToPem(c.raw));
    c = c.issuerCertificate;
  }
  return out;
}

/**
 * Completes one TLS handshake and records what was presented. Nothing is trusted (rejectUnauthorized is off
 * on purpose: the point is to see expired or foreign certificates), no client certificate is sent and no
 * byte of application data is written.
 */
export function probeEndpoint(target: TlsTarget, timeoutMs: number): Promise<TlsEndpointObservation> {
  const base: TlsEndpointObservation = {
    name: target.name,
    host: target.host,
    port: target.port,
    from: target.from,
  };
  return new Promise((resolve) => {
    let done = false;
    const finish = (obs: TlsEndpointObservation) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(obs);
    };
    const socket = connect({
      host: target.host,
      port: target.port,
      rejectUnauthorized: false,
      ...(isIP(target.host) ? {} : { servername: target.host }),
    });
    const timer = setTimeout(
      () => finish({ ...base, error: `timeout after ${timeoutMs} ms (no TLS handshake)` }),
      timeoutMs,
    );
    socket.once('secureConnect', () => {
      const chain = servedChain(socket.getPeerCertificate(true));
      const protocol = socket.getProtocol();
      finish(
        chain.length
          ? { ...base, chainPem: chain, ...(protocol ? { protocol } : {}) }
          : { ...base, error: 'handshake completed but no certificate was presented' },
      );
    });
    socket.once('error', (err: NodeJS.ErrnoException) =>
      finish({ ...base, error: err.code ? `${err.code}: ${err.message}` : err.message }),
    );
  });
}

function fromServerUrl(server: string): { host: string; port: number } | undefined {
  try {
    const u = new URL(server);
    if (u.protocol !== 'https:') return undefined;
    return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 443 };
  } catch {
    return undefined;
  }
}

/**
 * API server addresses from the kube-apiserver manifest and the kubeconfigs on the host (default
 * 127.0.0.1:6443), and the kubelet on 127.0.0.1:10250. Deduplicated, bounded.
 */
export function tlsTargets(ctx: Pick<ProbeContext, 'host' | 'kube'>): TlsTarget[] {
  const evidence: Evidence = {
    schemaVersion: 1,
    collectedAt: '',
    cluster: { name: '', platform: 'other', role: 'workload' },
    kube: ctx.kube,
    host: ctx.host,
    probes: {},
    collectorErrors: [],
    source: 'live',
  };
  const targets: TlsTarget[] = [];
  const api = staticPod(evidence, 'kube-apiserver');
  if (api) {
    const port = Number(api.flags['secure-port'] ?? 6443);
    const bind = api.flags['bind-address'];
    const host =
      bind && bind !== '0.0.0.0' && bind !== '::' ? bind : (api.flags['advertise-address'] ?? '127.0.0.1');
    targets.push({ name: 'kube-apiserver', host, port, from: `manifest ${api.path}` });
  }
  for (const kc of hostConfig(evidence).kubeconfigs) {
    for (const c of kc.clusters) {
      const addr = c.server ? fromServerUrl(c.server) : undefined;
      if (addr) targets.push({ name: 'kube-apiserver', ...addr, from: `kubeconfig ${kc.path}` });
    }
  }
  if (!targets.length)
    targets.push({ name: 'kube-apiserver', host: '127.0.0.1', port: 6443, from: 'default' });
  targets.push({ name: 'kubelet', host: '127.0.0.1', port: 10250, from: 'default' });
  const seen = new Set<string>();
  return targets
    .filter((t) => {
      const key = endpointAddress(t.host, t.port);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, MAX_TARGETS);
}

/** Probes targets in parallel; every endpoint gets an observation, failures included. */
export async function probeTargets(
  targets: readonly TlsTarget[],
  timeoutMs: number,
  now: () => Date = () => new Date(),
): Promise<TlsEndpointsEvidence> {
  const perEndpoint = Math.max(1, Math.min(timeoutMs, MAX_ENDPOINT_TIMEOUT_MS));
  const endpoints = await Promise.all(targets.map((t) => probeEndpoint(t, perEndpoint)));
  return { probedAt: now().toISOString(), endpoints };
}

/** The live TLS probe: what the API server and kubelet ports actually serve (DESIGN.md section 3, item 1). */
export const tlsEndpointsProbe: Probe<typeof TLS_ENDPOINTS_PROBE> = {
  name: TLS_ENDPOINTS_PROBE,
  collect(ctx: ProbeContext) {
    return probeTargets(tlsTargets(ctx), ctx.timeoutMs);
  },
};
