// Kubernetes networking.k8s.io/v1 NetworkPolicy semantics, cases from kubernetes.io "Network Policies"
// (isolation, policyTypes defaulting, peers, ports, named ports, endPort, ipBlock except, empty vs absent lists).
import { describe, expect, test } from '@jest/globals';
import { k8sPolicy, namespace, pod } from '../testing/index.js';
import { PolicyEngine, parseConnection, type EngineInput } from './policy.engine.js';

const TCP = (port: number) => ({ protocol: 'TCP', port });
const base = (): EngineInput => ({
  namespaces: [namespace('shop', { team: 'shop' }), namespace('ops', { team: 'ops' }), namespace('other')],
  pods: [
    pod('shop', 'web', { app: 'web' }, '10.244.1.10', { ports: [{ name: 'http', containerPort: 8080 }] }),
    pod('shop', 'db', { app: 'db' }, '10.244.1.11', { ports: [{ name: 'pg', containerPort: 5432 }] }),
    pod('ops', 'monitor', { app: 'monitor' }, '10.244.2.10'),
    pod('other', 'client', { app: 'web' }, '10.244.3.10'),
  ],
});
const engine = (policies: ReturnType<typeof k8sPolicy>[]) =>
  new PolicyEngine({ ...base(), networkPolicies: policies });

