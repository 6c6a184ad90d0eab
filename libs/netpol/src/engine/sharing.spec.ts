// What the engine shares between objects to build less must never give two different objects one answer: a
// Kubernetes rule compiled once per text (not across namespaces when a peer means "this namespace"), and pods
// matched to an earlier replica of their controller (only when their labels, namespace and account agree).
import { describe, expect, test } from '@jest/globals';
import type { KubeObject } from '@watchpost/shared';
import { k8sPolicy, namespace, pod } from '../testing/index.js';
import { PolicyEngine } from './policy.engine.js';

const TCP = (port: number) => ({ protocol: 'TCP', port });

/** A pod owned by a controller (a ReplicaSet), with the given service account. */
function replica(
  ns: string,
  name: string,
  labels: Record<string, unknown>,
  ip: string,
  owner: string,
  sa = 'default',
): KubeObject {
  const p = pod(ns, name, labels as Record<string, string>, ip, { sa });
  p.metadata.ownerReferences = [
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: `uid-${owner}`, controller: true },
  ];
  return p;
}

describe('Kubernetes rules shared between policies', () => {
  test('a rule whose peer means "this namespace" is not shared across namespaces', () => {
    const rule = { from: [{ podSelector: { matchLabels: { app: 'client' } } }] };
    const e = new PolicyEngine({
      namespaces: [namespace('a'), namespace('b')],
      pods: [
        pod('a', 'server', { app: 'server' }, '10.0.0.1'),
        pod('a', 'client', { app: 'client' }, '10.0.0.2'),
        pod('b', 'server', { app: 'server' }, '10.0.1.1'),
        pod('b', 'client', { app: 'client' }, '10.0.1.2'),
      ],
      networkPolicies: [
        k8sPolicy('a', 'p', { podSelector: {}, ingress: [rule] }),
        k8sPolicy('b', 'p', { podSelector: {}, ingress: [rule] }),
      ],
    });
    expect(e.canReach('a/client', 'a/server', TCP(80)).allowed).toBe(true);
    expect(e.canReach('b/client', 'b/server', TCP(80)).allowed).toBe(true);
    expect(e.canReach('a/client', 'b/server', TCP(80)).allowed).toBe(false);
    expect(e.canReach('b/client', 'a/server', TCP(80)).allowed).toBe(false);
    const [pa, pb] = e.policies;
    expect(pa.ingress[0].text).toBe('allow from namespace a, pods app == "client" on any port');
    expect(pb.ingress[0].text).toBe('allow from namespace b, pods app == "client" on any port');
  });

  test('a rule repeated in several policies reports its problems in each of them', () => {
    const rule = { to: [{}] };
    const e = new PolicyEngine({
      namespaces: [namespace('a'), namespace('b')],
      pods: [],
      networkPolicies: [
        k8sPolicy('a', 'p', { podSelector: {}, policyTypes: ['Egress'], egress: [rule] }),
        k8sPolicy('b', 'p', { podSelector: {}, policyTypes: ['Egress'], egress: [rule] }),
        k8sPolicy('b', 'q', { podSelector: {}, policyTypes: ['Egress'], egress: [{}, rule] }),
      ],
    });
    const problem = 'has none of podSelector, namespaceSelector, ipBlock (the API server rejects this)';
    expect(e.policies.map((p) => p.problems)).toEqual([
      [`spec.egress[0].to[0] ${problem}`],
      [`spec.egress[0].to[0] ${problem}`],
      [`spec.egress[1].to[0] ${problem}`],
    ]);
  });

  test('policyTypes keep the order written', () => {
    const e = new PolicyEngine({
      namespaces: [namespace('a')],
      pods: [],
      networkPolicies: [
        k8sPolicy('a', 'p', { podSelector: {}, policyTypes: ['Egress', 'Ingress'] }),
        k8sPolicy('a', 'q', { podSelector: {}, policyTypes: ['Ingress', 'Egress', 'Ingress'] }),
        k8sPolicy('a', 'r', { podSelector: {}, policyTypes: ['Other'] }),
      ],
    });
    expect(e.policies.map((p) => [...p.types])).toEqual([['egress', 'ingress'], ['ingress', 'egress'], []]);
  });
});

