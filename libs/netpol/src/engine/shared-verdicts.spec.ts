// The engine shares one walk of the tiers between endpoints of one label set when the peer is an outside
// address and no applying rule reads the endpoint's own addresses or named ports. These cases pin that the
// sharing never changes a verdict: every pod's verdict equals the one a fresh engine gives for that pod alone.
import { describe, expect, test } from '@jest/globals';
import { globalPolicy, k8sPolicy, namespace, pod } from '../testing/index.js';
import { PolicyEngine, type EngineInput } from './policy.engine.js';

const IMDS = '169.254.169.254';
const TCP80 = { protocol: 'TCP', port: 80 };

/** Ten replicas of one label set, half of them in 10.244.1.0/24 and half in 10.244.2.0/24. */
function input(policies: Partial<EngineInput>): EngineInput {
  const pods = Array.from({ length: 10 }, (_, i) =>
    pod('shop', `web-${i}`, { app: 'web' }, `10.244.${i < 5 ? 1 : 2}.${10 + i}`, {
      ports: [{ name: i % 2 ? 'http' : 'web', containerPort: 80 }],
    }),
  );
  return { namespaces: [namespace('shop')], pods, ...policies };
}

/** Each pod's verdicts from one engine (sharing) and from a fresh engine per pod (nothing to share). */
function compare(policies: Partial<EngineInput>): { allowed: boolean[] } {
  const shared = new PolicyEngine(input(policies));
  const allowed: boolean[] = [];
  for (const p of shared.pods) {
    for (const [from, to] of [
      [p.key, IMDS],
      [IMDS, p.key],
    ]) {
      const got = shared.canReach(from, to, TCP80);
      const alone = new PolicyEngine(input(policies)).canReach(from, to, TCP80);
      expect(got).toEqual(alone);
      if (from === p.key) expect(shared.reachAllowed(p, shared.ipPeer(IMDS), TCP80)).toBe(got.allowed);
      if (from === p.key) allowed.push(got.allowed);
    }
  }
  return { allowed };
}

describe('verdicts shared per label set', () => {
  test('rules that read only labels: every replica gets the same verdict, naming itself', () => {
    const e = new PolicyEngine(
      input({
        networkPolicies: [
          k8sPolicy('shop', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [] }),
        ],
      }),
    );
    const verdicts = e.pods.map((p) => e.canReach(p, e.ipPeer(IMDS), TCP80));
    expect(verdicts.every((v) => !v.allowed)).toBe(true);
    expect(verdicts.map((v) => v.egress?.endpoint)).toEqual(e.pods.map((p) => p.key));
    expect(verdicts[3].egress?.reason).toContain('shop/web-3 for egress');
    compare({
      networkPolicies: [
        k8sPolicy('shop', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [] }),
      ],
    });
  });

  test('a Calico rule on the source address: replicas of one label set differ by their own address', () => {
    const { allowed } = compare({
      globalNetworkPolicies: [
        globalPolicy('imds-from-subnet', {
          selector: "app == 'web'",
          types: ['Egress'],
          egress: [
            { action: 'Allow', protocol: 'TCP', source: { nets: ['10.244.1.0/24'] } },
            { action: 'Deny' },
          ],
        }),
      ],
    });
    expect(allowed).toEqual([true, true, true, true, true, false, false, false, false, false]);
  });

  test('a named port on ingress from an address: replicas differ by their own container ports', () => {
    const shared = new PolicyEngine(
      input({
        networkPolicies: [
          k8sPolicy('shop', 'http-in', {
            podSelector: { matchLabels: { app: 'web' } },
            policyTypes: ['Ingress'],
            ingress: [{ ports: [{ port: 'http' }] }],
          }),
        ],
      }),
    );
    const allowed = shared.pods.map((p) => shared.canReach(IMDS, p.key, TCP80).allowed);
    expect(allowed).toEqual([false, true, false, true, false, true, false, true, false, true]);
    compare({
      networkPolicies: [
        k8sPolicy('shop', 'http-in', {
          podSelector: { matchLabels: { app: 'web' } },
          policyTypes: ['Ingress'],
          ingress: [{ ports: [{ port: 'http' }] }],
        }),
      ],
    });
  });

  test('an ipBlock on egress reads the destination, not the pod: shared, and still exact', () => {
    const { allowed } = compare({
      networkPolicies: [
        k8sPolicy('shop', 'imds-only', {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{ to: [{ ipBlock: { cidr: '169.254.169.254/32' } }] }],
        }),
      ],
    });
    expect(allowed.every(Boolean)).toBe(true);
  });

  test('reachAllowed answers as canReach for host-network, Windows (unenforced) and unselected pods', () => {
    const e = new PolicyEngine({
      namespaces: [namespace('shop'), namespace('free')],
      pods: [
        pod('shop', 'host', { app: 'web' }, '10.0.0.5', { hostNetwork: true }),
        pod('shop', 'win', { app: 'web' }, '10.244.1.50', { os: 'windows' }),
        pod('shop', 'web', { app: 'web' }, '10.244.1.51'),
        pod('free', 'any', { app: 'web' }, '10.244.3.10'),
      ],
      networkPolicies: [
        k8sPolicy('shop', 'deny-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [] }),
      ],
      linuxOnly: true,
    });
    const imds = e.ipPeer(IMDS);
    const answers = e.pods.map((p) => [p.name, e.reachAllowed(p, imds, TCP80)]);
    expect(answers).toEqual(e.pods.map((p) => [p.name, e.canReach(p, imds, TCP80).allowed]));
    expect(answers).toEqual([
      ['host', true],
      ['win', true],
      ['web', false],
      ['any', true],
    ]);
  });
});