describe('isolation and policyTypes', () => {
  test('with no policy a pod is isolated for neither direction and everything is allowed', () => {
    const e = engine([]);
    const web = e.pod('shop/web')!;
    expect(e.isolation(web)).toMatchObject({ ingress: false, egress: false });
    expect(e.canReach('ops/monitor', 'shop/web', TCP(1)).allowed).toBe(true);
  });

  test('a policy without policyTypes and without egress rules isolates ingress only (defaulting)', () => {
    const e = engine([k8sPolicy('shop', 'deny-in', { podSelector: {} })]);
    const web = e.pod('shop/web')!;
    expect(e.isolation(web)).toMatchObject({ ingress: true, egress: false });
    expect(e.canReach('ops/monitor', 'shop/web', TCP(8080)).allowed).toBe(false);
    expect(e.canReach('shop/web', 'ops/monitor', TCP(8080)).allowed).toBe(true);
  });

  test('egress rules in a policy without policyTypes add Egress', () => {
    const e = engine([
      k8sPolicy('shop', 'p', {
        podSelector: {},
        egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }],
      }),
    ]);
    expect(e.isolation(e.pod('shop/web')!)).toMatchObject({ ingress: true, egress: true });
  });

  test('`egress: []` without policyTypes is no egress rule, so not egress isolation', () => {
    const e = engine([k8sPolicy('shop', 'p', { podSelector: {}, egress: [] })]);
    expect(e.isolation(e.pod('shop/web')!)).toMatchObject({ ingress: true, egress: false });
  });

  test('policyTypes [Egress] with no rules denies all egress and leaves ingress alone', () => {
    const e = engine([k8sPolicy('shop', 'deny-out', { podSelector: {}, policyTypes: ['Egress'] })]);
    expect(e.isolation(e.pod('shop/web')!)).toMatchObject({ ingress: false, egress: true });
    const v = e.canReach('shop/web', '8.8.8.8', { protocol: 'UDP', port: 53 });
    expect(v.allowed).toBe(false);
    expect(v.egress?.decidedBy?.action).toBe('end-of-tier deny');
    expect(v.egress?.reason).toContain('NetworkPolicy shop/deny-out');
    expect(e.canReach('ops/monitor', 'shop/web', TCP(80)).allowed).toBe(true);
  });

  test('`ingress: [{}]` allows everything in, an absent `ingress` with Ingress type allows nothing', () => {
    expect(
      engine([k8sPolicy('shop', 'allow-all', { podSelector: {}, ingress: [{}] })]).canReach(
        'ops/monitor',
        'shop/web',
        TCP(9),
      ).allowed,
    ).toBe(true);
    expect(
      engine([k8sPolicy('shop', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })]).canReach(
        'ops/monitor',
        'shop/web',
        TCP(9),
      ).allowed,
    ).toBe(false);
  });

  test('allows are a union across policies selecting the pod', () => {
    const e = engine([
      k8sPolicy('shop', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }),
      k8sPolicy('shop', 'from-ops', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'ops' } } }] }],
      }),
    ]);
    const v = e.canReach('ops/monitor', 'shop/web', TCP(8080));
    expect(v.allowed).toBe(true);
    expect(v.ingress?.decidedBy?.policyId).toBe('NetworkPolicy shop/from-ops');
    expect(e.canReach('other/client', 'shop/web', TCP(8080)).allowed).toBe(false);
  });

  test('a policy selecting other pods does not isolate this one', () => {
    const e = engine([
      k8sPolicy('shop', 'db-only', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'] }),
    ]);
    expect(e.isolation(e.pod('shop/web')!).ingress).toBe(false);
    expect(e.isolation(e.pod('shop/db')!).ingress).toBe(true);
  });

  test('selectsAnyPod agrees with selectedPods, and cached per-direction lists are not shared with callers', () => {
    const e = engine([
      k8sPolicy('shop', 'db-only', { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'] }),
      k8sPolicy('shop', 'nobody', {
        podSelector: { matchLabels: { app: 'gone' } },
        policyTypes: ['Ingress'],
      }),
    ]);
    for (const p of e.policies) expect(e.selectsAnyPod(p)).toBe(e.selectedPods(p).length > 0);
    expect(e.policies.filter((p) => e.selectsAnyPod(p)).map((p) => p.id)).toEqual([
      'NetworkPolicy shop/db-only',
    ]);
    const db = e.pod('shop/db')!;
    e.policiesFor(db, 'ingress').length = 0;
    e.isolation(db).ingressPolicies.push('mutated');
    expect(e.isolation(db).ingressPolicies).toEqual(['NetworkPolicy shop/db-only']);
    expect(e.canReach('ops/monitor', 'shop/db', TCP(5432)).ingress?.policies).toEqual([
      'NetworkPolicy shop/db-only',
    ]);
  });
});

describe('peers', () => {
  test('a lone podSelector means pods of the policy namespace', () => {
    const e = engine([
      k8sPolicy('shop', 'p', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }],
      }),
    ]);
    expect(e.canReach('shop/web', 'shop/db', TCP(5432)).allowed).toBe(true);
    // same labels, other namespace
    expect(e.canReach('other/client', 'shop/db', TCP(5432)).allowed).toBe(false);
  });

  test('namespaceSelector and podSelector in one peer are an AND; in two peers an OR', () => {
    const and = engine([
      k8sPolicy('shop', 'p', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { team: 'ops' } },
                podSelector: { matchLabels: { app: 'web' } },
              },
            ],
          },
        ],
      }),
    ]);
    expect(and.canReach('ops/monitor', 'shop/db', TCP(5432)).allowed).toBe(false);
    expect(and.canReach('other/client', 'shop/db', TCP(5432)).allowed).toBe(false);
    const or = engine([
      k8sPolicy('shop', 'p', {
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [
          {
            from: [
              { namespaceSelector: { matchLabels: { team: 'ops' } } },
              { podSelector: { matchLabels: { app: 'web' } } },
            ],
          },
        ],
      }),
    ]);
    expect(or.canReach('ops/monitor', 'shop/db', TCP(5432)).allowed).toBe(true);
    expect(or.canReach('shop/web', 'shop/db', TCP(5432)).allowed).toBe(true);
    expect(or.canReach('other/client', 'shop/db', TCP(5432)).allowed).toBe(false);
  });

  test('namespaceSelector {} selects every namespace but no outside address', () => {
    const e = engine([
      k8sPolicy('shop', 'p', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] }),
    ]);
    expect(e.canReach('other/client', 'shop/web', TCP(80)).allowed).toBe(true);
    expect(e.canReach('192.0.2.7', 'shop/web', TCP(80)).allowed).toBe(false);
  });

  test('matchExpressions In / NotIn / Exists / DoesNotExist (NotIn matches an absent key)', () => {
    const e = engine([
      k8sPolicy('shop', 'p', {
        podSelector: {},
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchExpressions: [{ key: 'team', operator: 'NotIn', values: ['ops'] }],
                },
              },
            ],
          },
        ],
      }),
    ]);
    expect(e.canReach('other/client', 'shop/web', TCP(80)).allowed).toBe(true); // "other" has no team label
    expect(e.canReach('ops/monitor', 'shop/web', TCP(80)).allowed).toBe(false);
    const e2 = engine([
      k8sPolicy('shop', 'p', {
        podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'cache'] }] },
        policyTypes: ['Ingress'],
      }),
      k8sPolicy('shop', 'q', {
        podSelector: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] },
        policyTypes: ['Egress'],
      }),
    ]);
    expect(e2.isolation(e2.pod('shop/db')!)).toMatchObject({ ingress: true, egress: false });
    expect(e2.isolation(e2.pod('shop/web')!)).toMatchObject({ ingress: false, egress: false });
  });

  test('ipBlock with except carves the metadata endpoint out of 0.0.0.0/0', () => {
    const e = engine([
      k8sPolicy('shop', 'block-imds', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }] }],
      }),
    ]);
    expect(e.canReach('shop/web', '169.254.169.254', TCP(80)).allowed).toBe(false);
    expect(e.canReach('shop/web', '20.50.2.1', TCP(443)).allowed).toBe(true);
    // Calico matches ipBlock against pod addresses as well
    expect(e.canReach('shop/web', 'ops/monitor', TCP(443)).allowed).toBe(true);
    expect(e.canReach('shop/web', '169.254.169.254', TCP(80)).egress?.reason).toContain('end-of-tier');
  });

  test('ipBlock for ingress from outside addresses', () => {
    const e = engine([
      k8sPolicy('shop', 'p', {
        podSelector: {},
        ingress: [{ from: [{ ipBlock: { cidr: '192.0.2.0/24' } }] }],
      }),
    ]);
    expect(e.canReach('192.0.2.9', 'shop/web', TCP(80)).allowed).toBe(true);
    expect(e.canReach('198.51.100.1', 'shop/web', TCP(80)).allowed).toBe(false);
  });

  test('an address of a pod resolves to the pod', () => {
    const e = engine([]);
    expect(e.resolve('10.244.1.11').key).toBe('shop/db');
  });
});

