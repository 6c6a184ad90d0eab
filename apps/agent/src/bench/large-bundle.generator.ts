/**
 * Writes a large, realistic bundle for the scan benchmark: many namespaces of a few Deployments each
 * (app/tier/version/team labels from small vocabularies, as real clusters have), Kubernetes NetworkPolicies per
 * namespace (default denies, app-to-app allows with namespace and pod selectors, IMDS blocks), and Calico
 * GlobalNetworkPolicies over tiers with the selector shapes people write (equality, in, has, not-in,
 * namespaceSelector). Deterministic: a seeded generator, so every run measures the same cluster.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Sizes of the generated cluster. */
export interface LargeBundleSpec {
  namespaces: number;
  pods: number;
  k8sPolicies: number;
  globalPolicies: number;
  nodes: number;
}

/** The sizes the issue asks for. */
export const SCAN_LARGE_SPEC: LargeBundleSpec = {
  namespaces: 500,
  pods: 10_000,
  k8sPolicies: 2_000,
  globalPolicies: 200,
  nodes: 100,
};

const APPS = [
  'web',
  'api',
  'worker',
  'cache',
  'db',
  'queue',
  'auth',
  'search',
  'gateway',
  'scheduler',
  'reporting',
  'billing',
  'catalog',
  'cart',
  'checkout',
  'notifier',
  'ingest',
  'etl',
];
const TIERS = ['frontend', 'backend', 'data', 'batch'];
const TEAMS = ['retail', 'payments', 'platform', 'data', 'identity', 'logistics', 'marketing', 'ops'];
const ENVS = ['prod', 'staging', 'dev'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function list(items: unknown[]): string {
  return JSON.stringify({ apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } });
}

function uid(n: number): string {
  const h = (n * 2654435761) >>> 0;
  const x = h.toString(16).padStart(8, '0');
  return `${x}-${x.slice(0, 4)}-4${x.slice(1, 4)}-8${x.slice(4, 7)}-${x}${x.slice(0, 4)}`;
}

