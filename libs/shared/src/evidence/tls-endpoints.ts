import * as z from 'zod';

/**
 * The shape of `evidence.probes['tls-endpoints']`: what the live TLS probe saw on the API server and kubelet
 * ports. The served chain is recorded, never trusted: checks judge it like any other certificate.
 */

/** Probe name, the key in `Evidence.probes`. */
export const TLS_ENDPOINTS_PROBE = 'tls-endpoints';

const HOST_PORT = 'needs "host" (string) and "port" (number)';

/** One endpoint as probed. */
export const tlsEndpointObservation = z.object({
  /** What is expected to listen there: `kube-apiserver`, `kubelet`. */
  name: z.string().default('endpoint'),
  host: z.string({ error: HOST_PORT }),
  port: z.number({ error: HOST_PORT }),
  /** Where the address came from (`manifest /etc/kubernetes/manifests/kube-apiserver.yaml`, `kubeconfig ...`, `default`). */
  from: z.string().default('unknown'),
  /** Certificates as served, leaf first, PEM. Absent when the handshake failed. */
  chainPem: z.array(z.string()).optional(),
  /** Negotiated protocol (`TLSv1.3`). */
  protocol: z.string().optional(),
  /** Why no chain was recorded (`ECONNREFUSED`, `timeout after 2000 ms`). */
  error: z.string().optional(),
});
/** One endpoint as probed. */
export type TlsEndpointObservation = z.infer<typeof tlsEndpointObservation>;

/** `evidence.probes['tls-endpoints']`: the probe's whole result. */
export const tlsEndpointsProbeResult = z.object({
  probedAt: z.string().default(''),
  endpoints: z.array(tlsEndpointObservation, {
    error: 'must be an object with an "endpoints" array',
  }),
});
/** The TLS probe's whole result. */
export type TlsEndpointsEvidence = z.infer<typeof tlsEndpointsProbeResult>;

/** Validates the probe result as found in Evidence (a bundle may hold anything): absent, usable, or why not. */
export function readTlsEndpoints(
  raw: unknown,
):
  | { status: 'absent' }
  | { status: 'ok'; value: TlsEndpointsEvidence }
  | { status: 'invalid'; reason: string } {
  if (raw === undefined) return { status: 'absent' };
  const r = tlsEndpointsProbeResult.safeParse(raw);
  if (r.success) return { status: 'ok', value: r.data };
  const issue = r.error.issues[0];
  const where = issue?.path.length
    ? issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '')
    : '';
  return {
    status: 'invalid',
    reason: `probes/${TLS_ENDPOINTS_PROBE}.json${where ? `: ${where}` : ''} ${issue?.message ?? 'is invalid'}`,
  };
}

/** `host:port`, with IPv6 hosts bracketed. */
export function endpointAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
