import { kubeItems, type Evidence, type KubeObject } from '@watchpost/shared';

/**
 * A small RBAC authorizer with the semantics of the Kubernetes `RBAC` authorizer
 * (plugin/pkg/auth/authorizer/rbac): "may this user do this verb on this resource", answered from the
 * Roles, ClusterRoles, RoleBindings and ClusterRoleBindings in the evidence.
 *
 * Aggregated ClusterRoles are not computed here: the API server's aggregation controller writes the
 * aggregated rules into the ClusterRole's own `rules`, and that is what a LIST returns, so a live scan
 * or a `kubectl get -o json` bundle already carries them. A hand-made bundle whose aggregated roles have
 * empty `rules` is evaluated as written (out of scope, documented in docs/identity-and-access.md).
 */

/** Resource names of the four RBAC resources as they appear in Evidence.kube. */
export const RBAC_RESOURCES = {
  roles: 'roles.rbac.authorization.k8s.io',
  clusterRoles: 'clusterroles.rbac.authorization.k8s.io',
  roleBindings: 'rolebindings.rbac.authorization.k8s.io',
  clusterRoleBindings: 'clusterrolebindings.rbac.authorization.k8s.io',
} as const;

/** One PolicyRule as the API serves it. */
export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** A binding subject (`User`, `Group`, `ServiceAccount`). */
export interface RbacSubject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

/** A Role or ClusterRole. */
export interface RbacRole {
  kind: 'Role' | 'ClusterRole';
  name: string;
  namespace?: string;
  rules: PolicyRule[];
  labels: Record<string, string>;
  /** True when the ClusterRole has an `aggregationRule` (its rules are filled in by the controller). */
  aggregated: boolean;
}

/** A RoleBinding or ClusterRoleBinding. */
export interface RbacBinding {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace?: string;
  roleRef: { kind: string; name: string };
  subjects: RbacSubject[];
  labels: Record<string, string>;
}

/** The identity an authorizer sees: user name and groups. */
export interface UserInfo {
  name: string;
  groups: string[];
}

/** A request on a (possibly namespaced) API resource. `namespace` absent = a cluster-scoped request. */
export interface ResourceRequest {
  verb: string;
  /** API group, `''` for the core group. */
  apiGroup: string;
  resource: string;
  subresource?: string;
  name?: string;
  namespace?: string;
}

/** One rule of one role that allowed a request, through one binding. */
export interface Grant {
  binding: string;
  role: string;
  rule: PolicyRule;
}

/** The answer: allowed or not, the grants that allow it, and bindings whose role does not exist. */
export interface Decision {
  allowed: boolean;
  grants: Grant[];
  /** Bindings that apply to the user but point at a missing role (the API server ignores them too). */
  danglingBindings: string[];
}

/** The user and groups the API server gives a service account token. */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    name: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

/** `namespace/name` of a service-account user name, or undefined when it is not one. */
export function parseServiceAccountUser(user: string): { namespace: string; name: string } | undefined {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
  return m?.[1] && m[2] ? { namespace: m[1], name: m[2] } : undefined;
}

/** `ClusterRoleBinding/x` or `RoleBinding/ns/x`: how results and grants name a binding. */
export function bindingRef(b: RbacBinding): string {
  return b.namespace ? `${b.kind}/${b.namespace}/${b.name}` : `${b.kind}/${b.name}`;
}

/** `ClusterRole/x` or `Role/ns/x`. */
export function roleRefName(b: RbacBinding): string {
  return b.roleRef.kind === 'Role'
    ? `Role/${b.namespace ?? ''}/${b.roleRef.name}`
    : `ClusterRole/${b.roleRef.name}`;
}

/** Human form of a subject: `User alice`, `ServiceAccount ns/name`. */
export function describeSubject(s: RbacSubject, bindingNamespace?: string): string {
  if (s.kind === 'ServiceAccount')
    return `ServiceAccount ${s.namespace ?? bindingNamespace ?? '?'}/${s.name}`;
  return `${s.kind} ${s.name}`;
}