/** Writes the bundle into `dir` (kube/*.json, cluster.json); returns the counts actually written. */
export function writeLargeBundle(
  dir: string,
  spec: LargeBundleSpec = SCAN_LARGE_SPEC,
): { pods: number; namespaces: number; policies: number } {
  const rand = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  mkdirSync(join(dir, 'kube'), { recursive: true });
  writeFileSync(
    join(dir, 'cluster.json'),
    JSON.stringify({
      name: 'bench-large',
      platform: 'aks-hci',
      role: 'workload',
      location: 'bench',
      kubernetesVersion: 'v1.31.5',
      collectedAt: '2026-11-23T00:00:00Z',
    }),
  );

  const nodes = Array.from({ length: spec.nodes }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: `moc-lwl${String(i).padStart(4, '0')}`,
      uid: uid(900000 + i),
      labels: {
        'kubernetes.io/os': i % 10 === 9 ? 'windows' : 'linux',
        'kubernetes.io/hostname': `moc-lwl${i}`,
        'kubernetes.io/arch': 'amd64',
      },
    },
    status: {
      nodeInfo: {
        kubeletVersion: 'v1.31.5',
        operatingSystem: i % 10 === 9 ? 'windows' : 'linux',
        osImage: 'CBL-Mariner/Linux',
      },
    },
  }));
  const linuxNodes = nodes.filter((n) => n.metadata.labels['kubernetes.io/os'] === 'linux');

  const namespaces: unknown[] = [];
  const pods: unknown[] = [];
  const serviceaccounts: unknown[] = [];
  const nsApps: string[][] = [];
  const podsPerNs = Math.ceil(spec.pods / spec.namespaces);
  let podCount = 0;
  for (let n = 0; n < spec.namespaces; n++) {
    const team = pick(TEAMS);
    const env = pick(ENVS);
    const ns = `${team}-${env}-${n}`;
    namespaces.push({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        uid: uid(n),
        creationTimestamp: '2026-10-02T09:15:20Z',
        labels: {
          'kubernetes.io/metadata.name': ns,
          team,
          env,
          'pod-security.kubernetes.io/enforce': env === 'prod' ? 'restricted' : 'baseline',
        },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    const apps = [...new Set(Array.from({ length: 3 + Math.floor(rand() * 4) }, () => pick(APPS)))];
    nsApps.push(apps);
    for (const app of apps)
      serviceaccounts.push({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name: app,
          namespace: ns,
          uid: uid(500000 + serviceaccounts.length),
          labels: { app, team },
        },
      });
    for (let p = 0; p < podsPerNs && podCount < spec.pods; p++, podCount++) {
      const app = apps[p % apps.length];
      const hash = ((n * 7919 + apps.indexOf(app) * 104729) >>> 0).toString(16).slice(0, 9).padEnd(9, '7');
      const name = `${app}-${hash}-${(podCount * 48271).toString(36).slice(-5).padStart(5, 'x')}`;
      const node = linuxNodes[podCount % linuxNodes.length].metadata.name;
      const labels: Record<string, string> = {
        app,
        'app.kubernetes.io/name': app,
        'app.kubernetes.io/part-of': team,
        tier: TIERS[apps.indexOf(app) % TIERS.length],
        version: `v${1 + (n % 3)}`,
        'pod-template-hash': hash,
      };
      if (rand() < 0.1) labels['canary'] = 'true';
      const ip = `10.${64 + Math.floor(podCount / 65536)}.${Math.floor(podCount / 256) % 256}.${podCount % 256}`;
      pods.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace: ns,
          uid: uid(1000000 + podCount),
          resourceVersion: String(700000 + podCount),
          creationTimestamp: '2026-11-20T06:31:02Z',
          labels,
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: `${app}-${hash}`,
              uid: uid(2000000 + n * 10 + apps.indexOf(app)),
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          containers: [
            {
              name: app,
              image: `retailacr.azurecr.io/${team}/${app}:1.${n % 20}.${p % 5}`,
              imagePullPolicy: 'IfNotPresent',
              ports: [
                { containerPort: 8080, name: 'http', protocol: 'TCP' },
                { containerPort: 9090, name: 'metrics', protocol: 'TCP' },
              ],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
              securityContext: {
                allowPrivilegeEscalation: false,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
          ],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          serviceAccountName: app,
          serviceAccount: app,
          nodeName: node,
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
        status: {
          phase: 'Running',
          hostIP: '10.20.0.1',
          podIP: ip,
          podIPs: [{ ip }],
          qosClass: 'Burstable',
          startTime: '2026-11-20T06:31:02Z',
        },
      });
    }
  }

  const k8s: unknown[] = [];
  const policy = (ns: string, name: string, spec: Record<string, unknown>) =>
    k8s.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name,
        namespace: ns,
        uid: uid(3000000 + k8s.length),
        generation: 1,
        creationTimestamp: '2026-11-02T11:40:13Z',
      },
      spec,
    });
  for (let i = 0; k8s.length < spec.k8sPolicies; i++) {
    const n = i % spec.namespaces;
    const ns = (namespaces[n] as { metadata: { name: string; labels: Record<string, string> } }).metadata;
    const apps = nsApps[n];
    switch (Math.floor(i / spec.namespaces) % 4) {
      case 0:
        if (n % 3 !== 2)
          policy(ns.name, 'default-deny', {
            podSelector: {},
            policyTypes: n % 2 ? ['Ingress', 'Egress'] : ['Ingress'],
          });
        else
          policy(ns.name, 'block-imds', {
            podSelector: {},
            policyTypes: ['Egress'],
            egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }] }],
          });
        break;
      case 1:
        policy(ns.name, `${apps[0]}-from-${apps[1] ?? 'ingress'}`, {
          podSelector: { matchLabels: { app: apps[0] } },
          ingress: [
            {
              from: [{ podSelector: { matchLabels: { app: apps[1] ?? 'gateway' } } }],
              ports: [{ port: 'http' }],
            },
          ],
        });
        break;
      case 2:
        policy(ns.name, 'allow-dns', {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [
            {
              to: [
                {
                  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
                },
              ],
              ports: [
                { port: 53, protocol: 'UDP' },
                { port: 53, protocol: 'TCP' },
              ],
            },
          ],
        });
        break;
      default:
        policy(ns.name, 'metrics-from-monitoring', {
          podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend', 'data'] }] },
          ingress: [
            {
              from: [{ namespaceSelector: { matchLabels: { team: 'ops' } } }],
              ports: [{ port: 9090, protocol: 'TCP' }],
            },
          ],
        });
    }
  }

  const tiers = [
    {
      apiVersion: 'crd.projectcalico.org/v1',
      kind: 'Tier',
      metadata: { name: 'default' },
      spec: { order: 1_000_000 },
    },
    {
      apiVersion: 'crd.projectcalico.org/v1',
      kind: 'Tier',
      metadata: { name: 'security' },
      spec: { order: 100 },
    },
    {
      apiVersion: 'crd.projectcalico.org/v1',
      kind: 'Tier',
      metadata: { name: 'platform' },
      spec: { order: 500 },
    },
  ];
  const gnps: unknown[] = [];
  for (let i = 0; i < spec.globalPolicies; i++) {
    const tier = i % 3 === 0 ? 'security' : i % 3 === 1 ? 'platform' : 'default';
    const app = APPS[i % APPS.length];
    const team = TEAMS[i % TEAMS.length];
    const shapes: Record<string, unknown>[] = [
      {
        selector: `app == '${app}'`,
        namespaceSelector: `team == '${team}'`,
        types: ['Ingress'],
        ingress: [
          {
            action: 'Allow',
            protocol: 'TCP',
            source: { namespaceSelector: "team == 'ops'" },
            destination: { ports: [9090] },
          },
          { action: 'Pass' },
        ],
      },
      {
        selector: `tier in {'backend', 'data'} && !has(canary)`,
        types: ['Egress'],
        egress: [
          { action: 'Deny', protocol: 'TCP', destination: { nets: ['169.254.169.254/32'], ports: [80] } },
          { action: 'Pass' },
        ],
      },
      {
        selector: `app.kubernetes.io/part-of == '${team}' && version != 'v1'`,
        types: ['Ingress', 'Egress'],
        ingress: [{ action: 'Pass' }],
        egress: [{ action: 'Pass' }],
      },
      {
        selector: `has(canary)`,
        namespaceSelector: `env not in {'prod'}`,
        types: ['Egress'],
        egress: [{ action: 'Log' }, { action: 'Pass' }],
      },
      {
        selector: `app starts with '${app.slice(0, 3)}'`,
        types: ['Ingress'],
        ingress: [{ action: 'Deny', source: { nets: ['192.0.2.0/24'] } }, { action: 'Pass' }],
      },
    ];
    gnps.push({
      apiVersion: 'crd.projectcalico.org/v1',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: `${tier}.gnp-${i}`, uid: uid(4000000 + i) },
      spec: { tier, order: 100 + i, ...shapes[i % shapes.length] },
    });
  }

  const write = (resource: string, items: unknown[]) =>
    writeFileSync(join(dir, 'kube', `${resource}.json`), list(items));
  write('nodes', nodes);
  write('namespaces', namespaces);
  write('pods', pods);
  write('serviceaccounts', serviceaccounts);
  write('networkpolicies.networking.k8s.io', k8s);
  write('globalnetworkpolicies.crd.projectcalico.org', gnps);
  write('networkpolicies.crd.projectcalico.org', []);
  write('networksets.crd.projectcalico.org', []);
  write('globalnetworksets.crd.projectcalico.org', [
    {
      apiVersion: 'crd.projectcalico.org/v1',
      kind: 'GlobalNetworkSet',
      metadata: { name: 'instance-metadata', labels: { 'watchpost.io/endpoint': 'imds' } },
      spec: { nets: ['169.254.169.254/32'] },
    },
  ]);
  write('tiers.crd.projectcalico.org', tiers);
  write('felixconfigurations.crd.projectcalico.org', [
    {
      apiVersion: 'crd.projectcalico.org/v1',
      kind: 'FelixConfiguration',
      metadata: { name: 'default' },
      spec: { logSeverityScreen: 'Info', reportingInterval: '0s', vxlanVNI: 4096 },
    },
  ]);
  return { pods: pods.length, namespaces: namespaces.length, policies: k8s.length + gnps.length };
}
