import { describe, expect, it } from '@jest/globals';
import type { Evidence, KubeObject } from '@watchpost/shared';
import {
  RBAC_RESOURCES,
  RbacModel,
  parseServiceAccountUser,
  ruleAllows,
  ruleAllowsPath,
  serviceAccountUser,
  toBinding,
  toRole,
} from './rbac.js';

const meta = (name: string, namespace?: string): KubeObject['metadata'] =>
  namespace ? { name, namespace } : { name };

function clusterRole(name: string, rules: unknown[]): KubeObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(name), rules };
}
function role(ns: string, name: string, rules: unknown[]): KubeObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(name, ns), rules };
}
function binding(
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  name: string,
  ns: string | undefined,
  roleRef: { kind: string; name: string },
  subjects: unknown[],
): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: meta(name, ns),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
    subjects,
  };
}

function model(parts: {
  roles?: KubeObject[];
  clusterRoles?: KubeObject[];
  roleBindings?: KubeObject[];
  clusterRoleBindings?: KubeObject[];
}): RbacModel {
  return new RbacModel({
    roles: (parts.roles ?? []).map((o) => toRole(o, 'Role')),
    clusterRoles: (parts.clusterRoles ?? []).map((o) => toRole(o, 'ClusterRole')),
    roleBindings: (parts.roleBindings ?? []).map((o) => toBinding(o, 'RoleBinding')),
    clusterRoleBindings: (parts.clusterRoleBindings ?? []).map((o) => toBinding(o, 'ClusterRoleBinding')),
  });
}

const gmsaUse = (name: string) => ({
  verb: 'use',
  apiGroup: 'windows.k8s.io',
  resource: 'gmsacredentialspecs',
  name,
});

describe('rule matching', () => {
  it('matches verbs, groups, resources and wildcards', () => {
    const rule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] };
    expect(ruleAllows(rule, { verb: 'get', apiGroup: '', resource: 'pods' })).toBe(true);
    expect(ruleAllows(rule, { verb: 'delete', apiGroup: '', resource: 'pods' })).toBe(false);
    expect(ruleAllows(rule, { verb: 'get', apiGroup: 'apps', resource: 'pods' })).toBe(false);
    expect(ruleAllows(rule, { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log' })).toBe(false);
    expect(
      ruleAllows(
        { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
        { verb: 'escalate', apiGroup: 'x.io', resource: 'y', subresource: 'z' },
      ),
    ).toBe(true);
  });

  it('matches subresources as res/sub and */sub only', () => {
    expect(
      ruleAllows(
        { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] },
        { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log' },
      ),
    ).toBe(true);
    expect(
      ruleAllows(
        { verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] },
        { verb: 'get', apiGroup: 'apps', resource: 'deployments', subresource: 'scale' },
      ),
    ).toBe(true);
    expect(
      ruleAllows(
        { verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] },
        { verb: 'get', apiGroup: 'apps', resource: 'deployments' },
      ),
    ).toBe(false);
    // `pods/*` is not a wildcard in upstream RBAC.
    expect(
      ruleAllows(
        { verbs: ['get'], apiGroups: [''], resources: ['pods/*'] },
        { verb: 'get', apiGroup: '', resource: 'pods', subresource: 'log' },
      ),
    ).toBe(false);
  });

  it('restricts to resourceNames when present (case-sensitive), and a request without a name does not match', () => {
    const rule = {
      verbs: ['use'],
      apiGroups: ['windows.k8s.io'],
      resources: ['gmsacredentialspecs'],
      resourceNames: ['webapp1'],
    };
    expect(ruleAllows(rule, gmsaUse('webapp1'))).toBe(true);
    expect(ruleAllows(rule, gmsaUse('WebApp1'))).toBe(false);
    expect(
      ruleAllows(rule, { verb: 'use', apiGroup: 'windows.k8s.io', resource: 'gmsacredentialspecs' }),
    ).toBe(false);
  });

  it('matches non-resource URLs with a trailing * as a prefix', () => {
    expect(
      ruleAllowsPath({ verbs: ['get'], nonResourceURLs: ['/healthz', '/version/*'] }, 'get', '/version/x'),
    ).toBe(true);
    expect(ruleAllowsPath({ verbs: ['get'], nonResourceURLs: ['/healthz'] }, 'get', '/metrics')).toBe(false);
  });
});

