import type { Direction } from '@watchpost/netpol';
import type { CheckContext, CheckFinding } from '../check.js';
import { isSystemNamespace } from '../workload/system-namespaces.js';
import { networkModel } from './network-model.js';
import { ANY_PORT, unrelatedPeers } from './probes.js';

/**
 * Per user namespace: is traffic with an unrelated peer (a pod in another namespace, an outside address)
 * on an arbitrary port denied for a new, unlabelled pod there? That is what "default deny" means in effect,
 * whichever object (Kubernetes policy, Calico policy, GlobalNetworkPolicy) provides it.
 */
export function defaultDenyFindings(ctx: CheckContext, direction: Direction): CheckFinding[] {
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
  for (const ns of [...engine.namespaces.keys()].sort()) {
    if (isSystemNamespace(ns, ctx.platformNamespaces)) continue;
    const fresh = engine.syntheticPod(ns);
    const open: string[] = [];
    let deciders: string[] = [];
    for (const { label, peer } of unrelatedPeers(engine)) {
      const v =
        direction === 'ingress'
          ? engine.evaluate('ingress', fresh, peer, ANY_PORT)
          : engine.evaluate('egress', fresh, peer, ANY_PORT);
      if (v.allowed) open.push(`${direction === 'ingress' ? 'from' : 'to'} ${label}: ${v.reason}`);
      else if (v.decidedBy)
        deciders.push(
          v.decidedBy.action === 'end-of-tier deny'
            ? (v.decidedBy.tierPolicies ?? v.policies).join(', ')
            : v.decidedBy.policyId,
        );
    }
    deciders = [...new Set(deciders.flatMap((d) => d.split(', ')))];
    const resource = { kind: 'Namespace', name: ns };
    if (open.length) {
      findings.push({
        outcome: 'fail',
        resource,
        message: `namespace ${ns} has no default deny for ${direction}: ${open.join('; ')}${note}`,
        evidence: { namespace: ns, direction, open },
      });
    } else {
      findings.push({
        outcome: 'pass',
        resource,
        message: `namespace ${ns} denies ${direction} by default (${deciders.join(', ')})${note}`,
        evidence: { namespace: ns, direction, policies: deciders },
      });
    }
  }
  if (!findings.length)
    findings.push({
      outcome: 'pass',
      resource: { kind: 'Cluster', name: ctx.evidence.cluster.name },
      message: 'no user namespaces (only system namespaces)',
    });
  return findings;
}
