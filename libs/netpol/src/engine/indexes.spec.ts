// The engine's indexes (label sets per pod, postings for the terms selectors require, policies merged in
// evaluation order for synthetic endpoints) are shortcuts: these cases pin that each answers as the plain
// definition does (policySelects over every pod, every policy in evaluation order).
import { describe, expect, test } from '@jest/globals';
import { calicoPolicy, globalPolicy, k8sPolicy, namespace, pod, tier } from '../testing/index.js';
import { fromKubernetesPolicy } from '../model/policy.js';
import { PolicyEngine, type EngineInput } from './policy.engine.js';

function cluster(): EngineInput {
  const pods = [];
  for (const ns of ['shop', 'bank', 'lab'])
    for (let i = 0; i < 6; i++)
      pods.push(
        pod(
          ns,
          `p-${i}`,
          {
            app: ['web', 'api', 'db'][i % 3],
            ...(i % 2 ? { canary: 'true' } : {}),
            // Pods cannot relabel themselves into another namespace or service account.
            ...(i === 5 ? { 'projectcalico.org/namespace': 'kube-system' } : {}),
          },
          `10.0.${ns.length}.${i}`,
          { sa: i < 3 ? 'default' : 'worker' },
        ),
      );
  return {
    namespaces: [
      namespace('shop', { team: 'retail' }),
      namespace('bank', { team: 'finance' }),
      namespace('lab', { team: 'retail', env: 'dev' }),
    ],
    serviceAccounts: ['shop', 'bank', 'lab'].map((ns) => ({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'worker', namespace: ns, labels: { role: 'batch' } },
    })),
    pods,
    tiers: [tier('security', 100), tier('platform', 500)],
    networkPolicies: [
      k8sPolicy('shop', 'web-in', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{}] }),
      k8sPolicy('shop', 'all-out', { podSelector: {}, policyTypes: ['Egress'], egress: [] }),
      k8sPolicy('lab', 'canary', {
        podSelector: { matchExpressions: [{ key: 'canary', operator: 'Exists' }] },
        policyTypes: ['Ingress', 'Egress'],
      }),
    ],
    calicoNetworkPolicies: [
      calicoPolicy('bank', 'db-first', {
        selector: "app == 'db'",
        order: 10,
        ingress: [{ action: 'Allow' }],
      }),
      calicoPolicy('shop', 'sec-local', {
        tier: 'security',
        order: 50,
        selector: 'all()',
        egress: [{ action: 'Pass' }],
      }),
    ],
    globalNetworkPolicies: [
      globalPolicy('security.retail-web', {
        tier: 'security',
        order: 20,
        selector: "app == 'web'",
        namespaceSelector: "team == 'retail'",
        ingress: [{ action: 'Pass' }],
      }),
      globalPolicy('security.batch', {
        tier: 'security',
        order: 60,
        selector: 'has(canary)',
        serviceAccountSelector: "role == 'batch'",
        egress: [{ action: 'Pass' }],
      }),
      globalPolicy('platform.non-db', {
        tier: 'platform',
        order: 5,
        selector: "app in {'web', 'api'}",
        namespaceSelector: "team in {'retail', 'finance'}",
        types: ['Ingress'],
        ingress: [{ action: 'Pass' }],
      }),
      globalPolicy('late', { selector: 'all()', ingress: [{ action: 'Allow' }] }),
    ],
  };
}

