import { gzipSync } from 'node:zlib';
import { summarise, type CheckResult, type ReportEnvelopeV1 } from '@watchpost/shared';

/**
 * Builds a valid envelope v1 (tests and the ingest benchmark). `results` defaults to a small mixed set;
 * `cluster` defaults to an AKS-hybrid workload cluster named after the agent.
 */
export function sampleEnvelope(
  agentId: string,
  seq: number,
  opts: {
    results?: CheckResult[];
    scannedAt?: string;
    cluster?: Partial<ReportEnvelopeV1['cluster']>;
    runId?: string;
    dropped?: number;
  } = {},
): ReportEnvelopeV1 {
  const results: CheckResult[] = opts.results ?? [
    {
      checkId: 'cert-expiry',
      area: 'certificates',
      severity: 'high',
      outcome: 'fail',
      resource: { kind: 'HostFile', path: '/etc/kubernetes/pki/apiserver.crt' },
      message: 'certificate expired 2 days ago',
      evidence: { notAfter: '2026-11-21T00:00:00Z' },
    },
    {
      checkId: 'rbac-wildcard-rules',
      area: 'access',
      severity: 'medium',
      outcome: 'pass',
      resource: { kind: 'ClusterRole', name: 'view' },
      message: 'no wildcard rules',
    },
    {
      checkId: 'namespace-pod-security-labels',
      area: 'workload',
      severity: 'low',
      outcome: 'warn',
      resource: { kind: 'Namespace', name: 'default' },
      message: 'namespace has no Pod Security Admission labels',
    },
  ];
  const scannedAt = opts.scannedAt ?? '2026-11-23T10:00:00.000Z';
  return {
    schemaVersion: 1,
    agentId,
    seq,
    runId: opts.runId ?? `run-${agentId}-${seq}`,
    scannedAt,
    evaluatedAt: scannedAt,
    agentVersion: '0.1.0',
    cluster: {
      name: agentId.split('.')[0],
      platform: 'aks-hci',
      role: 'workload',
      kubernetesVersion: 'v1.31.4',
      ...opts.cluster,
    },
    summary: summarise(results),
    results,
    collectorErrors: [],
    dropped: opts.dropped ?? 0,
  };
}

/** The wire form: gzip of the JSON envelope. */
export function encodeEnvelope(envelope: unknown): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(envelope), 'utf8'));
}
