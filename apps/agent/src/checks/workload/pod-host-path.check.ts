import type { Severity } from '@watchpost/shared';
import type { Check } from '../check.js';
import { allContainers } from '../lib/pod-specs.js';
import { perWorkload, type Verdict, workloadCheck } from './common.js';

/**
 * Host paths that hand over the node: container runtime sockets, kubelet and Kubernetes state (PKI keys,
 * kubeconfigs), etcd data, /etc, /proc, /sys, /dev. Mounting one of them, or anything below it, fails even
 * read-only. Kept as data; Windows paths are compared lower-case with forward slashes.
 */
export const SENSITIVE_HOST_PATHS: readonly string[] = [
  '/etc',
  '/root',
  '/home',
  '/proc',
  '/sys',
  '/dev',
  '/boot',
  '/var/lib/kubelet',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/lib/etcd',
  '/run/containerd',
  '/var/run/containerd',
  '/run/crio',
  '/var/run/crio',
  // Docker's runtime directory holds its socket and per-container state: as dangerous as the socket itself.
  '/run/docker',
  '/var/run/docker',
  '/run/docker.sock',
  '/var/run/docker.sock',
  '/run/cri-dockerd.sock',
  '/var/run/cri-dockerd.sock',
  'c:/windows',
  'c:/k',
  'c:/programdata',
  '//./pipe',
];

/**
 * Paths sensitive only as a whole: the host's root and the runtime directories (mounting `/run` exposes every
 * socket in it), while single entries below them, such as kube-proxy's `/run/xtables.lock`, are not.
 */
export const SENSITIVE_HOST_PATHS_EXACT: readonly string[] = [
  '/',
  '/run',
  '/var/run',
  '/var',
  '/var/lib',
  'c:/',
];

function normalise(p: string): string {
  const s = p.replace(/\\/g, '/').toLowerCase();
  return s.length > 1 && s.endsWith('/') ? s.slice(0, -1) : s;
}

/** A path is sensitive when it is listed, or below an entry of SENSITIVE_HOST_PATHS. */
export function isSensitiveHostPath(path: string): boolean {
  const p = normalise(path);
  if (SENSITIVE_HOST_PATHS_EXACT.some((e) => normalise(e) === p)) return true;
  return SENSITIVE_HOST_PATHS.some((entry) => {
    const e = normalise(entry);
    return p === e || p.startsWith(`${e}/`);
  });
}

interface Mount {
  volume: string;
  path: string;
  container: string;
  readOnly: boolean;
}

function hostPathVolume(v: Record<string, unknown>): string | undefined {
  const hp = v['hostPath'] as { path?: unknown } | undefined;
  return hp && typeof hp.path === 'string' && typeof v['name'] === 'string' ? hp.path : undefined;
}

/** Shared by every workload without hostPath volumes (findings are read-only): nearly all of them. */
const NO_HOST_PATHS: Verdict = { outcome: 'pass', message: 'mounts no hostPath volumes' };

/** hostPath volumes break the container boundary: writes reach the node, reads expose its secrets. */
export const podHostPath: Check = workloadCheck('pod-host-path', (ctx, sink) =>
  perWorkload(ctx, sink, (w) => {
    const volumes = w.src.spec.volumes;
    // Looked for before anything is built: most pods have none, and got a map and a verdict each.
    let any = false;
    if (Array.isArray(volumes))
      for (let i = 0; i < volumes.length && !any; i++) any = hostPathVolume(volumes[i]) !== undefined;
    else any = volumes !== undefined;
    if (!any) return NO_HOST_PATHS;
    const hostPaths = new Map<string, string>();
    for (const v of volumes ?? []) {
      const path = hostPathVolume(v);
      if (path !== undefined) hostPaths.set(v['name'] as string, path);
    }
    if (hostPaths.size === 0) return NO_HOST_PATHS;
    const mounts: Mount[] = [];
    for (const { container } of allContainers(w.src.spec)) {
      const vms = Array.isArray(container['volumeMounts'])
        ? (container['volumeMounts'] as Record<string, unknown>[])
        : [];
      for (const m of vms) {
        const path = typeof m['name'] === 'string' ? hostPaths.get(m['name']) : undefined;
        if (path !== undefined)
          mounts.push({
            volume: m['name'] as string,
            path,
            container: container.name,
            readOnly: m['readOnly'] === true,
          });
      }
    }
    const unmounted = [...hostPaths].filter(([name]) => !mounts.some((m) => m.volume === name));
    // A declared volume no container mounts is not reachable from inside the pod.
    if (mounts.length === 0)
      return {
        outcome: 'pass',
        message: `declares hostPath volumes (${unmounted.map(([, p]) => p).join(', ')}) but no container mounts them`,
      };
    const sensitive = mounts.filter((m) => isSensitiveHostPath(m.path));
    const writable = mounts.filter((m) => !m.readOnly);
    const describe = (m: Mount): string =>
      `${m.path} in container "${m.container}" (${m.readOnly ? 'read-only' : 'read-write'}${isSensitiveHostPath(m.path) ? ', sensitive' : ''})`;
    const parts = mounts.map(describe);
    if (unmounted.length) parts.push(...unmounted.map(([, p]) => `${p} (declared, not mounted)`));
    const evidence = {
      hostPaths: mounts.map((m) => ({ path: m.path, container: m.container, readOnly: m.readOnly })),
    };
    if (sensitive.length || writable.length) {
      const severity: Severity = sensitive.some((m) => !m.readOnly) ? 'critical' : 'high';
      return { outcome: 'fail', severity, message: `mounts host paths: ${parts.join('; ')}`, evidence };
    }
    return {
      outcome: 'warn',
      severity: 'medium',
      message: `mounts host paths read-only: ${parts.join('; ')}`,
      evidence,
    };
  }),
);
