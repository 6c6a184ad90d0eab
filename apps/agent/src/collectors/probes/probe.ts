import type { HostFile, KubeResource, ProbeFailure, ProbeName, ProbeResultOf } from '@watchpost/shared';

/** What a live probe may look at: the host files and Kubernetes lists collected before it. */
export interface ProbeContext {
  host: Record<string, HostFile>;
  kube: Record<string, KubeResource>;
  /** Budget for the whole probe; probes must give up by then. */
  timeoutMs: number;
  /** Where the host's `/` is mounted (same as the host collector's root). */
  hostRoot: string;
}

/**
 * A live probe (TLS endpoints, KMS plugin, etcd sample). Its result goes to `evidence.probes[name]`, in the
 * shape the shared `PROBE_SCHEMAS[name]` defines: the compiler holds the probe to the checks' contract.
 */
export interface Probe<K extends ProbeName = ProbeName> {
  name: K;
  collect(ctx: ProbeContext): Promise<ProbeResultOf<K> | ProbeFailure>;
}
