import type { Outcome, Severity } from '@watchpost/shared';
import { clusterError, type Check, type CheckFinding } from '../check.js';
import { RbacModel, bindingRef, describeSubject, roleRefName } from '../lib/rbac.js';
import { classifySubject, isAdminRole, type SubjectClass } from './subjects.js';

const RANK: Record<Outcome, number> = { pass: 0, not_applicable: 0, warn: 1, error: 2, fail: 3 };

/** What holding cluster-admin means for each class of subject (see subjects.ts for the classes). */
function verdict(
  cls: SubjectClass,
  clusterWide: boolean,
): { outcome: Outcome; severity?: Severity; why: string } {
  switch (cls) {
    case 'anonymous':
      return { outcome: 'fail', severity: 'critical', why: 'unauthenticated callers' };
    case 'everyone':
      return { outcome: 'fail', severity: 'critical', why: 'every authenticated caller or every pod' };
    case 'user':
      return clusterWide
        ? { outcome: 'fail', why: 'an individual user' }
        : { outcome: 'warn', why: 'an individual user (namespace-wide)' };
    case 'service-account':
      return clusterWide
        ? { outcome: 'fail', why: 'a workload service account' }
        : { outcome: 'warn', why: 'a workload service account (namespace-wide)' };
    case 'kube-system-sa':
      return {
        outcome: 'warn',
        severity: 'medium',
        why: 'a kube-system service account: confirm this add-on needs full control',
      };
    case 'group':
      return {
        outcome: 'warn',
        severity: 'medium',
        why: 'a group: keep it to the admin / break-glass group and review its members',
      };
    case 'system':
    case 'platform':
      return { outcome: 'pass', why: cls === 'system' ? 'control-plane identity' : 'platform-managed' };
  }
}

/** `User a, User b (why)`: subjects sharing an explanation are listed once, so platform notes are not repeated. */
function explainGrouped(judged: { subject: string; why: string; note?: string }[]): string {
  const byWhy = new Map<string, string[]>();
  for (const j of judged) {
    const why = j.note ? `platform-managed: ${j.note}` : j.why;
    byWhy.set(why, [...(byWhy.get(why) ?? []), j.subject]);
  }
  return [...byWhy].map(([why, subjects]) => `${subjects.join(', ')} (${why})`).join(', ');
}

export const rbacClusterAdminBinding: Check = {
  id: 'rbac-cluster-admin-binding',
  run({ evidence }) {
    const built = RbacModel.fromEvidence(evidence);
    if (!built.ok) return clusterError(evidence, built.reason);
    const rbac = built.model;
    const findings: CheckFinding[] = [];
    for (const b of rbac.allBindings()) {
      const role = rbac.roleFor(b);
      // The API server reconciles the ClusterRole named cluster-admin to every verb on every resource at each
      // start, so a binding to that name is full control whatever rules (or absence) the evidence shows.
      const namedClusterAdmin = b.roleRef.kind === 'ClusterRole' && b.roleRef.name === 'cluster-admin';
      if (!namedClusterAdmin && (!role || !isAdminRole(role))) continue;
      const clusterWide = b.kind === 'ClusterRoleBinding';
      const judged = b.subjects.map((s) => {
        const c = classifySubject(b, s);
        return {
          subject: describeSubject(s, b.namespace),
          ...verdict(c.cls, clusterWide),
          ...(c.note ? { note: c.note } : {}),
        };
      });
      const worst = judged.reduce<(typeof judged)[number] | undefined>(
        (w, j) => (!w || RANK[j.outcome] > RANK[w.outcome] ? j : w),
        undefined,
      );
      const resource = b.namespace
        ? { kind: b.kind, namespace: b.namespace, name: b.name }
        : { kind: b.kind, name: b.name };
      const scope = clusterWide ? 'the whole cluster' : `namespace ${b.namespace ?? ''}`;
      const reconciled = !role
        ? ' (the role object is absent from the evidence; the API server recreates it at start)'
        : !isAdminRole(role)
          ? ' (the evidence shows it with narrower rules; the API server restores full rules at start)'
          : '';
      const roleName = namedClusterAdmin
        ? `cluster-admin${reconciled}`
        : `${roleRefName(b)} (every verb on every resource, equivalent to cluster-admin)`;
      const flagged = judged.filter((j) => j.outcome !== 'pass');
      const finding: CheckFinding = {
        outcome: worst?.outcome ?? 'pass',
        resource,
        message: flagged.length
          ? `${bindingRef(b)} gives ${roleName} over ${scope} to ${flagged.map((j) => `${j.subject} (${j.why})`).join(', ')}`
          : `${bindingRef(b)} gives ${roleName} only to ${explainGrouped(judged) || 'no subjects'}`,
        evidence: {
          role: roleRefName(b),
          subjects: judged,
          ...(reconciled ? { roleAsSeen: role ? 'narrower rules' : 'absent' } : {}),
        },
      };
      // Severity follows the worst outcome: critical when everyone/anonymous holds it, the catalogue's
      // default for other failures, medium when only groups or kube-system add-ons are in question.
      const worstOutcome = flagged.filter((j) => j.outcome === worst?.outcome);
      if (worstOutcome.some((j) => j.severity === 'critical')) finding.severity = 'critical';
      else if (worst?.outcome === 'warn') finding.severity = 'medium';
      findings.push(finding);
    }
    if (!findings.length) {
      findings.push({
        outcome: 'pass',
        resource: { kind: 'Cluster', name: evidence.cluster.name },
        message: 'no binding grants cluster-admin or an equivalent role',
      });
    }
    return findings;
  },
};
