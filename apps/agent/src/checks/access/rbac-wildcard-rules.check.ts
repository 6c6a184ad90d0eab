import { clusterError, type Check, type CheckFinding } from '../check.js';
import { RbacModel, bindingRef, type PolicyRule, type RbacRole } from '../lib/rbac.js';
import { isUpstreamDefault } from './subjects.js';

function ruleText(r: PolicyRule): string {
  const groups = (r.apiGroups ?? []).map((g) => (g === '' ? 'core' : g)).join(',');
  return `verbs [${(r.verbs ?? []).join(',')}] on [${(r.resources ?? []).join(',')}] in groups [${groups}]`;
}

/**
 * Upstream default roles (cluster-admin, system:controller:*, ...) and `system:`-named roles are skipped:
 * Kubernetes reserves the `system:` prefix for its own objects and re-creates defaults at start-up, so a
 * finding there would be noise nobody can act on. Aggregated ClusterRoles are skipped too: their rules
 * are copies of the roles they aggregate, which are judged on their own.
 */
function exempt(role: RbacRole): boolean {
  return isUpstreamDefault(role.labels) || role.name.startsWith('system:') || role.aggregated;
}

export const rbacWildcardRules: Check = {
  id: 'rbac-wildcard-rules',
  run({ evidence }) {
    const built = RbacModel.fromEvidence(evidence);
    if (!built.ok) return clusterError(evidence, built.reason);
    const rbac = built.model;
    const findings: CheckFinding[] = [];
    let examined = 0;
    for (const role of [...rbac.clusterRoles, ...rbac.roles]) {
      if (exempt(role)) continue;
      examined += 1;
      const wild = role.rules.filter((r) => r.verbs?.includes('*') || r.resources?.includes('*'));
      if (!wild.length) continue;
      const total = wild.some((r) => r.verbs?.includes('*') && r.resources?.includes('*'));
      const boundBy = rbac
        .allBindings()
        .filter((b) => rbac.roleFor(b) === role)
        .map(bindingRef);
      const name =
        role.kind === 'Role' ? `Role/${role.namespace ?? ''}/${role.name}` : `ClusterRole/${role.name}`;
      const resource = role.namespace
        ? { kind: role.kind, namespace: role.namespace, name: role.name }
        : { kind: role.kind, name: role.name };
      findings.push({
        outcome: total ? 'fail' : 'warn',
        resource,
        message: `${name} has wildcard rules (${wild.map(ruleText).join('; ')})${total ? ': every verb on every resource' : ''}; ${
          boundBy.length ? `bound by ${boundBy.join(', ')}` : 'not bound by anything yet'
        }`,
        evidence: { rules: wild, boundBy },
      });
    }
    if (!findings.length) {
      findings.push({
        outcome: 'pass',
        resource: { kind: 'Cluster', name: evidence.cluster.name },
        message: `no wildcard verbs or resources in ${examined} non-default Roles and ClusterRoles`,
      });
    }
    return findings;
  },
};
