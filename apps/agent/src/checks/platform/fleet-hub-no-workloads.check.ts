import { kubeItems } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import { isSystemNamespace } from '../workload/system-namespaces.js';

/**
 * On an Azure Kubernetes Fleet Manager hub, Deployments and other workload objects are only templates that
 * ClusterResourcePlacements copy to member clusters; nothing but Fleet's own agents should run there. So pods
 * (not workload objects) outside the platform namespaces fail. The catalogue limits the check to hub clusters.
 */
export const fleetHubNoWorkloads: Check = {
  id: 'fleet-hub-no-workloads',
  run: (ctx) => {
    const cluster = { kind: 'Cluster', name: ctx.evidence.cluster.name };
    if (ctx.evidence.cluster.role !== 'hub')
      return [{ outcome: 'not_applicable', resource: cluster, message: 'not a Fleet hub cluster' }];
    const pods = kubeItems(ctx.evidence, 'pods');
    if (!pods.ok)
      return [{ outcome: 'error', resource: cluster, message: `cannot read pods: ${pods.reason}` }];
    const out: CheckFinding[] = [];
    for (const p of pods.items) {
      const ns = p.metadata.namespace ?? 'default';
      if (isSystemNamespace(ns, ctx.platformNamespaces)) continue;
      const phase = (p['status'] as { phase?: string } | undefined)?.phase ?? 'Unknown';
      const owner = p.metadata.ownerReferences?.find((o) => o.controller) ?? p.metadata.ownerReferences?.[0];
      out.push({
        outcome: 'fail',
        resource: { kind: 'Pod', namespace: ns, name: p.metadata.name },
        message: `user pod (${phase}${owner ? `, owned by ${owner.kind}/${owner.name}` : ''}) on the Fleet hub cluster: run it on a member cluster through a ClusterResourcePlacement`,
        evidence: { phase },
      });
    }
    if (out.length === 0) {
      const deploys = kubeItems(ctx.evidence, 'deployments.apps');
      const templates = deploys.ok
        ? deploys.items.filter(
            (d) => !isSystemNamespace(d.metadata.namespace ?? 'default', ctx.platformNamespaces),
          ).length
        : 0;
      out.push({
        outcome: 'pass',
        resource: cluster,
        message: `no user pods run on the hub${templates ? ` (${templates} Deployment${templates > 1 ? 's are' : ' is a'} placement template${templates > 1 ? 's' : ''} only)` : ''}`,
      });
    }
    return out;
  },
};
