import { clusterError, type Check, type CheckFinding } from '../check.js';
import { RbacModel, bindingRef, roleRefName } from '../lib/rbac.js';
import { classifySubject } from './subjects.js';

export const rbacUserSubjects: Check = {
  id: 'rbac-user-subjects',
  run({ evidence }) {
    const built = RbacModel.fromEvidence(evidence);
    if (!built.ok) return clusterError(evidence, built.reason);
    const rbac = built.model;
    const findings: CheckFinding[] = [];
    const platformNotes = new Map<string, string[]>();
    for (const b of rbac.allBindings()) {
      const users: string[] = [];
      for (const s of b.subjects) {
        if (s.kind !== 'User') continue;
        const c = classifySubject(b, s);
        if (c.cls === 'user') users.push(s.name);
        else if (c.cls === 'platform')
          platformNotes.set(bindingRef(b), [...(platformNotes.get(bindingRef(b)) ?? []), s.name]);
      }
      if (!users.length) continue;
      findings.push({
        outcome: 'warn',
        resource: b.namespace
          ? { kind: b.kind, namespace: b.namespace, name: b.name }
          : { kind: b.kind, name: b.name },
        message: `${bindingRef(b)} binds individual user${users.length > 1 ? 's' : ''} ${users.join(', ')} to ${roleRefName(b)}; bind a group instead`,
        evidence: { users, role: roleRefName(b) },
      });
    }
    if (!findings.length) {
      const note = platformNotes.size
        ? `; platform-managed user bindings left alone: ${[...platformNotes].map(([b, users]) => `${b} (${users.join(', ')})`).join('; ')}`
        : '';
      findings.push({
        outcome: 'pass',
        resource: { kind: 'Cluster', name: evidence.cluster.name },
        message: `no binding names an individual non-system user (${rbac.allBindings().length} bindings examined)${note}`,
      });
    }
    return findings;
  },
};
