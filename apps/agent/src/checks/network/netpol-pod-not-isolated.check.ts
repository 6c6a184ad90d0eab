import type { Check, CheckFinding } from '../check.js';
import { isSystemNamespace } from '../workload/system-namespaces.js';
import { networkModel } from './network-model.js';

/** Pods in user namespaces that no policy selects for either direction (and Windows pods Calico ignores). */
export const netpolPodNotIsolated: Check = {
  id: 'netpol-pod-not-isolated',
  run: (ctx) => {
    const built = networkModel(ctx.evidence);
    if (!built.ok)
      return [
        {
          outcome: 'error',
          resource: { kind: 'Cluster', name: ctx.evidence.cluster.name },
          message: built.reason,
        },
      ];
    const { engine, notes } = built.model;
    const note = notes.length ? ` (${notes.join('; ')})` : '';
    const findings: CheckFinding[] = [];
    let checked = 0;
    // Pods come namespace by namespace: the system test is made once per run of one namespace, not per pod.
    let lastNs: string | undefined;
    let system = false;
    for (const pod of engine.pods) {
      if (pod.hostNetwork) continue;
      if (pod.namespace !== lastNs) {
        lastNs = pod.namespace;
        system = isSystemNamespace(pod.namespace, ctx.platformNamespaces);
      }
      if (system) continue;
      checked++;
      const resource = { kind: 'Pod', namespace: pod.namespace, name: pod.name };
      if (!pod.enforced) {
        findings.push({
          outcome: 'warn',
          resource,
          message: `${pod.key} is not isolated: ${pod.notEnforcedReason ?? 'policy is not enforced on it'}`,
          evidence: { os: pod.os },
        });
        continue;
      }
      if (!engine.isolated(pod, 'ingress') && !engine.isolated(pod, 'egress')) {
        findings.push({
          outcome: 'fail',
          resource,
          message: `${pod.key} is isolated for neither ingress nor egress: no policy selects it, so it accepts and opens any connection${note}`,
        });
      }
    }
    if (!findings.length) {
      findings.push({
        outcome: 'pass',
        resource: { kind: 'Cluster', name: ctx.evidence.cluster.name },
        message: `all ${checked} pod-network pods in user namespaces are selected by a policy for ingress or egress${note}`,
      });
    }
    return findings;
  },
};
