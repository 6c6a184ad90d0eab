// Calico policy semantics, cases from docs.tigera.io (NetworkPolicy, GlobalNetworkPolicy, NetworkSet,
// GlobalNetworkSet, Tier resources; "Get started with policy tiers"; "Kubernetes policy" ordering).
import { describe, expect, test } from '@jest/globals';
import {
  calicoPolicy,
  globalNetworkSet,
  globalPolicy,
  k8sPolicy,
  namespace,
  networkSet,
  pod,
  tier,
} from '../testing/index.js';
import { PolicyEngine, type EngineInput } from './policy.engine.js';

const TCP = (port: number) => ({ protocol: 'TCP', port });
const base = (extra: Partial<EngineInput> = {}): PolicyEngine =>
  new PolicyEngine({
    namespaces: [
      namespace('shop', { team: 'shop' }),
      namespace('ops', { team: 'ops' }),
      namespace('kube-system'),
    ],
    pods: [
      pod('shop', 'web', { app: 'web' }, '10.244.1.10', {
        sa: 'web-sa',
        ports: [{ name: 'http', containerPort: 8080 }],
      }),
      pod('shop', 'db', { app: 'db' }, '10.244.1.11'),
      pod('ops', 'monitor', { app: 'monitor' }, '10.244.2.10', { sa: 'prom' }),
      pod('kube-system', 'coredns', { 'k8s-app': 'kube-dns' }, '10.244.0.5'),
    ],
    serviceAccounts: [
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'web-sa', namespace: 'shop', labels: { role: 'frontend' } },
      },
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'prom', namespace: 'ops', labels: { role: 'metrics' } },
      },
    ],
    ...extra,
  });

