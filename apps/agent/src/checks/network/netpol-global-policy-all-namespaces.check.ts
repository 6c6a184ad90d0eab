import type { Direction, Policy, PolicyEngine, Rule } from '@watchpost/netpol';
import type { Check, CheckFinding } from '../check.js';
import { networkModel } from './network-model.js';
import { ANY_PORT, unrelatedPeers } from './probes.js';

const SYSTEM = ['kube-system', 'calico-system', 'tigera-operator'];

/** A rule that matches every probe (any peer, arbitrary TCP and UDP ports) is unconditional. */
function unconditionalAllow(
  engine: PolicyEngine,
  p: Policy,
  direction: Direction,
  ns: string,
): Rule | undefined {
  const self = engine.syntheticPod(ns);
  const rules = direction === 'ingress' ? p.ingress : p.egress;
  return rules.find((r) => {
    if (r.action !== 'Allow') return false;
    return unrelatedPeers(engine).every(({ peer }) =>
      [ANY_PORT, { protocol: 'UDP', port: 65000 }].every((conn) => {
        const src = direction === 'ingress' ? peer : self;
        const dst = direction === 'ingress' ? self : peer;
        return r.matches({ src, dst, conn, family: 4 });
      }),
    );
  });
}

/**
 * Would the policy itself stop ordinary traffic (an unrelated peer, an arbitrary port) in this namespace?
 * Its first matching rule denies, or no rule matches and the tier's end-of-tier drop follows. A targeted
 * deny followed by Pass (the usual metadata-endpoint block) does not.
 */
function blocksUnrelated(engine: PolicyEngine, p: Policy, direction: Direction, ns: string): boolean {
  const self = engine.syntheticPod(ns);
  const rules = direction === 'ingress' ? p.ingress : p.egress;
  return unrelatedPeers(engine).some(({ peer }) => {
    const src = direction === 'ingress' ? peer : self;
    const dst = direction === 'ingress' ? self : peer;
    const first = rules.find((r) => r.action !== 'Log' && r.matches({ src, dst, conn: ANY_PORT, family: 4 }));
    return !first || first.action === 'Deny';
  });
}

/** GlobalNetworkPolicies that apply to every pod in every namespace: allow-all overrides, or denies hitting system namespaces. */
export const netpolGlobalPolicyAllNamespaces: Check = {
  id: 'netpol-global-policy-all-namespaces',
  run: (ctx) => {
    const built = networkModel(ctx.evidence);
    const cluster = { kind: 'Cluster', name: ctx.evidence.cluster.name };
    if (!built.ok) return [{ outcome: 'error', resource: cluster, message: built.reason }];
    const { engine, calico } = built.model;
    if (calico === 'absent')
      return [
        {
          outcome: 'not_applicable',
          resource: cluster,
          message: 'Calico is not installed: there are no GlobalNetworkPolicies',
        },
      ];
    if (calico === 'not-collected')
      return [
        {
          outcome: 'error',
          resource: cluster,
          message:
            'globalnetworkpolicies.crd.projectcalico.org was not collected; add it to the bundle (kubectl get globalnetworkpolicies.crd.projectcalico.org -o json)',
        },
      ];
    const findings: CheckFinding[] = [];
    const namespaces = [...engine.namespaces.keys()].sort();
    const globals = engine.policies.filter((p) => p.ref.kind === 'GlobalNetworkPolicy' && !p.inert);
    for (const p of globals) {
      const resource = { kind: 'GlobalNetworkPolicy', name: p.ref.name };
      // Covers a namespace when it would select a new, unlabelled pod there: pod labels do not narrow it.
      const covers =
        namespaces.length > 0 && namespaces.every((ns) => engine.policySelects(p, engine.syntheticPod(ns)));
      if (!covers) {
        findings.push({
          outcome: 'pass',
          resource,
          message: `${p.id} is scoped (selector ${p.selector.canonical}${p.namespaceSelector ? `, namespaceSelector ${p.namespaceSelector.canonical}` : ''})`,
        });
        continue;
      }
      const dirs = [...p.types];
      const allowAll = dirs
        .map((d) => ({ d, r: unconditionalAllow(engine, p, d, namespaces[0]) }))
        .filter((x): x is { d: Direction; r: Rule } => !!x.r);
      if (allowAll.length) {
        findings.push({
          outcome: 'fail',
          resource,
          message: `${p.id} (tier ${p.ref.tier}, order ${p.ref.order ?? 'unset'}) applies to every pod in every namespace and allows all ${allowAll.map((x) => `${x.d} (rule ${x.r.index}: ${x.r.text})`).join(' and ')}: an Allow is final, so namespace default denies after it are void`,
          evidence: { tier: p.ref.tier, order: p.ref.order ?? null, directions: allowAll.map((x) => x.d) },
        });
        continue;
      }
      const system = SYSTEM.filter((ns) => namespaces.includes(ns));
      const denies = dirs.some((d) => blocksUnrelated(engine, p, d, system[0] ?? namespaces[0]));
      if (system.length && denies) {
        findings.push({
          outcome: 'warn',
          resource,
          message: `${p.id} applies to every namespace including ${system.join(', ')} and can deny ${dirs.join('/')} there: exclude system namespaces (namespaceSelector) so cluster components keep working`,
          evidence: { directions: dirs },
        });
      } else {
        findings.push({
          outcome: 'pass',
          resource,
          message: `${p.id} covers every namespace without allowing everything or denying system namespaces`,
        });
      }
    }
    if (!findings.length)
      findings.push({
        outcome: 'pass',
        resource: cluster,
        message: 'no GlobalNetworkPolicy applies to pods',
      });
    return findings;
  },
};
