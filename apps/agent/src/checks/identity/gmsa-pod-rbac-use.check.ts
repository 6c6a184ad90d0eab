import type { Check, CheckFinding } from '../check.js';
import { RbacModel, serviceAccountUser } from '../lib/rbac.js';
import { gmsaPodSpecs, gmsaScope, sourceRef } from './gmsa.js';

export const gmsaPodRbacUse: Check = {
  id: 'gmsa-pod-rbac-use',
  run({ evidence }) {
    const scope = gmsaScope(evidence);
    if (!scope.applicable) return scope.findings;
    const cluster = { kind: 'Cluster', name: evidence.cluster.name };
    const { uses, missing } = gmsaPodSpecs(evidence);
    if (missing.length)
      return [
        { outcome: 'error', resource: cluster, message: `cannot list every pod spec: ${missing.join('; ')}` },
      ];
    const named = uses.filter((u) => u.name);
    if (!named.length)
      return [
        {
          outcome: 'pass',
          resource: cluster,
          message: `no pod or pod template names a credential spec (${scope.why})`,
        },
      ];
    const built = RbacModel.fromEvidence(evidence);
    if (!built.ok) return [{ outcome: 'error', resource: cluster, message: built.reason }];
    const rbac = built.model;
    const findings: CheckFinding[] = [];
    const done = new Set<string>();
    for (const u of named) {
      const s = u.source;
      const sa = s.spec.serviceAccountName || s.spec.serviceAccount || 'default';
      const key = `${s.kind}/${s.namespace}/${s.name}/${u.name ?? ''}`;
      if (done.has(key)) continue;
      done.add(key);
      const what = `${s.kind} ${s.namespace}/${s.name}: service account ${s.namespace}/${sa}`;
      const req = {
        verb: 'use',
        apiGroup: 'windows.k8s.io',
        resource: 'gmsacredentialspecs',
        name: u.name ?? '',
        namespace: s.namespace,
      };
      // The webhook's SubjectAccessReview names the service account's user and its two service-account
      // groups only (not system:authenticated), so that is what must grant `use`.
      const user = serviceAccountUser(s.namespace, sa);
      const asWebhookSeesIt = {
        name: user.name,
        groups: user.groups.filter((g) => g !== 'system:authenticated'),
      };
      const d = rbac.authorize(asWebhookSeesIt, req);
      if (!d.allowed) {
        const viaAuthenticated = rbac.authorize(user, req).allowed;
        findings.push({
          outcome: viaAuthenticated ? 'warn' : 'fail',
          resource: sourceRef(s),
          message: viaAuthenticated
            ? `${what} may use credential spec "${u.name ?? ''}" only through a grant to system:authenticated, which the webhook's access review does not carry; bind the service account`
            : `${what} is not allowed "use" on gmsacredentialspecs/${u.name ?? ''}${d.danglingBindings.length ? ` (bindings to missing roles: ${d.danglingBindings.join(', ')})` : ''}: the gMSA webhook rejects the pod`,
        });
        continue;
      }
      const unrestricted = d.grants.filter((g) => !g.rule.resourceNames?.length);
      const via = [...new Set(d.grants.map((g) => `${g.binding} -> ${g.role}`))].join(', ');
      findings.push(
        unrestricted.length === d.grants.length
          ? {
              outcome: 'warn',
              severity: 'medium',
              resource: sourceRef(s),
              message: `${what} may use "${u.name ?? ''}" through ${via}, which grants use on every credential spec; restrict it with resourceNames`,
            }
          : {
              outcome: 'pass',
              resource: sourceRef(s),
              message: `${what} may use credential spec "${u.name ?? ''}" (${via})`,
            },
      );
    }
    return findings;
  },
};