describe('Calico NetworkPolicy', () => {
  test('selector is scoped to the policy namespace; rule selector too unless namespaceSelector is given', () => {
    const e = base({
      calicoNetworkPolicies: [
        calicoPolicy('shop', 'db-in', {
          selector: "app == 'db'",
          types: ['Ingress'],
          ingress: [
            {
              action: 'Allow',
              protocol: 'TCP',
              source: { selector: "app == 'web'" },
              destination: { ports: [5432] },
            },
          ],
        }),
      ],
    });
    expect(e.canReach('shop/web', 'shop/db', TCP(5432)).allowed).toBe(true);
    expect(e.canReach('shop/web', 'shop/db', TCP(5433)).allowed).toBe(false);
    expect(e.canReach('ops/monitor', 'shop/db', TCP(5432)).allowed).toBe(false);
  });

  test('namespaceSelector can name the namespace through projectcalico.org/name', () => {
    const e = base({
      calicoNetworkPolicies: [
        calicoPolicy('shop', 'from-ops', {
          selector: 'all()',
          ingress: [{ action: 'Allow', source: { namespaceSelector: "projectcalico.org/name == 'ops'" } }],
        }),
      ],
    });
    expect(e.canReach('ops/monitor', 'shop/web', TCP(80)).allowed).toBe(true);
    expect(e.canReach('kube-system/coredns', 'shop/web', TCP(80)).allowed).toBe(false);
  });

  test('types default: ingress only, egress only, both', () => {
    const only = (spec: Record<string, unknown>) => {
      const e = base({ calicoNetworkPolicies: [calicoPolicy('shop', 'p', { selector: 'all()', ...spec })] });
      const iso = e.isolation(e.pod('shop/web')!);
      return [iso.ingress, iso.egress];
    };
    expect(only({})).toEqual([true, false]);
    expect(only({ egress: [{ action: 'Allow' }] })).toEqual([false, true]);
    expect(only({ ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] })).toEqual([true, true]);
    expect(only({ types: ['Egress'] })).toEqual([false, true]);
  });

  test('Deny in a lower order beats Allow in a higher one; Log continues', () => {
    const e = base({
      calicoNetworkPolicies: [
        calicoPolicy('shop', 'allow-all', { order: 200, selector: 'all()', ingress: [{ action: 'Allow' }] }),
        calicoPolicy('shop', 'deny-ops', {
          order: 100,
          selector: 'all()',
          ingress: [{ action: 'Log' }, { action: 'Deny', source: { namespaceSelector: "team == 'ops'" } }],
        }),
      ],
    });
    const v = e.canReach('ops/monitor', 'shop/web', TCP(80));
    expect(v.allowed).toBe(false);
    expect(v.ingress?.decidedBy).toMatchObject({
      policyId: 'CalicoNetworkPolicy shop/deny-ops',
      rule: 1,
      action: 'Deny',
    });
    expect(v.ingress?.path.map((d) => d.action)).toEqual(['Log']);
    expect(e.canReach('shop/db', 'shop/web', TCP(80)).allowed).toBe(true);
  });

  test('unset order is evaluated after every ordered policy', () => {
    const e = base({
      calicoNetworkPolicies: [
        calicoPolicy('shop', 'a-unordered-deny', { selector: 'all()', ingress: [{ action: 'Deny' }] }),
        calicoPolicy('shop', 'z-ordered-allow', {
          order: 5000,
          selector: 'all()',
          ingress: [{ action: 'Allow' }],
        }),
      ],
    });
    expect(e.canReach('ops/monitor', 'shop/web', TCP(80)).allowed).toBe(true);
  });

  test('Kubernetes policies sit in the default tier at order 1000', () => {
    const deny = (order: number) =>
      base({
        networkPolicies: [k8sPolicy('shop', 'allow-all', { podSelector: {}, ingress: [{}] })],
        calicoNetworkPolicies: [
          calicoPolicy('shop', 'deny', { order, selector: 'all()', ingress: [{ action: 'Deny' }] }),
        ],
      }).canReach('ops/monitor', 'shop/web', TCP(80));
    expect(deny(999).allowed).toBe(false);
    expect(deny(1001).allowed).toBe(true);
    expect(deny(1001).ingress?.decidedBy?.policyId).toBe('NetworkPolicy shop/allow-all');
  });

  test('ports: ranges, named ports, notPorts, protocol and notProtocol', () => {
    const e = base({
      calicoNetworkPolicies: [
        calicoPolicy('shop', 'p', {
          selector: "app == 'web'",
          ingress: [
            { action: 'Allow', protocol: 'TCP', destination: { ports: ['9000:9100', 'http'] } },
            { action: 'Allow', notProtocol: 'TCP', destination: { notPorts: [53] } },
          ],
        }),
      ],
    });
    expect(e.canReach('ops/monitor', 'shop/web', TCP(9050)).allowed).toBe(true);
    expect(e.canReach('ops/monitor', 'shop/web', TCP(8080)).allowed).toBe(true);
    expect(e.canReach('ops/monitor', 'shop/web', TCP(8081)).allowed).toBe(false);
    expect(e.canReach('ops/monitor', 'shop/web', { protocol: 'UDP', port: 123 }).allowed).toBe(true);
    expect(e.canReach('ops/monitor', 'shop/web', { protocol: 'UDP', port: 53 }).allowed).toBe(false);
  });

  test('numeric protocols match their names', () => {
    const e = base({
      calicoNetworkPolicies: [
        calicoPolicy('shop', 'p', { selector: 'all()', ingress: [{ action: 'Allow', protocol: 17 }] }),
      ],
    });
    expect(e.canReach('ops/monitor', 'shop/web', { protocol: 'UDP', port: 1 }).allowed).toBe(true);
    expect(e.canReach('ops/monitor', 'shop/web', TCP(1)).allowed).toBe(false);
  });

  test('serviceAccounts by name and by selector on the service account labels', () => {
    const e = base({
      globalNetworkPolicies: [
        globalPolicy('metrics', {
          selector: "app == 'web'",
          ingress: [{ action: 'Allow', source: { serviceAccounts: { names: ['prom'] } } }],
        }),
        globalPolicy('sa-sel', {
          selector: "app == 'db'",
          ingress: [{ action: 'Allow', source: { serviceAccounts: { selector: "role == 'frontend'" } } }],
        }),
      ],
    });
    expect(e.canReach('ops/monitor', 'shop/web', TCP(80)).allowed).toBe(true);
    expect(e.canReach('shop/db', 'shop/web', TCP(80)).allowed).toBe(false);
    expect(e.canReach('shop/web', 'shop/db', TCP(80)).allowed).toBe(true);
    expect(e.canReach('ops/monitor', 'shop/db', TCP(80)).allowed).toBe(false);
  });

  test('serviceAccountSelector on the policy picks endpoints by service account labels', () => {
    const e = base({
      globalNetworkPolicies: [
        globalPolicy('p', { serviceAccountSelector: "role == 'metrics'", types: ['Egress'] }),
      ],
    });
    expect(e.isolation(e.pod('ops/monitor')!).egress).toBe(true);
    expect(e.isolation(e.pod('shop/web')!).egress).toBe(false);
  });

  test('nets and notNets', () => {
    const e = base({
      calicoNetworkPolicies: [
        calicoPolicy('shop', 'out', {
          selector: 'all()',
          egress: [
            { action: 'Deny', destination: { nets: ['169.254.169.254/32'] } },
            { action: 'Allow', destination: { notNets: ['10.0.0.0/8'] } },
          ],
        }),
      ],
    });
    expect(e.canReach('shop/web', '169.254.169.254', TCP(80)).allowed).toBe(false);
    expect(e.canReach('shop/web', '93.184.216.34', TCP(443)).allowed).toBe(true);
    expect(e.canReach('shop/web', 'ops/monitor', TCP(443)).allowed).toBe(false);
  });

  test('the same spec in the projectcalico.org/v3 shape behaves the same', () => {
    const spec = {
      selector: 'all()',
      types: ['Ingress'],
      ingress: [{ action: 'Allow', source: { selector: "app == 'web'" } }],
    };
    const v1 = base({ calicoNetworkPolicies: [calicoPolicy('shop', 'p', spec)] });
    const v3 = base({ calicoNetworkPolicies: [calicoPolicy('shop', 'p', spec, 'projectcalico.org/v3')] });
    for (const e of [v1, v3]) {
      expect(e.canReach('shop/web', 'shop/db', TCP(1)).allowed).toBe(true);
      expect(e.canReach('ops/monitor', 'shop/db', TCP(1)).allowed).toBe(false);
    }
  });

  test('a policy whose selector does not parse applies to nothing and says why', () => {
    const e = base({
      calicoNetworkPolicies: [calicoPolicy('shop', 'bad', { selector: "app = 'web'", types: ['Ingress'] })],
    });
    const p = e.policies[0];
    expect(p.inert).toMatch(/does not parse/);
    expect(p.problems[0]).toMatch(/position 4/);
    expect(e.isolation(e.pod('shop/web')!).ingress).toBe(false);
  });
});

