import { clusterError, type Check, type CheckFinding } from '../check.js';
import { RbacModel, bindingRef, describeSubject, roleRefName, type PolicyRule } from '../lib/rbac.js';
import { classifySubject } from './subjects.js';

/** Non-resource URLs the upstream `system:public-info-viewer` role makes public on purpose. */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);
const READ_VERBS = new Set(['get', 'head']);

/**
 * Rules that are public by design: upstream public-info endpoints, and kubeadm's
 * `kubeadm:bootstrap-signer-clusterinfo` Role (get on ConfigMap kube-public/cluster-info, used by
 * `kubeadm join` discovery before the joining node has a credential).
 */
function isPublicByDesign(rule: PolicyRule, namespace: string | undefined): boolean {
  const verbs = rule.verbs ?? [];
  if (!verbs.length || !verbs.every((v) => READ_VERBS.has(v))) return false;
  if (rule.nonResourceURLs?.length)
    return rule.nonResourceURLs.every((u) => PUBLIC_PATHS.has(u)) && !rule.resources?.length;
  return (
    namespace === 'kube-public' &&
    (rule.apiGroups ?? []).every((g) => g === '') &&
    (rule.resources ?? []).length > 0 &&
    (rule.resources ?? []).every((r) => r === 'configmaps') &&
    (rule.resourceNames ?? []).length > 0 &&
    (rule.resourceNames ?? []).every((n) => n === 'cluster-info')
  );
}

function describeRule(rule: PolicyRule): string {
  const what = rule.nonResourceURLs?.length
    ? rule.nonResourceURLs.join(',')
    : `${(rule.resources ?? []).join(',')}${rule.resourceNames?.length ? `[${rule.resourceNames.join(',')}]` : ''}`;
  return `${(rule.verbs ?? []).join(',')} ${what}`;
}

export const rbacAnonymousBinding: Check = {
  id: 'rbac-anonymous-binding',
  run({ evidence }) {
    const built = RbacModel.fromEvidence(evidence);
    if (!built.ok) return clusterError(evidence, built.reason);
    const rbac = built.model;
    const findings: CheckFinding[] = [];
    for (const b of rbac.allBindings()) {
      const anonymous = b.subjects.filter((s) => classifySubject(b, s).cls === 'anonymous');
      if (!anonymous.length) continue;
      const resource = b.namespace
        ? { kind: b.kind, namespace: b.namespace, name: b.name }
        : { kind: b.kind, name: b.name };
      const who = anonymous.map((s) => describeSubject(s, b.namespace)).join(', ');
      const role = rbac.roleFor(b);
      if (!role) {
        findings.push({
          outcome: 'warn',
          resource,
          message: `${bindingRef(b)} binds ${who} to ${roleRefName(b)}, which does not exist: whoever creates that role later hands its rights to unauthenticated callers`,
        });
        continue;
      }
      const granted = role.rules.filter((r) => !isPublicByDesign(r, b.namespace));
      if (!granted.length) {
        findings.push({
          outcome: 'pass',
          resource,
          message: `${bindingRef(b)} gives ${who} only public-by-design access (${role.rules.map(describeRule).join('; ') || 'no rules'})`,
        });
        continue;
      }
      findings.push({
        outcome: 'fail',
        resource,
        message: `${bindingRef(b)} gives ${who} ${roleRefName(b)}: ${granted.map(describeRule).join('; ')}; anyone who can reach the API server has these rights`,
        evidence: {
          subjects: anonymous.map((s) => describeSubject(s, b.namespace)),
          role: roleRefName(b),
          rules: granted,
        },
      });
    }
    if (!findings.length) {
      findings.push({
        outcome: 'pass',
        resource: { kind: 'Cluster', name: evidence.cluster.name },
        message: `none of ${rbac.allBindings().length} bindings names system:anonymous or system:unauthenticated`,
      });
    }
    return findings;
  },
};
