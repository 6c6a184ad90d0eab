import type { DirectionVerdict, Peer, PodEndpoint, PolicyEngine } from '@watchpost/netpol';
import type { ImdsExposureFactsV1 } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import { isSystemNamespace } from '../workload/system-namespaces.js';
import { IMDS, nameList, networkModel } from './network-model.js';

function decider(v: DirectionVerdict | null): string {
  if (!v) return 'no policy';
  if (!v.decidedBy) return v.reason;
  const d = v.decidedBy;
  return d.action === 'end-of-tier deny'
    ? `default deny at the end of tier ${d.policy.tier} (${(d.tierPolicies ?? v.policies).join(', ')})`
    : `${d.policyId} ${v.direction} rule ${d.rule ?? ''}`.trim();
}

/** What the check reads of a verdict: `canReach`'s `allowed` and `egress`. */
interface Reach {
  allowed: boolean;
  egress: DirectionVerdict | null;
}

/**
 * `canReach(pod, imds)` as far as the check reads it. Towards an outside address only the pod's egress
 * applies, so its direction verdict is the answer, without building the whole connection verdict (its texts)
 * per reported pod; an address that belongs to a pod takes the full path.
 */
function reach(engine: PolicyEngine, pod: PodEndpoint, imds: Peer): Reach {
  if (imds.kind !== 'ip') return engine.canReach(pod, imds, IMDS.connection);
  const egress = engine.evaluate('egress', pod, imds, IMDS.connection);
  return { allowed: egress.allowed, egress };
}

function summary(v: Reach): Record<string, unknown> {
  return {
    allowed: v.allowed,
    decidedBy: v.egress?.decidedBy
      ? {
          policy: v.egress.decidedBy.policyId,
          rule: v.egress.decidedBy.rule,
          action: v.egress.decidedBy.action,
        }
      : null,
    policies: v.egress?.policies ?? [],
  };
}

/**
 * Can pods reach 169.254.169.254 on TCP 80? Per namespace: the verdict for a new pod (what the namespace's
 * policies do by default), then every existing pod whose verdict differs from it.
 */
export const netpolImdsEgress: Check = {
  id: 'netpol-imds-egress',
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
    const imds = engine.ipPeer(IMDS.address);
    const findings: CheckFinding[] = [];
    const names = [...engine.namespaces.keys()].sort();
    for (const ns of names) {
      const system = isSystemNamespace(ns, ctx.platformNamespaces);
      const fresh = reach(engine, engine.syntheticPod(ns), imds);
      const pods: PodEndpoint[] = [];
      const hostNet: string[] = [];
      // Indexed loops over the pods: this code runs once, mostly before it is optimised, and there a for-of
      // allocates an iterator result per pod.
      const inNs = engine.podsIn(ns);
      for (let i = 0; i < inNs.length; i++) {
        const p = inNs[i];
        if (p.hostNetwork) hostNet.push(p.name);
        else pods.push(p);
      }
      const differing: { pod: PodEndpoint; v: Reach }[] = [];
      // Full verdicts only for the pods reported: the others agree with a new pod.
      for (let i = 0; i < pods.length; i++) {
        const pod = pods[i];
        if (engine.reachAllowed(pod, imds, IMDS.connection) !== fresh.allowed)
          differing.push({ pod, v: reach(engine, pod, imds) });
      }
      const blockedPods = differing.filter((d) => !d.v.allowed).map((d) => d.pod.name);
      const evidence: Record<string, unknown> = {
        namespace: ns,
        newPod: summary(fresh),
        pods: pods.length,
        ...(hostNet.length ? { hostNetworkPods: hostNet } : {}),
      };
      // Pods that reach it: all but the blocked ones when new pods do, only the differing allowed ones otherwise.
      const reaching = fresh.allowed
        ? pods.length - blockedPods.length
        : differing.filter((d) => d.v.allowed).length;
      const facts: ImdsExposureFactsV1 = {
        type: 'imds-exposure',
        version: 1,
        namespace: ns,
        newPodsReach: fresh.allowed,
        pods: pods.length,
        podsReaching: reaching,
        exempt: system,
      };
      if (fresh.allowed) {
        const msg = `pods in namespace ${ns} can reach ${IMDS.address}:80: ${fresh.egress?.reason ?? 'no egress policy'}${blockedPods.length ? `; only ${nameList(blockedPods)} are blocked` : ''}${note}`;
        findings.push(
          system
            ? {
                outcome: 'not_applicable',
                resource: { kind: 'Namespace', name: ns },
                message: `exempt (system namespace): ${msg}`,
                evidence,
                facts,
              }
            : { outcome: 'fail', resource: { kind: 'Namespace', name: ns }, message: msg, evidence, facts },
        );
      } else {
        findings.push({
          outcome: 'pass',
          resource: { kind: 'Namespace', name: ns },
          message: `new pods in namespace ${ns} cannot reach ${IMDS.address}:80: ${decider(fresh.egress)}${note}`,
          evidence,
          facts,
        });
        // A blocked namespace with a pod that still gets through: name the pod and the rule that let it.
        for (const { pod, v } of differing) {
          if (!v.allowed) continue;
          const resource = { kind: 'Pod', namespace: ns, name: pod.name };
          const ev = { namespace: ns, pod: pod.name, ...summary(v) };
          if (!pod.enforced)
            findings.push({
              outcome: system ? 'not_applicable' : 'warn',
              resource,
              message: `${pod.key} can reach ${IMDS.address}:80 although its namespace blocks it: ${pod.notEnforcedReason ?? 'policy not enforced'}`,
              evidence: ev,
            });
          else
            findings.push({
              outcome: system ? 'not_applicable' : 'fail',
              resource,
              message: `${pod.key} can reach ${IMDS.address}:80 although new pods in ${ns} cannot: ${v.egress?.reason ?? ''}`,
              evidence: ev,
            });
        }
      }
    }
    if (!findings.length)
      findings.push({
        outcome: 'pass',
        resource: { kind: 'Cluster', name: ctx.evidence.cluster.name },
        message: 'no namespaces',
      });
    return findings;
  },
};