/**
 * Does the binding subject cover the user? As upstream `appliesToUser`: a ServiceAccount subject without
 * a namespace takes the binding's namespace.
 */
export function subjectMatches(subject: RbacSubject, user: UserInfo, bindingNamespace?: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      return !!ns && user.name === `system:serviceaccount:${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

function has(list: readonly string[] | undefined, value: string): boolean {
  return !!list && (list.includes('*') || list.includes(value));
}

/** Upstream `ResourceMatches`: `*`, `res`, `res/sub`, and `*\/sub` for subresources. */
function resourceMatches(rule: PolicyRule, resource: string, subresource: string | undefined): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

/** Does one rule allow the request? (`resourceNames` restricts to the named objects only.) */
export function ruleAllows(rule: PolicyRule, req: ResourceRequest): boolean {
  if (!has(rule.verbs, req.verb)) return false;
  if (!has(rule.apiGroups, req.apiGroup)) return false;
  if (!resourceMatches(rule, req.resource, req.subresource)) return false;
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return !!req.name && names.includes(req.name);
}

/** Does one rule allow a non-resource URL (`/healthz`, prefix match with a trailing `*`)? */
export function ruleAllowsPath(rule: PolicyRule, verb: string, path: string): boolean {
  if (!has(rule.verbs, verb)) return false;
  return (rule.nonResourceURLs ?? []).some(
    (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))),
  );
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}

function toRule(raw: unknown): PolicyRule {
  const r = (raw ?? {}) as Record<string, unknown>;
  const rule: PolicyRule = {};
  const fields = ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'] as const;
  for (const f of fields) {
    const s = strings(r[f]);
    if (s) rule[f] = s;
  }
  return rule;
}

/** Reads a Role/ClusterRole object from `kubectl get -o json`. */
export function toRole(obj: KubeObject, kind: 'Role' | 'ClusterRole'): RbacRole {
  const rules = Array.isArray(obj['rules']) ? (obj['rules'] as unknown[]).map(toRule) : [];
  const role: RbacRole = {
    kind,
    name: obj.metadata.name,
    rules,
    labels: obj.metadata.labels ?? {},
    aggregated: !!obj['aggregationRule'],
  };
  if (kind === 'Role' && obj.metadata.namespace) role.namespace = obj.metadata.namespace;
  return role;
}

/** Reads a RoleBinding/ClusterRoleBinding object from `kubectl get -o json`. */
export function toBinding(obj: KubeObject, kind: 'RoleBinding' | 'ClusterRoleBinding'): RbacBinding {
  const ref = (obj['roleRef'] ?? {}) as Record<string, unknown>;
  const subjects = Array.isArray(obj['subjects'])
    ? (obj['subjects'] as Record<string, unknown>[]).map((s) => {
        const sub: RbacSubject = { kind: str(s['kind']), name: str(s['name']) };
        if (typeof s['namespace'] === 'string' && s['namespace']) sub.namespace = s['namespace'];
        if (typeof s['apiGroup'] === 'string') sub.apiGroup = s['apiGroup'];
        return sub;
      })
    : [];
  const b: RbacBinding = {
    kind,
    name: obj.metadata.name,
    roleRef: { kind: str(ref['kind']), name: str(ref['name']) },
    subjects,
    labels: obj.metadata.labels ?? {},
  };
  if (kind === 'RoleBinding' && obj.metadata.namespace) b.namespace = obj.metadata.namespace;
  return b;
}

/** The RBAC objects of one cluster, indexed for authorisation questions. */
export class RbacModel {
  readonly roles: RbacRole[];
  readonly clusterRoles: RbacRole[];
  readonly roleBindings: RbacBinding[];
  readonly clusterRoleBindings: RbacBinding[];
  private readonly clusterRoleByName = new Map<string, RbacRole>();
  private readonly roleByKey = new Map<string, RbacRole>();

  constructor(parts: {
    roles: RbacRole[];
    clusterRoles: RbacRole[];
    roleBindings: RbacBinding[];
    clusterRoleBindings: RbacBinding[];
  }) {
    this.roles = parts.roles;
    this.clusterRoles = parts.clusterRoles;
    this.roleBindings = parts.roleBindings;
    this.clusterRoleBindings = parts.clusterRoleBindings;
    for (const r of this.clusterRoles) this.clusterRoleByName.set(r.name, r);
    for (const r of this.roles) this.roleByKey.set(`${r.namespace ?? ''}/${r.name}`, r);
  }

  /**
   * The model from evidence, or why it cannot be built (a missing or forbidden RBAC resource: the
   * caller reports `error`, since judging access on part of the RBAC objects would mislead).
   */
  static fromEvidence(evidence: Evidence): { ok: true; model: RbacModel } | { ok: false; reason: string } {
    const lists = {
      roles: kubeItems(evidence, RBAC_RESOURCES.roles),
      clusterRoles: kubeItems(evidence, RBAC_RESOURCES.clusterRoles),
      roleBindings: kubeItems(evidence, RBAC_RESOURCES.roleBindings),
      clusterRoleBindings: kubeItems(evidence, RBAC_RESOURCES.clusterRoleBindings),
    };
    const missing = Object.values(lists).flatMap((l) => (l.ok ? [] : [l.reason]));
    if (
      missing.length > 0 ||
      !lists.roles.ok ||
      !lists.clusterRoles.ok ||
      !lists.roleBindings.ok ||
      !lists.clusterRoleBindings.ok
    ) {
      return { ok: false, reason: `cannot evaluate RBAC: ${missing.join('; ')}` };
    }
    return {
      ok: true,
      model: new RbacModel({
        roles: lists.roles.items.map((o) => toRole(o, 'Role')),
        clusterRoles: lists.clusterRoles.items.map((o) => toRole(o, 'ClusterRole')),
        roleBindings: lists.roleBindings.items.map((o) => toBinding(o, 'RoleBinding')),
        clusterRoleBindings: lists.clusterRoleBindings.items.map((o) => toBinding(o, 'ClusterRoleBinding')),
      }),
    };
  }

  /** All bindings, cluster-wide first. */
  allBindings(): RbacBinding[] {
    return [...this.clusterRoleBindings, ...this.roleBindings];
  }

  /** The role a binding points at, or undefined when it does not exist (or a ClusterRoleBinding names a Role). */
  roleFor(b: RbacBinding): RbacRole | undefined {
    if (b.roleRef.kind === 'ClusterRole') return this.clusterRoleByName.get(b.roleRef.name);
    if (b.roleRef.kind === 'Role' && b.kind === 'RoleBinding')
      return this.roleByKey.get(`${b.namespace ?? ''}/${b.roleRef.name}`);
    return undefined;
  }

  /** ClusterRole by name. */
  clusterRole(name: string): RbacRole | undefined {
    return this.clusterRoleByName.get(name);
  }

  /**
   * Authorise a resource request. Cluster-scoped requests (no namespace) are decided by
   * ClusterRoleBindings only; namespaced ones by ClusterRoleBindings and the RoleBindings of that
   * namespace. RBAC only allows: anything not allowed is denied.
   */
  authorize(user: UserInfo, req: ResourceRequest): Decision {
    const decision: Decision = { allowed: false, grants: [], danglingBindings: [] };
    const candidates = [
      ...this.clusterRoleBindings,
      ...(req.namespace !== undefined ? this.roleBindings.filter((b) => b.namespace === req.namespace) : []),
    ];
    for (const b of candidates) {
      if (!b.subjects.some((s) => subjectMatches(s, user, b.namespace))) continue;
      const role = this.roleFor(b);
      if (!role) {
        decision.danglingBindings.push(bindingRef(b));
        continue;
      }
      for (const rule of role.rules) {
        if (ruleAllows(rule, req))
          decision.grants.push({ binding: bindingRef(b), role: roleRefName(b), rule });
      }
    }
    decision.allowed = decision.grants.length > 0;
    return decision;
  }
}