describe('RbacModel.authorize', () => {
  const useSpec = clusterRole('gmsa-webapp1-user', [
    {
      apiGroups: ['windows.k8s.io'],
      resources: ['gmsacredentialspecs'],
      verbs: ['use'],
      resourceNames: ['webapp1'],
    },
  ]);

  it('grants a service account through a RoleBinding in its namespace only', () => {
    const m = model({
      clusterRoles: [useSpec],
      roleBindings: [
        binding(
          'RoleBinding',
          'allow-default-svc-account-read-on-webapp1',
          'web',
          { kind: 'ClusterRole', name: 'gmsa-webapp1-user' },
          [{ kind: 'ServiceAccount', name: 'default', namespace: 'web' }],
        ),
      ],
    });
    const sa = serviceAccountUser('web', 'default');
    const d = m.authorize(sa, { ...gmsaUse('webapp1'), namespace: 'web' });
    expect(d.allowed).toBe(true);
    expect(d.grants[0]?.binding).toBe('RoleBinding/web/allow-default-svc-account-read-on-webapp1');
    // The RoleBinding does not reach other namespaces or cluster-scoped requests.
    expect(m.authorize(sa, { ...gmsaUse('webapp1'), namespace: 'other' }).allowed).toBe(false);
    expect(m.authorize(sa, gmsaUse('webapp1')).allowed).toBe(false);
    expect(
      m.authorize(serviceAccountUser('web', 'builder'), { ...gmsaUse('webapp1'), namespace: 'web' }).allowed,
    ).toBe(false);
  });

  it('defaults a ServiceAccount subject without namespace to the RoleBinding namespace', () => {
    const m = model({
      clusterRoles: [useSpec],
      roleBindings: [
        binding('RoleBinding', 'b', 'web', { kind: 'ClusterRole', name: 'gmsa-webapp1-user' }, [
          { kind: 'ServiceAccount', name: 'default' },
        ]),
      ],
    });
    expect(
      m.authorize(serviceAccountUser('web', 'default'), { ...gmsaUse('webapp1'), namespace: 'web' }).allowed,
    ).toBe(true);
  });

  it('grants through the service-account groups and system:authenticated', () => {
    for (const group of ['system:serviceaccounts', 'system:serviceaccounts:web', 'system:authenticated']) {
      const m = model({
        clusterRoles: [useSpec],
        clusterRoleBindings: [
          binding('ClusterRoleBinding', 'b', undefined, { kind: 'ClusterRole', name: 'gmsa-webapp1-user' }, [
            { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: group },
          ]),
        ],
      });
      expect(
        m.authorize(serviceAccountUser('web', 'default'), { ...gmsaUse('webapp1'), namespace: 'web' })
          .allowed,
      ).toBe(true);
      expect(m.authorize(serviceAccountUser('web', 'default'), gmsaUse('webapp1')).allowed).toBe(true);
    }
    const m = model({
      clusterRoles: [useSpec],
      clusterRoleBindings: [
        binding('ClusterRoleBinding', 'b', undefined, { kind: 'ClusterRole', name: 'gmsa-webapp1-user' }, [
          { kind: 'Group', name: 'system:serviceaccounts:other' },
        ]),
      ],
    });
    expect(
      m.authorize(serviceAccountUser('web', 'default'), { ...gmsaUse('webapp1'), namespace: 'web' }).allowed,
    ).toBe(false);
  });

  it('matches a User subject that spells out a service-account user name', () => {
    const m = model({
      clusterRoles: [useSpec],
      clusterRoleBindings: [
        binding('ClusterRoleBinding', 'b', undefined, { kind: 'ClusterRole', name: 'gmsa-webapp1-user' }, [
          { kind: 'User', name: 'system:serviceaccount:web:default' },
        ]),
      ],
    });
    expect(
      m.authorize(serviceAccountUser('web', 'default'), { ...gmsaUse('webapp1'), namespace: 'web' }).allowed,
    ).toBe(true);
  });

  it('uses namespaced Roles only from RoleBindings in the same namespace and reports dangling bindings', () => {
    const m = model({
      roles: [
        role('web', 'gmsa-use', [
          { apiGroups: ['windows.k8s.io'], resources: ['gmsacredentialspecs'], verbs: ['use'] },
        ]),
      ],
      roleBindings: [
        binding('RoleBinding', 'ok', 'web', { kind: 'Role', name: 'gmsa-use' }, [
          { kind: 'ServiceAccount', name: 'a', namespace: 'web' },
        ]),
        binding('RoleBinding', 'dangling', 'web', { kind: 'Role', name: 'gone' }, [
          { kind: 'ServiceAccount', name: 'b', namespace: 'web' },
        ]),
        // A Role from another namespace is not found through this binding.
        binding('RoleBinding', 'cross', 'api', { kind: 'Role', name: 'gmsa-use' }, [
          { kind: 'ServiceAccount', name: 'c', namespace: 'api' },
        ]),
      ],
      clusterRoleBindings: [
        binding('ClusterRoleBinding', 'bad', undefined, { kind: 'Role', name: 'gmsa-use' }, [
          { kind: 'ServiceAccount', name: 'a', namespace: 'web' },
        ]),
      ],
    });
    expect(
      m.authorize(serviceAccountUser('web', 'a'), { ...gmsaUse('anything'), namespace: 'web' }).allowed,
    ).toBe(true);
    const b = m.authorize(serviceAccountUser('web', 'b'), { ...gmsaUse('anything'), namespace: 'web' });
    expect(b.allowed).toBe(false);
    expect(b.danglingBindings).toEqual(['RoleBinding/web/dangling']);
    expect(
      m.authorize(serviceAccountUser('api', 'c'), { ...gmsaUse('anything'), namespace: 'api' }).allowed,
    ).toBe(false);
  });

  it('evaluates aggregated ClusterRoles by the rules the controller wrote, not by the aggregation rule', () => {
    const aggregated: KubeObject = {
      ...clusterRole('gmsa-users', []),
      aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'gmsa.example/aggregate': 'true' } }] },
    };
    const part: KubeObject = {
      ...useSpec,
      metadata: { name: 'gmsa-webapp1-user', labels: { 'gmsa.example/aggregate': 'true' } },
    };
    const m = model({
      clusterRoles: [aggregated, part],
      clusterRoleBindings: [
        binding('ClusterRoleBinding', 'b', undefined, { kind: 'ClusterRole', name: 'gmsa-users' }, [
          { kind: 'Group', name: 'system:serviceaccounts' },
        ]),
      ],
    });
    expect(m.clusterRole('gmsa-users')?.aggregated).toBe(true);
    expect(
      m.authorize(serviceAccountUser('web', 'default'), { ...gmsaUse('webapp1'), namespace: 'web' }).allowed,
    ).toBe(false);
  });
});

