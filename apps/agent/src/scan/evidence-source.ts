import type { ClusterInfo, Evidence, HostFile } from '@watchpost/shared';
import { kubernetesVersionFromNodes, readBundle } from '../collectors/bundle.reader.js';
import type { AzureSettings } from '../collectors/azure/azure-options.js';
import { detectPlatform } from './platform-detect.js';

/** Where a scan's evidence comes from: a bundle folder, or the live cluster and host. */
export interface EvidenceSourceOptions {
  bundle?: string;
  kubeconfig?: string;
  context?: string;
  /** Where the host's `/` is mounted (DaemonSet: `/host`); default `WATCHPOST_HOST_ROOT` or `/`. */
  hostRoot?: string;
  /** Skip host files and host-side probes (AKS in Azure: API-only). */
  apiOnly?: boolean;
  /** Cluster identity from enrollment/config; detected when absent. */
  cluster?: Partial<ClusterInfo>;
  probeTimeoutMs?: number;
  progress?: (msg: string) => void;
  /** Clock for `collectedAt` (tests pass a fixed one). */
  now?: () => Date;
  /** The cluster's Azure resource (agent config `azure.*`); default from `WATCHPOST_AZURE_RESOURCE_ID` and `AZURE_*`. */
  azure?: AzureSettings;
}

/** Collects Evidence from a bundle or the live system. Collector failures are recorded, never thrown. */
export async function loadEvidence(opts: EvidenceSourceOptions): Promise<Evidence> {
  if (opts.bundle) {
    const ev = await readBundle(opts.bundle);
    if (opts.cluster) ev.cluster = { ...ev.cluster, ...definedOnly(opts.cluster) };
    return ev;
  }
  // Live collectors pull in the Kubernetes client, gRPC and etcd (about 1 s and 150 MB at import): load them
  // only for live scans, so bundle scans and `status` stay light.
  const [{ collectKube }, { collectHostFiles }, { PROBES }] = await Promise.all([
    import('../collectors/kube.collector.js'),
    import('../collectors/host.collector.js'),
    import('../collectors/probes/index.js'),
  ]);
  const now = opts.now ?? (() => new Date());
  const progress = opts.progress ?? (() => undefined);
  const collectedAt = now().toISOString();
  const kube = await collectKube({
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    ...(opts.context ? { context: opts.context } : {}),
    progress,
  });
  const hostRoot = opts.hostRoot ?? process.env['WATCHPOST_HOST_ROOT'] ?? '/';
  let host: Record<string, HostFile> = {};
  const errors = [...kube.errors];
  if (!opts.apiOnly) {
    progress(`reading host files under ${hostRoot}`);
    const h = await collectHostFiles({ root: hostRoot });
    host = h.host;
    errors.push(...h.errors);
  }
  const probes: Record<string, unknown> = {};
  for (const probe of PROBES) {
    progress(`probe ${probe.name}`);
    try {
      probes[probe.name] = await probe.collect({
        host,
        kube: kube.kube,
        timeoutMs: opts.probeTimeoutMs ?? 5000,
        hostRoot,
      });
    } catch (err) {
      errors.push({
        source: `probe/${probe.name}`,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }
  const detected = detectPlatform(kube.kube, kube.server);
  const cluster: ClusterInfo = { ...detected, ...definedOnly(opts.cluster ?? {}) };
  const version = kube.version ?? kubernetesVersionFromNodes(kube.kube['nodes']);
  if (version && !cluster.kubernetesVersion) cluster.kubernetesVersion = version;
  const evidence: Evidence = {
    schemaVersion: 1,
    collectedAt,
    cluster,
    kube: kube.kube,
    host,
    probes,
    collectorErrors: errors,
    source: 'live',
  };
  const azure = await collectAzureEvidence(opts.azure ?? {}, progress);
  if (azure) {
    evidence.azure = azure;
    for (const doc of Object.values(azure)) if (doc.status === 'error') errors.push(doc.error);
  }
  return evidence;
}

/** Live Azure documents when a cluster resource id is configured; a bad setting is a recorded error. */
async function collectAzureEvidence(
  settings: AzureSettings,
  progress: (msg: string) => void,
): Promise<Evidence['azure']> {
  const [{ azureCollectorOptions }, { collectAzure }] = await Promise.all([
    import('../collectors/azure/azure-options.js'),
    import('../collectors/azure/arm.collector.js'),
  ]);
  const options = azureCollectorOptions(settings);
  if (options === undefined) return undefined;
  if (typeof options === 'string')
    return { managedCluster: { status: 'error', error: { source: 'azure/config', message: options } } };
  progress(`reading Azure resource ${options.resourceId}`);
  return collectAzure(options);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
