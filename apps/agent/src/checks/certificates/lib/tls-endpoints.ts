/**
 * The shape of `evidence.probes['tls-endpoints']`: what the live TLS probe saw on the API server and kubelet
 * ports. The served chain is recorded, never trusted: checks judge it like any other certificate.
 */

/** Probe name, the key in `Evidence.probes`. */
export const TLS_ENDPOINTS_PROBE = 'tls-endpoints';

/** One endpoint as probed. */
export interface TlsEndpointObservation {
  /** What is expected to listen there: `kube-apiserver`, `kubelet`. */
  name: string;
  host: string;
  port: number;
  /** Where the address came from (`manifest /etc/kubernetes/manifests/kube-apiserver.yaml`, `kubeconfig ...`, `default`). */
  from: string;
  /** Certificates as served, leaf first, PEM. Absent when the handshake failed. */
  chainPem?: string[];
  /** Negotiated protocol (`TLSv1.3`). */
  protocol?: string;
  /** Why no chain was recorded (`ECONNREFUSED`, `timeout after 2000 ms`). */
  error?: string;
}

/** The probe's whole result. */
export interface TlsEndpointsEvidence {
  probedAt: string;
  endpoints: TlsEndpointObservation[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates the probe result as found in Evidence (a bundle may hold anything): absent, usable, or why not. */
export function readTlsEndpoints(raw: unknown): { status: 'absent' } | { status: 'ok'; value: TlsEndpointsEvidence } | { status: 'invalid'; reason: string } {
  if (raw === undefined) return { status: 'absent' };
  if (!isRecord(raw) || !Array.isArray(raw['endpoints'])) return { status: 'invalid', reason: 'probes/tls-endpoints.json must be an object with an "endpoints" array' };
  const endpoints: TlsEndpointObservation[] = [];
  for (const [i, e] of (raw['endpoints'] as unknown[]).entries()) {
    if (!isRecord(e) || typeof e['host'] !== 'string' || typeof e['port'] !== 'number') {
      return { status: 'invalid', reason: `probes/tls-endpoints.json: endpoints[${i}] needs "host" (string) and "port" (number)` };
    }
    const obs: TlsEndpointObservation = { name: typeof e['name'] === 'string' ? e['name'] : 'endpoint', host: e['host'], port: e['port'], from: typeof e['from'] === 'string' ? e['from'] : 'unknown' };
    if (Array.isArray(e['chainPem'])) obs.chainPem = (e['chainPem'] as unknown[]).filter((p): p is string => typeof p === 'string');
    if (typeof e['protocol'] === 'string') obs.protocol = e['protocol'];
    if (typeof e['error'] === 'string') obs.error = e['error'];
    endpoints.push(obs);
  }
  return { status: 'ok', value: { probedAt: typeof raw['probedAt'] === 'string' ? raw['probedAt'] : '', endpoints } };
}

/** `host:port`, with IPv6 hosts bracketed. */
export function endpointAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