describe('ports', () => {
  const withPorts = (ports: unknown[]) =>
    engine([k8sPolicy('shop', 'p', { podSelector: {}, ingress: [{ ports }] })]);

  test('a port without protocol means TCP', () => {
    const e = withPorts([{ port: 8080 }]);
    expect(e.canReach('ops/monitor', 'shop/web', TCP(8080)).allowed).toBe(true);
    expect(e.canReach('ops/monitor', 'shop/web', { protocol: 'UDP', port: 8080 }).allowed).toBe(false);
    expect(e.canReach('ops/monitor', 'shop/web', TCP(8081)).allowed).toBe(false);
  });

  test('protocol without port means every port of that protocol', () => {
    const e = withPorts([{ protocol: 'UDP' }]);
    expect(e.canReach('ops/monitor', 'shop/web', { protocol: 'UDP', port: 5353 }).allowed).toBe(true);
    expect(e.canReach('ops/monitor', 'shop/web', TCP(5353)).allowed).toBe(false);
  });

  test('endPort makes a range', () => {
    const e = withPorts([{ protocol: 'TCP', port: 32000, endPort: 32768 }]);
    expect(e.canReach('ops/monitor', 'shop/web', TCP(32000)).allowed).toBe(true);
    expect(e.canReach('ops/monitor', 'shop/web', TCP(32768)).allowed).toBe(true);
    expect(e.canReach('ops/monitor', 'shop/web', TCP(32769)).allowed).toBe(false);
  });

  test('named ports resolve on the destination pod', () => {
    const e = withPorts([{ port: 'http' }]);
    expect(e.canReach('ops/monitor', 'shop/web', TCP(8080)).allowed).toBe(true); // web names 8080 "http"
    expect(e.canReach('ops/monitor', 'shop/db', TCP(8080)).allowed).toBe(false); // db has no "http"
    const egress = engine([
      k8sPolicy('ops', 'p', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ ports: [{ port: 'pg' }] }],
      }),
    ]);
    expect(egress.canReach('ops/monitor', 'shop/db', TCP(5432)).allowed).toBe(true);
    expect(egress.canReach('ops/monitor', 'shop/web', TCP(5432)).allowed).toBe(false);
    expect(egress.canReach('ops/monitor', '192.0.2.1', TCP(5432)).allowed).toBe(false); // no pod to name the port
  });

  test('peers and ports in one rule are an AND', () => {
    const e = engine([
      k8sPolicy('shop', 'p', {
        podSelector: {},
        ingress: [
          { from: [{ namespaceSelector: { matchLabels: { team: 'ops' } } }], ports: [{ port: 443 }] },
        ],
      }),
    ]);
    expect(e.canReach('ops/monitor', 'shop/web', TCP(443)).allowed).toBe(true);
    expect(e.canReach('ops/monitor', 'shop/web', TCP(80)).allowed).toBe(false);
    expect(e.canReach('other/client', 'shop/web', TCP(443)).allowed).toBe(false);
  });

  test('parseConnection', () => {
    expect(parseConnection('53/udp')).toEqual({ protocol: 'UDP', port: 53 });
    expect(parseConnection('443')).toEqual({ protocol: 'TCP', port: 443 });
    expect(() => parseConnection('99999')).toThrow(/1-65535/);
    expect(() => parseConnection('80/icmp')).toThrow(/no ports/);
    expect(() => parseConnection('http')).toThrow(/N\/PROTO/);
  });
});

describe('both ends apply', () => {
  test('egress of the source and ingress of the destination are both needed', () => {
    const e = engine([
      k8sPolicy('ops', 'deny-out', { podSelector: {}, policyTypes: ['Egress'] }),
      k8sPolicy('shop', 'allow-in', { podSelector: {}, ingress: [{}] }),
    ]);
    const v = e.canReach('ops/monitor', 'shop/web', TCP(80));
    expect(v.allowed).toBe(false);
    expect(v.egress?.allowed).toBe(false);
    expect(v.ingress?.allowed).toBe(true);
  });

  test('the matrix applies both directions and is keyed ns/pod -> ns/pod', () => {
    const e = engine([k8sPolicy('shop', 'deny', { podSelector: {}, policyTypes: ['Ingress'] })]);
    const m = e.matrix({ protocol: 'TCP', port: 80 });
    expect(m['ops/monitor']['shop/web']).toBe(false);
    expect(m['shop/web']['ops/monitor']).toBe(true);
    expect(m['shop/web']['shop/web']).toBe(true); // a pod to itself
  });
});