describe('GlobalNetworkPolicy, network sets, tiers', () => {
  test('a GlobalNetworkPolicy applies across namespaces; namespaceSelector narrows it', () => {
    const e = base({
      globalNetworkPolicies: [
        globalPolicy('default-deny', {
          selector: 'all()',
          namespaceSelector: "projectcalico.org/name not in {'kube-system'}",
          types: ['Ingress', 'Egress'],
        }),
      ],
    });
    expect(e.isolation(e.pod('shop/web')!)).toMatchObject({ ingress: true, egress: true });
    expect(e.isolation(e.pod('ops/monitor')!)).toMatchObject({ ingress: true, egress: true });
    expect(e.isolation(e.pod('kube-system/coredns')!)).toMatchObject({ ingress: false, egress: false });
    expect(
      e
        .selectedPods(e.policies[0])
        .map((p) => p.key)
        .sort(),
    ).toEqual(['ops/monitor', 'shop/db', 'shop/web']);
  });

  test('GlobalNetworkSet labels are selectable; the metadata endpoint blocked by label', () => {
    const e = base({
      globalNetworkSets: [
        globalNetworkSet('imds', { 'watchpost.io/endpoint': 'imds' }, ['169.254.169.254/32']),
      ],
      globalNetworkPolicies: [
        globalPolicy('deny-imds', {
          order: 10,
          selector: 'all()',
          types: ['Egress'],
          egress: [
            { action: 'Deny', destination: { selector: "watchpost.io/endpoint == 'imds'" } },
            { action: 'Pass' },
          ],
        }),
      ],
    });
    const v = e.canReach('shop/web', '169.254.169.254', TCP(80));
    expect(v.allowed).toBe(false);
    expect(v.egress?.decidedBy).toMatchObject({
      policyId: 'GlobalNetworkPolicy deny-imds',
      action: 'Deny',
      rule: 0,
    });
    // Pass with no later tier selecting the pod reaches the profile, which allows
    const other = e.canReach('shop/web', '20.1.2.3', TCP(443));
    expect(other.allowed).toBe(true);
    expect(other.egress?.reason).toContain('profile');
  });

  test('namespaceSelector global() selects only non-namespaced sets', () => {
    const e = base({
      globalNetworkSets: [globalNetworkSet('partners', { kind: 'partner' }, ['198.51.100.0/24'])],
      networkSets: [networkSet('shop', 'partners-local', { kind: 'partner' }, ['203.0.113.0/24'])],
      calicoNetworkPolicies: [
        calicoPolicy('shop', 'to-global', {
          selector: 'all()',
          egress: [
            {
              action: 'Allow',
              destination: { namespaceSelector: 'global()', selector: "kind == 'partner'" },
            },
          ],
        }),
      ],
    });
    expect(e.canReach('shop/web', '198.51.100.7', TCP(443)).allowed).toBe(true);
    expect(e.canReach('shop/web', '203.0.113.7', TCP(443)).allowed).toBe(false);
  });

  test('a namespaced policy selector picks NetworkSets of its own namespace', () => {
    const e = base({
      networkSets: [
        networkSet('shop', 'partners', { kind: 'partner' }, ['203.0.113.0/24']),
        networkSet('ops', 'ops-partners', { kind: 'partner' }, ['192.0.2.0/24']),
      ],
      calicoNetworkPolicies: [
        calicoPolicy('shop', 'p', {
          selector: 'all()',
          egress: [{ action: 'Allow', destination: { selector: "kind == 'partner'" } }],
        }),
      ],
    });
    expect(e.canReach('shop/web', '203.0.113.9', TCP(443)).allowed).toBe(true);
    expect(e.canReach('shop/web', '192.0.2.9', TCP(443)).allowed).toBe(false);
  });

  test('tiers: an Allow in an earlier tier is final; Pass hands over to the next tier; end-of-tier drops', () => {
    const mk = (action: string) =>
      base({
        tiers: [tier('security', 100), tier('default', 1_000_000)],
        globalNetworkPolicies: [
          globalPolicy('security.ops', {
            tier: 'security',
            order: 1,
            selector: "app == 'web'",
            ingress: [{ action, source: { namespaceSelector: "team == 'ops'" } }],
          }),
        ],
        networkPolicies: [k8sPolicy('shop', 'deny-all', { podSelector: {}, policyTypes: ['Ingress'] })],
      });
    expect(mk('Allow').canReach('ops/monitor', 'shop/web', TCP(80)).allowed).toBe(true);
    const passed = mk('Pass').canReach('ops/monitor', 'shop/web', TCP(80));
    expect(passed.allowed).toBe(false);
    expect(passed.ingress?.path[0]).toMatchObject({
      action: 'Pass',
      policyId: 'GlobalNetworkPolicy security.ops',
    });
    expect(passed.ingress?.decidedBy?.action).toBe('end-of-tier deny');
    // the security tier selects web but nothing matches traffic from shop: dropped at the end of that tier
    const dropped = mk('Allow').canReach('shop/db', 'shop/web', TCP(80));
    expect(dropped.allowed).toBe(false);
    expect(dropped.ingress?.reason).toContain('tier security');
  });

  test('tiers are ordered by their own order, not by name', () => {
    const e = base({
      tiers: [tier('a-late', 500), tier('z-early', 50)],
      globalNetworkPolicies: [
        globalPolicy('a-late.allow', { tier: 'a-late', selector: 'all()', ingress: [{ action: 'Allow' }] }),
        globalPolicy('z-early.deny', { tier: 'z-early', selector: 'all()', ingress: [{ action: 'Deny' }] }),
      ],
    });
    expect(e.canReach('ops/monitor', 'shop/web', TCP(80)).ingress?.decidedBy?.policyId).toBe(
      'GlobalNetworkPolicy z-early.deny',
    );
  });

  test('doNotTrack and preDNAT policies apply to host endpoints only', () => {
    const e = base({
      globalNetworkPolicies: [
        globalPolicy('hep', {
          selector: 'all()',
          doNotTrack: true,
          applyOnForward: true,
          ingress: [{ action: 'Deny' }],
        }),
      ],
    });
    expect(e.policies[0].inert).toMatch(/host endpoints/);
    expect(e.canReach('ops/monitor', 'shop/web', TCP(80)).allowed).toBe(true);
  });
});

