import { kubeItems, type Evidence } from '@watchpost/shared';

/** A parsed Kubernetes version (`v1.31.5`, `1.31`, `v1.30.4+k3s1`, `v1.29.9-aks.1`). */
export interface KubeVersion {
  major: number;
  minor: number;
  patch?: number;
  raw: string;
}

// A build suffix (`-aks.1`, `+k3s1`) only ever follows a full major.minor.patch.
const VERSION = /^v?(\d+)\.(\d+)(?:\.(\d+)(?:[-+][0-9A-Za-z.+-]*)?)?$/;

/** Parses a Kubernetes version string, or undefined when it is not one. */
export function parseKubeVersion(raw: string): KubeVersion | undefined {
  const m = VERSION.exec(raw.trim());
  if (!m) return undefined;
  const v: KubeVersion = { major: Number(m[1]), minor: Number(m[2]), raw };
  if (m[3] !== undefined) v.patch = Number(m[3]);
  return v;
}

/** `1.31` */
export function minorOf(v: KubeVersion): string {
  return `${v.major}.${v.minor}`;
}

/** Compares two `major.minor` strings numerically (`1.9` < `1.31`). */
export function compareMinor(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number) as [number, number];
  const [bm, bn] = b.split('.').map(Number) as [number, number];
  return am - bm || an - bn;
}

/**
 * The control-plane version: `cluster.kubernetesVersion` (from `/version`, `cluster.json`, or the bundle
 * reader's guess from nodes), else the image tag of a kube-apiserver static pod in kube-system (kubeadm and
 * AKS hybrid run the API server as one). `error` says why neither worked.
 */
export function controlPlaneVersion(
  evidence: Evidence,
): { ok: true; version: KubeVersion; source: string } | { ok: false; error: string } {
  const declared = evidence.cluster.kubernetesVersion;
  if (declared !== undefined) {
    const v = parseKubeVersion(declared);
    return v
      ? { ok: true, version: v, source: 'cluster version' }
      : {
          ok: false,
          error: `control-plane version "${declared}" is not a Kubernetes version (expected e.g. v1.31.5)`,
        };
  }
  const pods = kubeItems(evidence, 'pods');
  if (pods.ok) {
    for (const p of pods.items) {
      if (p.metadata.namespace !== 'kube-system' || p.metadata.labels?.['component'] !== 'kube-apiserver')
        continue;
      const containers =
        (p['spec'] as { containers?: { name?: string; image?: string }[] } | undefined)?.containers ?? [];
      const image = containers.find((c) => c.name === 'kube-apiserver')?.image ?? '';
      const tag = image.slice(image.lastIndexOf(':') + 1);
      const v = image.includes(':') ? parseKubeVersion(tag) : undefined;
      if (v) return { ok: true, version: v, source: `image of pod kube-system/${p.metadata.name}` };
    }
  }
  return {
    ok: false,
    error:
      'control-plane version unknown: no kubernetesVersion in the evidence (cluster.json or /version) and no kube-apiserver pod image to read it from',
  };
}