describe('engine indexes answer as the plain definitions', () => {
  const e = new PolicyEngine(cluster());

  test('pod label sets carry the Calico labels over the pod own ones, and the service account labels', () => {
    const p5 = e.pod('shop/p-5')!;
    expect(p5.labels.labels.get('projectcalico.org/namespace')).toBe('shop');
    expect(p5.labels.labels.get('projectcalico.org/serviceaccount')).toBe('worker');
    expect(p5.serviceAccountLabels.labels.get('role')).toBe('batch');
    expect(e.pod('shop/p-0')!.serviceAccountLabels.labels.size).toBe(0);
    // Same own labels in two namespaces: two label sets.
    expect(e.pod('shop/p-1')!.labels).not.toBe(e.pod('bank/p-1')!.labels);
    expect(e.pod('shop/p-1')!.labels).toBe(e.pod('shop/p-1')!.labels);
  });

  test('policiesFor and selectedPods agree with policySelects over every pod, in evaluation order', () => {
    for (const p of e.pods)
      expect(e.policiesFor(p).map((x) => x.id)).toEqual(
        e.policies.filter((x) => e.policySelects(x, p)).map((x) => x.id),
      );
    for (const policy of e.policies)
      expect(
        e
          .selectedPods(policy)
          .map((p) => p.key)
          .sort(),
      ).toEqual(
        e.pods
          .filter((p) => e.policySelects(policy, p))
          .map((p) => p.key)
          .sort(),
      );
    // Something is selected through each kind of index.
    expect(e.selectedPods(e.policies.find((x) => x.id.endsWith('retail-web'))!).length).toBe(4);
    expect(e.selectedPods(e.policies.find((x) => x.id.endsWith('security.batch'))!).length).toBe(6);
  });

  test('a synthetic pod gets the namespaced and global policies merged in evaluation order', () => {
    for (const ns of ['shop', 'bank', 'lab', 'elsewhere'])
      for (const labels of [{}, { app: 'web' }, { app: 'db', canary: 'true' }] as Record<string, string>[]) {
        const s = e.syntheticPod(ns, labels, 'worker');
        expect(e.policiesFor(s).map((x) => x.id)).toEqual(
          e.policies.filter((x) => e.policySelects(x, s)).map((x) => x.id),
        );
      }
    expect(e.policiesFor(e.syntheticPod('shop', { app: 'web' })).map((x) => x.id)).toEqual([
      'GlobalNetworkPolicy security.retail-web',
      'CalicoNetworkPolicy shop/sec-local',
      'GlobalNetworkPolicy platform.non-db',
      'NetworkPolicy shop/all-out',
      'NetworkPolicy shop/web-in',
      'GlobalNetworkPolicy late',
    ]);
  });

  test('isolated(pod, direction) is isolation(pod)[direction]', () => {
    let some = 0;
    for (const p of e.pods) {
      const iso = e.isolation(p);
      expect([e.isolated(p, 'ingress'), e.isolated(p, 'egress')]).toEqual([iso.ingress, iso.egress]);
      if (iso.ingress !== iso.egress) some++;
    }
    expect(some).toBeGreaterThan(0);
  });

  test('policies of one selector text share its answer over long candidate lists, each with its own conditions', () => {
    // 80 label sets (past the length from which answers are shared), in 20 namespaces of two teams.
    const pods = [];
    const namespaces = [];
    for (let n = 0; n < 20; n++) {
      namespaces.push(namespace(`ns-${n}`, { team: n % 2 ? 'odd' : 'even' }));
      for (let i = 0; i < 4; i++)
        pods.push(
          pod(`ns-${n}`, `p-${i}`, { app: `a${i}`, ...(i % 2 ? { tier: 'back' } : {}) }, `10.1.${n}.${i}`, {
            sa: i === 3 ? 'worker' : 'default',
          }),
        );
    }
    const shared = "has(app) && tier != 'back'";
    const big = new PolicyEngine({
      namespaces,
      pods,
      serviceAccounts: namespaces.map((ns) => ({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'worker', namespace: ns.metadata.name, labels: { role: 'batch' } },
      })),
      globalNetworkPolicies: [
        globalPolicy('all-front', { selector: shared, ingress: [{ action: 'Allow' }] }),
        globalPolicy('odd-front', {
          selector: shared,
          namespaceSelector: "team == 'odd'",
          ingress: [{ action: 'Allow' }],
        }),
        globalPolicy('even-front', {
          selector: shared,
          namespaceSelector: "team == 'even'",
          ingress: [{ action: 'Allow' }],
        }),
        globalPolicy('odd-again', {
          selector: "app != 'a1'",
          namespaceSelector: "team == 'odd'",
          ingress: [{ action: 'Allow' }],
        }),
        globalPolicy('batch-back', {
          selector: 'has(tier)',
          serviceAccountSelector: "role == 'batch'",
          egress: [{ action: 'Deny' }],
        }),
        globalPolicy('all-back', { selector: 'has(tier)', egress: [{ action: 'Deny' }] }),
      ],
    });
    const counts: Record<string, number> = {};
    for (const policy of big.policies) {
      const want = big.pods.filter((p) => big.policySelects(policy, p)).map((p) => p.key);
      expect(big.selectedPods(policy).map((p) => p.key)).toEqual(want);
      counts[policy.ref.name] = want.length;
    }
    expect(counts).toEqual({
      'all-front': 40,
      'odd-front': 20,
      'even-front': 20,
      'odd-again': 30,
      'batch-back': 20,
      'all-back': 40,
    });
    for (const p of big.pods)
      expect(big.policiesFor(p).map((x) => x.id)).toEqual(
        big.policies.filter((x) => big.policySelects(x, p)).map((x) => x.id),
      );
  });

  test('Kubernetes label selectors of one tree are one compiled selector', () => {
    const a = fromKubernetesPolicy(
      k8sPolicy('a', 'x', { podSelector: { matchLabels: { app: 'web', tier: 'front' } } }),
    );
    const b = fromKubernetesPolicy(
      k8sPolicy('b', 'y', { podSelector: { matchLabels: { app: 'web', tier: 'front' } } }),
    );
    const c = fromKubernetesPolicy(k8sPolicy('c', 'z', { podSelector: { matchLabels: { app: 'web' } } }));
    expect(a.selector).toBe(b.selector);
    expect(a.selector).not.toBe(c.selector);
    expect(a.selector.canonical).toBe(b.selector.canonical);
  });

  test('the pod at an address is the last listed pod that owns it, as an index of every address had it', () => {
    const withStatus = (p: ReturnType<typeof pod>, status: Record<string, unknown>) => ({
      ...p,
      status: { phase: 'Running', ...status },
    });
    const pods = [
      pod('shop', 'first', {}, '10.1.0.1'),
      pod('shop', 'second', {}, '10.1.0.1'),
      pod('shop', 'host', {}, '10.1.0.9', { hostNetwork: true }),
      // podIPs with no valid address: podIP stands; a valid podIPs entry wins over podIP.
      withStatus(pod('shop', 'fallback', {}, ''), { podIPs: [{ ip: 'nope' }], podIP: ' 10.1.0.2 ' }),
      withStatus(pod('shop', 'listed', {}, ''), { podIPs: [{ ip: '10.1.0.3' }], podIP: '10.1.0.4' }),
      withStatus(pod('shop', 'done', {}, '10.1.0.5'), { phase: 'Succeeded', podIP: '10.1.0.5' }),
    ];
    const e = new PolicyEngine({ namespaces: [namespace('shop')], pods });
    // The plain definition: every pod's own addresses, host-network pods left out, later pods over earlier.
    const owner = (text: string) => {
      let hit: string | undefined;
      for (const p of e.pods) if (!p.hostNetwork && p.ips.some((i) => i.text === text)) hit = p.key;
      return hit;
    };
    for (const text of [
      '10.1.0.1',
      '10.1.0.2',
      '10.1.0.3',
      '10.1.0.4',
      '10.1.0.5',
      '10.1.0.9',
      '192.0.2.1',
    ]) {
      const peer = e.ipPeer(text);
      expect([text, peer.kind === 'pod' ? peer.key : undefined]).toEqual([text, owner(text)]);
    }
    expect((e.ipPeer('10.1.0.1') as { key: string }).key).toBe('shop/second');
    expect((e.ipPeer('10.1.0.2') as { key: string }).key).toBe('shop/fallback');
    expect(e.ipPeer('10.1.0.4').kind).toBe('ip');
    expect(e.ipPeer('10.1.0.9').kind).toBe('ip');
    expect(e.pods.find((p) => p.name === 'fallback')?.ips.map((i) => i.text)).toEqual(['10.1.0.2']);
  });
});
