import type { Policy } from '@watchpost/netpol';
import type { Check, CheckFinding } from '../check.js';
import { networkModel } from './network-model.js';

function resourceOf(p: Policy): { kind: string; namespace?: string; name: string } {
  const kind =
    p.ref.kind === 'CalicoNetworkPolicy'
      ? 'NetworkPolicy.projectcalico.org'
      : p.ref.kind === 'GlobalNetworkPolicy'
        ? 'GlobalNetworkPolicy'
        : 'NetworkPolicy';
  return p.namespace !== undefined
    ? { kind, namespace: p.namespace, name: p.ref.name }
    : { kind, name: p.ref.name };
}

/** Policies that select no pod, and Calico policies Calico would refuse (selector does not parse). */
export const netpolPolicySelectsNothing: Check = {
  id: 'netpol-policy-selects-nothing',
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
    const { engine } = built.model;
    const findings: CheckFinding[] = [];
    let fine = 0;
    for (const p of engine.policies) {
      const resource = resourceOf(p);
      if (p.inert && p.problems.length) {
        findings.push({
          outcome: 'fail',
          resource,
          message: `${p.id} is invalid and never applied: ${p.problems.join('; ')}`,
          evidence: { problems: p.problems },
        });
        continue;
      }
      if (p.inert) continue; // host-endpoint-only policies are not about pods
      if (p.problems.length) {
        findings.push({
          outcome: 'fail',
          resource,
          message: `${p.id} has invalid parts that match nothing: ${p.problems.join('; ')}`,
          evidence: { problems: p.problems },
        });
        continue;
      }
      if (!engine.selectsAnyPod(p)) {
        const where =
          p.namespace !== undefined
            ? ` in namespace ${p.namespace}`
            : p.namespaceSelector
              ? ` in namespaces matching ${p.namespaceSelector.canonical}`
              : '';
        const extra =
          p.ref.kind === 'GlobalNetworkPolicy'
            ? ' (it may be meant for host endpoints, which this scan does not read)'
            : '';
        findings.push({
          outcome: 'warn',
          resource,
          message: `${p.id} selects no pod${where}: selector ${p.selector.canonical} matches nothing${extra}`,
          evidence: { selector: p.selector.canonical },
        });
        continue;
      }
      fine++;
    }
    if (!findings.length)
      findings.push({
        outcome: 'pass',
        resource: { kind: 'Cluster', name: ctx.evidence.cluster.name },
        message: `all ${fine} network policies select at least one pod`,
      });
    return findings;
  },
};