describe('pods matched to earlier replicas of their controller', () => {
  const policies = [
    k8sPolicy('a', 'canary-only', {
      podSelector: { matchLabels: { canary: 'true' } },
      policyTypes: ['Egress'],
    }),
    k8sPolicy('a', 'by-account', {
      podSelector: { matchLabels: { 'projectcalico.org/serviceaccount': 'other' } },
    }),
  ];

  test('replicas whose labels differ (a canary) get their own label sets', () => {
    const e = new PolicyEngine({
      namespaces: [namespace('a')],
      pods: [
        replica('a', 'web-1', { app: 'web' }, '10.0.0.1', 'web-rs'),
        replica('a', 'web-2', { app: 'web', canary: 'true' }, '10.0.0.2', 'web-rs'),
        replica('a', 'web-3', { app: 'web' }, '10.0.0.3', 'web-rs'),
        replica('a', 'web-4', { app: 'web', canary: 'false' }, '10.0.0.4', 'web-rs'),
      ],
      networkPolicies: policies,
    });
    const [w1, w2, w3, w4] = ['web-1', 'web-2', 'web-3', 'web-4'].map((n) => e.pod(`a/${n}`)!);
    expect(w3.labels).toBe(w1.labels);
    expect(w2.labels).not.toBe(w1.labels);
    expect(w4.labels).not.toBe(w2.labels);
    expect(Object.fromEntries(w4.labels.labels)).toMatchObject({ canary: 'false' });
    expect([w1, w2, w3, w4].map((p) => e.isolated(p, 'egress'))).toEqual([false, true, false, false]);
  });

  test('the same labels in another order, or with non-string values, are the same label set', () => {
    const e = new PolicyEngine({
      namespaces: [namespace('a')],
      pods: [
        replica('a', 'web-1', { app: 'web', tier: 'front' }, '10.0.0.1', 'web-rs'),
        replica('a', 'web-2', { tier: 'front', app: 'web' }, '10.0.0.2', 'web-rs'),
        replica('a', 'web-3', { tier: 'front', app: 'web', n: 3 }, '10.0.0.3', 'web-rs'),
        replica('a', 'web-4', { tier: 'front' }, '10.0.0.4', 'web-rs'),
      ],
    });
    const [w1, w2, w3, w4] = ['web-1', 'web-2', 'web-3', 'web-4'].map((n) => e.pod(`a/${n}`)!);
    expect(w2.labels).toBe(w1.labels);
    expect(w3.labels).toBe(w1.labels);
    expect(w4.labels).not.toBe(w1.labels);
  });

  test('one controller uid across namespaces or service accounts does not share', () => {
    const e = new PolicyEngine({
      namespaces: [namespace('a'), namespace('b')],
      pods: [
        replica('a', 'web-1', { app: 'web' }, '10.0.0.1', 'rs'),
        replica('b', 'web-1', { app: 'web' }, '10.0.1.1', 'rs'),
        replica('a', 'web-2', { app: 'web' }, '10.0.0.2', 'rs', 'other'),
      ],
      networkPolicies: policies,
    });
    const a1 = e.pod('a/web-1')!;
    const b1 = e.pod('b/web-1')!;
    const a2 = e.pod('a/web-2')!;
    expect(b1.labels).not.toBe(a1.labels);
    expect(b1.labels.labels.get('projectcalico.org/namespace')).toBe('b');
    expect(a2.labels).not.toBe(a1.labels);
    expect(a2.serviceAccount).toBe('other');
    expect([a1, b1, a2].map((p) => e.isolated(p, 'ingress'))).toEqual([false, false, true]);
  });
});

describe('new pods made once per namespace', () => {
  test('the plain new pod is shared per namespace; one with labels or another account is made anew', () => {
    const e = new PolicyEngine({
      namespaces: [namespace('a'), namespace('b')],
      pods: [],
      serviceAccounts: [
        {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'builder', namespace: 'a', labels: { role: 'ci' } },
        },
      ],
      networkPolicies: [
        k8sPolicy('a', 'web', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'] }),
      ],
    });
    const a = e.syntheticPod('a');
    expect(e.syntheticPod('a')).toBe(a);
    expect(e.syntheticPod('b')).not.toBe(a);
    expect(e.syntheticPod('b').namespace).toBe('b');
    const web = e.syntheticPod('a', { app: 'web' });
    expect(web).not.toBe(a);
    expect([e.isolated(a, 'egress'), e.isolated(web, 'egress')]).toEqual([false, true]);
    const builder = e.syntheticPod('a', undefined, 'builder');
    expect(builder).not.toBe(a);
    expect(builder.serviceAccount).toBe('builder');
    expect(Object.fromEntries(builder.serviceAccountLabels.labels)).toEqual({ role: 'ci' });
    // A namespace the cluster does not have stays unknown, however often its new pod is asked for.
    e.syntheticPod('elsewhere');
    expect(e.syntheticPod('elsewhere').ns.listed).toBe(false);
    expect(e.namespaces.has('elsewhere')).toBe(false);
  });
});
