import type { PolicyRule, RbacBinding, RbacRole, RbacSubject } from '../lib/rbac.js';

/**
 * How the access checks see a binding subject. Decisions (documented in docs/identity-and-access.md):
 * - `anonymous`: user `system:anonymous`, group `system:unauthenticated`: anyone without a credential.
 * - `everyone`: `system:authenticated`, `system:serviceaccounts`, `system:serviceaccounts:<ns>`: every
 *   authenticated caller or every pod; never "system" in the sense of "the control plane".
 * - `system`: any other `system:` user or group (`system:masters`, `system:kube-controller-manager`,
 *   `system:nodes`...), and kubeadm's `kubeadm:cluster-admins` group (admin.conf's group since 1.29).
 * - `platform`: a binding the platform creates and manages itself (see PLATFORM_BINDINGS), or a service
 *   account of the Azure Arc agents (`azure-arc` namespace), which need cluster-wide rights to operate.
 * - `kube-system-sa`: a service account in kube-system: usually a control-plane add-on, but also where
 *   Helm 2's tiller and friends used to live, so judged more gently, not ignored.
 * - `user`, `group`, `service-account`: everything else.
 */
export type SubjectClass =
  'anonymous' | 'everyone' | 'system' | 'platform' | 'kube-system-sa' | 'user' | 'group' | 'service-account';

/** A binding the platform itself creates: left alone by the access checks, but named in results. */
export interface PlatformBinding {
  kind: 'ClusterRoleBinding' | 'RoleBinding';
  name: string;
  /** Subject names this binding is known to carry; other subjects on the same binding are judged normally. */
  subjects: string[];
  why: string;
}

/** Built-in bindings of AKS and kubeadm that name individual users or hold cluster-admin by design. */
export const PLATFORM_BINDINGS: readonly PlatformBinding[] = [
  {
    kind: 'ClusterRoleBinding',
    name: 'aks-cluster-admin-binding',
    subjects: ['clusterAdmin', 'clusterUser'],
    why: 'AKS local accounts (certificate users clusterAdmin/clusterUser); managed by AKS: turn them off with az aks update --disable-local-accounts once Entra ID RBAC is in place',
  },
  {
    kind: 'ClusterRoleBinding',
    name: 'aks-service-rolebinding',
    subjects: ['aks-support'],
    why: 'AKS support access (user aks-support, ClusterRole aks-service), managed by AKS',
  },
  {
    kind: 'ClusterRoleBinding',
    name: 'kubeadm:cluster-admins',
    subjects: ['kubeadm:cluster-admins'],
    why: "kubeadm's admin.conf group (Kubernetes 1.29+); super-admin.conf keeps system:masters for break-glass",
  },
];

/** Namespaces whose service accounts are platform agents (Azure Arc connected-cluster agents). */
export const PLATFORM_SA_NAMESPACES: readonly string[] = ['azure-arc'];

function platformBinding(b: RbacBinding, s: RbacSubject): PlatformBinding | undefined {
  return PLATFORM_BINDINGS.find((p) => p.kind === b.kind && p.name === b.name && p.subjects.includes(s.name));
}

/** Class of one subject of one binding, with the platform note when it is platform-managed. */
export function classifySubject(b: RbacBinding, s: RbacSubject): { cls: SubjectClass; note?: string } {
  const platform = platformBinding(b, s);
  if (platform) return { cls: 'platform', note: platform.why };
  if (s.kind === 'ServiceAccount') {
    const ns = s.namespace || b.namespace || '';
    if (PLATFORM_SA_NAMESPACES.includes(ns))
      return { cls: 'platform', note: `Azure Arc agent service account (${ns})` };
    return { cls: ns === 'kube-system' ? 'kube-system-sa' : 'service-account' };
  }
  if (
    (s.kind === 'User' && s.name === 'system:anonymous') ||
    (s.kind === 'Group' && s.name === 'system:unauthenticated')
  )
    return { cls: 'anonymous' };
  if (
    s.kind === 'Group' &&
    (s.name === 'system:authenticated' ||
      s.name === 'system:serviceaccounts' ||
      s.name.startsWith('system:serviceaccounts:'))
  ) {
    return { cls: 'everyone' };
  }
  if (s.kind === 'User' && s.name.startsWith('system:serviceaccount:')) {
    // A service account spelled as a User: judge it as the service account it is.
    const ns = s.name.split(':')[2] ?? '';
    if (PLATFORM_SA_NAMESPACES.includes(ns))
      return { cls: 'platform', note: `Azure Arc agent service account (${ns})` };
    return { cls: ns === 'kube-system' ? 'kube-system-sa' : 'service-account' };
  }
  if (s.name.startsWith('system:')) return { cls: 'system' };
  if (s.kind === 'Group' && s.name === 'kubeadm:cluster-admins') return { cls: 'system' };
  return { cls: s.kind === 'Group' ? 'group' : 'user' };
}

/** True for a rule that grants every verb on every resource of every group (cluster-admin's rule). */
export function isAdminRule(rule: PolicyRule): boolean {
  return (
    !!rule.verbs?.includes('*') &&
    !!rule.apiGroups?.includes('*') &&
    !!rule.resources?.includes('*') &&
    !rule.resourceNames?.length
  );
}

/** cluster-admin itself, or a role with a rule equivalent to it. */
export function isAdminRole(role: RbacRole): boolean {
  return role.rules.some(isAdminRule);
}

/** Upstream default roles and bindings carry this label (kube-apiserver's RBAC bootstrap policy). */
export function isUpstreamDefault(labels: Record<string, string>): boolean {
  return labels['kubernetes.io/bootstrapping'] === 'rbac-defaults';
}