describe('evidence plumbing', () => {
  it('parses service-account user names', () => {
    expect(parseServiceAccountUser('system:serviceaccount:kube-system:tiller')).toEqual({
      namespace: 'kube-system',
      name: 'tiller',
    });
    expect(parseServiceAccountUser('system:anonymous')).toBeUndefined();
  });

  it('refuses to build a model on partial RBAC evidence, naming what is missing', () => {
    const list = { status: 'ok' as const, items: [] };
    const evidence: Evidence = {
      schemaVersion: 1,
      collectedAt: '2026-06-01T00:00:00Z',
      cluster: { name: 'c', platform: 'aks-hci', role: 'workload' },
      kube: {
        [RBAC_RESOURCES.roles]: list,
        [RBAC_RESOURCES.clusterRoles]: list,
        [RBAC_RESOURCES.roleBindings]: {
          status: 'forbidden',
          error: {
            source: 'kube/rolebindings.rbac.authorization.k8s.io',
            message: 'rolebindings is forbidden: cannot list',
          },
        },
      },
      host: {},
      probes: {},
      collectorErrors: [],
      source: 'test',
    };
    const r = RbacModel.fromEvidence(evidence);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toContain('rolebindings is forbidden');
      expect(r.reason).toContain('clusterrolebindings.rbac.authorization.k8s.io was not collected');
    }
  });
});