describe('endpoints Calico does not police', () => {
  test('Windows pods on AKS Arc are not enforced, and the verdict says so', () => {
    const e = new PolicyEngine({
      linuxOnly: true,
      namespaces: [namespace('win')],
      nodes: [
        {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name: 'moc-win1', labels: { 'kubernetes.io/os': 'windows' } },
        },
      ],
      pods: [pod('win', 'iis', { app: 'iis' }, '10.244.5.5', { node: 'moc-win1' })],
      networkPolicies: [k8sPolicy('win', 'deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })],
    });
    const v = e.canReach('win/iis', '169.254.169.254', TCP(80));
    expect(v.allowed).toBe(true);
    expect(v.egress?.enforced).toBe(false);
    expect(v.egress?.reason).toMatch(/Linux pods only/);
    expect(e.isolation(e.pod('win/iis')!)).toMatchObject({ ingress: false, egress: false });
  });

  test('host-network pods are not workload endpoints', () => {
    const e = new PolicyEngine({
      namespaces: [namespace('kube-system')],
      pods: [
        pod('kube-system', 'kube-proxy-x', { 'k8s-app': 'kube-proxy' }, '10.0.0.4', { hostNetwork: true }),
      ],
      networkPolicies: [k8sPolicy('kube-system', 'deny', { podSelector: {}, policyTypes: ['Egress'] })],
    });
    const v = e.canReach('kube-system/kube-proxy-x', '169.254.169.254', TCP(80));
    expect(v.allowed).toBe(true);
    expect(v.egress?.reason).toMatch(/host-network/);
    // the node address is not treated as the pod's own endpoint
    expect(e.resolve('10.0.0.4').kind).toBe('ip');
  });

  test('finished pods are not endpoints', () => {
    const done = pod('shop', 'job-1', { job: 'x' }, '10.244.1.99');
    (done['status'] as Record<string, unknown>)['phase'] = 'Succeeded';
    const e = new PolicyEngine({ namespaces: [namespace('shop')], pods: [done] });
    expect(e.pod('shop/job-1')).toBeUndefined();
  });

  test('a synthetic new pod shows what a namespace does by default', () => {
    const e = base({
      networkPolicies: [k8sPolicy('shop', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'] })],
    });
    const fresh = e.syntheticPod('shop');
    expect(e.canReach(fresh, '169.254.169.254', TCP(80)).allowed).toBe(false);
    expect(e.canReach(e.syntheticPod('ops'), '169.254.169.254', TCP(80)).allowed).toBe(true);
  });
});

describe('host-network peers', () => {
  test('traffic from a host-network pod is seen as its node address, not by its labels', () => {
    const e = new PolicyEngine({
      namespaces: [namespace('shop'), namespace('kube-system')],
      pods: [
        pod('kube-system', 'agent-x', { app: 'agent' }, '10.20.2.21', { hostNetwork: true }),
        pod('shop', 'web', { app: 'web' }, '10.244.1.10'),
      ],
      networkPolicies: [
        k8sPolicy('shop', 'from-agent', {
          podSelector: {},
          ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'agent' } } }] }],
        }),
      ],
    });
    expect(e.canReach('kube-system/agent-x', 'shop/web', TCP(80)).allowed).toBe(false);
  });
});
