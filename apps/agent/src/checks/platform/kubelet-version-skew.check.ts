import { kubeItems } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import { controlPlaneVersion, parseKubeVersion } from './version.js';

/**
 * Upstream version skew policy: a kubelet may be up to three minors older than kube-apiserver (two before
 * v1.28) and never newer. Exactly at the limit warns, because the next control-plane upgrade breaks it.
 */
export function allowedKubeletLag(controlPlaneMinor: number): number {
  return controlPlaneMinor >= 28 ? 3 : 2;
}

/** Each node's kubelet against the control plane. */
export const kubeletVersionSkew: Check = {
  id: 'kubelet-version-skew',
  run: (ctx) => {
    const cluster = { kind: 'Cluster', name: ctx.evidence.cluster.name };
    const cp = controlPlaneVersion(ctx.evidence);
    if (!cp.ok) return [{ outcome: 'error', resource: cluster, message: cp.error }];
    const nodes = kubeItems(ctx.evidence, 'nodes');
    if (!nodes.ok)
      return [{ outcome: 'error', resource: cluster, message: `cannot read nodes: ${nodes.reason}` }];
    if (nodes.items.length === 0)
      return [
        {
          outcome: 'error',
          resource: cluster,
          message: 'the node list is empty: no kubelet versions to compare',
        },
      ];
    const api = cp.version;
    const lagLimit = allowedKubeletLag(api.minor);
    const out: CheckFinding[] = [];
    for (const node of nodes.items) {
      const resource = { kind: 'Node', name: node.metadata.name };
      const raw = (node['status'] as { nodeInfo?: { kubeletVersion?: unknown } } | undefined)?.nodeInfo
        ?.kubeletVersion;
      const kv = typeof raw === 'string' ? parseKubeVersion(raw) : undefined;
      if (!kv) {
        out.push({
          outcome: 'error',
          resource,
          message: `status.nodeInfo.kubeletVersion ${raw === undefined ? 'is missing' : `${JSON.stringify(raw)} is not a Kubernetes version`}`,
        });
        continue;
      }
      const evidence = { kubelet: kv.raw, controlPlane: api.raw, allowedLag: lagLimit };
      if (kv.major !== api.major) {
        out.push({
          outcome: 'fail',
          resource,
          message: `kubelet ${kv.raw} and control plane ${api.raw} differ in major version`,
          evidence,
        });
        continue;
      }
      const lag = api.minor - kv.minor;
      if (lag < 0)
        out.push({
          outcome: 'fail',
          resource,
          message: `kubelet ${kv.raw} is newer than the control plane ${api.raw}: kubelets must never be newer than kube-apiserver`,
          evidence,
        });
      else if (lag > lagLimit)
        out.push({
          outcome: 'fail',
          resource,
          message: `kubelet ${kv.raw} is ${lag} minors behind the control plane ${api.raw}; at most ${lagLimit} are supported`,
          evidence,
        });
      else if (lag === lagLimit)
        out.push({
          outcome: 'warn',
          resource,
          message: `kubelet ${kv.raw} is ${lag} minors behind the control plane ${api.raw}, the most allowed: upgrade the node before the next control-plane upgrade`,
          evidence,
        });
      else
        out.push({
          outcome: 'pass',
          resource,
          message:
            lag === 0
              ? `kubelet ${kv.raw} matches the control plane ${api.raw}`
              : `kubelet ${kv.raw} is ${lag} minor${lag > 1 ? 's' : ''} behind the control plane ${api.raw} (within ${lagLimit})`,
          evidence,
        });
    }
    return out;
  },
};
