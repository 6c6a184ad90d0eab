import type { DataSource } from 'typeorm';
import {
  seedCertificateFacts,
  seedClusters,
  seedHistory,
  seedQuarantine,
  type SeedCluster,
  type SeedFinding,
} from './posture-seed.js';

/** The fixed "now" of the API tests. */
export const FIXTURE_NOW = new Date('2026-11-23T12:00:00.000Z');

const at = (ms: number): string => new Date(FIXTURE_NOW.getTime() + ms).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Filler rows so pagination has several pages: 60 pods on aks-prod, every third failing seccomp. */
function seccompRows(): SeedFinding[] {
  return Array.from({ length: 60 }, (_, i) => ({
    checkId: 'pod-seccomp-profile',
    area: 'workload' as const,
    severity: 'low' as const,
    outcome: i % 3 === 0 ? ('fail' as const) : ('pass' as const),
    resource: { kind: 'Pod', namespace: `team-${i % 4}`, name: `web-${String(i).padStart(2, '0')}` },
    message:
      i % 3 === 0
        ? 'no seccomp profile: set securityContext.seccompProfile.type RuntimeDefault'
        : 'RuntimeDefault',
  }));
}

/**
 * A small fleet with every case the API distinguishes: AKS hybrid management and workload clusters, an Arc
 * cluster gone stale, an AKS cluster, one enrolled cluster that never reported, a revoked agent, a problem
 * resolved by disappearing, messages with commas, quotes and newlines.
 */
export const FIXTURE_CLUSTERS: SeedCluster[] = [
  {
    name: 'hci-mgmt',
    platform: 'aks-hci',
    role: 'management',
    location: 'Redmond DC1',
    kubernetesVersion: 'v1.31.4',
    receivedAt: at(-10 * MIN),
    agents: [
      { id: 'hci-mgmt.cp1', status: 'online', certNotAfter: at(3 * DAY), clockSkewMs: 1500 },
      { id: 'hci-mgmt.old', status: 'offline', revoked: true, certNotAfter: at(-1 * DAY) },
    ],
    findings: [
      {
        checkId: 'cert-expiry',
        area: 'certificates',
        severity: 'critical',
        outcome: 'fail',
        resource: { kind: 'HostFile', path: '/etc/kubernetes/pki/apiserver.crt' },
        message: 'certificate "kube-apiserver", CN=kube-apiserver, expires in 1 day: renew it',
        facts: seedCertificateFacts({
          notAfter: at(1 * DAY),
          lifetimeDays: 365,
          subject: 'CN=kube-apiserver',
          source: { kind: 'file', locator: '/etc/kubernetes/pki/apiserver.crt' },
        }),
      },
      {
        checkId: 'cert-expiry',
        area: 'certificates',
        severity: 'high',
        outcome: 'pass',
        resource: { kind: 'HostFile', path: '/var/lib/kubelet/pki/kubelet-client-current.pem' },
        message: 'valid for 300 days',
        facts: seedCertificateFacts({
          notAfter: at(300 * DAY),
          lifetimeDays: 365,
          subject: 'CN=system:node:cp1',
          source: { kind: 'file', locator: '/var/lib/kubelet/pki/kubelet-client-current.pem' },
          renewedBy: 'the kubelet rotates its client certificate (rotateCertificates on)',
        }),
      },
      {
        checkId: 'cert-expiry',
        area: 'certificates',
        severity: 'high',
        outcome: 'warn',
        resource: { kind: 'HostFile', path: '/etc/kubernetes/pki/front-proxy-client.crt' },
        message: 'expires in 10 days',
        facts: seedCertificateFacts({
          notAfter: at(10 * DAY),
          lifetimeDays: 365,
          subject: 'CN=front-proxy-client',
          source: { kind: 'file', locator: '/etc/kubernetes/pki/front-proxy-client.crt' },
        }),
      },
      {
        checkId: 'kms-key-rotation',
        area: 'encryption',
        severity: 'medium',
        outcome: 'pass',
        resource: { kind: 'KMSProvider', name: 'mock-kms-provider' },
        message: 'key rotated within 30 days',
        facts: {
          type: 'kms-key',
          version: 1,
          provider: 'mock-kms-provider',
          apiVersion: 'v2',
          keyId: 'kms-key-2',
          firstSeen: at(-40 * DAY),
          rotatedAt: at(-40 * DAY),
          ageSeconds: 39 * 86_400,
          ageExact: true,
          maxAgeSeconds: 30 * 86_400,
        },
      },
      {
        checkId: 'rbac-wildcard-rules',
        area: 'access',
        severity: 'high',
        outcome: 'fail',
        resource: { kind: 'ClusterRole', name: 'ops-everything' },
        message: 'verbs ["*"] on resources ["*"]\nbound to group ops',
      },
      {
        checkId: 'pod-privileged',
        area: 'workload',
        severity: 'critical',
        outcome: 'fail',
        resource: { kind: 'Pod', namespace: 'default', name: 'debug' },
        message: 'privileged container "shell"',
        resolvedAt: at(-1 * HOUR),
      },
    ],
  },
  {
    name: 'hci-wl1',
    platform: 'aks-hci',
    role: 'workload',
    location: 'Redmond DC1',
    kubernetesVersion: 'v1.30.9',
    receivedAt: at(-30 * MIN),
    agents: [{ id: 'hci-wl1', status: 'offline', certNotAfter: at(2 * DAY) }],
    findings: [
      {
        checkId: 'cert-expiry',
        area: 'certificates',
        severity: 'high',
        outcome: 'pass',
        resource: { kind: 'HostFile', path: '/etc/kubernetes/pki/apiserver.crt' },
        message: 'renewed automatically (AKS hybrid, 4-day lifetime)',
        facts: seedCertificateFacts({
          notAfter: at(2 * DAY),
          lifetimeDays: 4,
          subject: 'CN=kube-apiserver',
          source: { kind: 'file', locator: '/etc/kubernetes/pki/apiserver.crt' },
          renewedBy: 'its 4d lifetime means it is renewed automatically (AKS hybrid)',
        }),
      },
      {
        checkId: 'pod-run-as-root',
        area: 'workload',
        severity: 'medium',
        outcome: 'fail',
        resource: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
        message: 'runs as root',
      },
      {
        checkId: 'namespace-pod-security-labels',
        area: 'workload',
        severity: 'low',
        outcome: 'warn',
        resource: { kind: 'Namespace', name: 'shop' },
        message: 'no pod-security.kubernetes.io/enforce label',
      },
      {
        checkId: 'etcd-encryption-at-rest',
        area: 'encryption',
        severity: 'high',
        outcome: 'error',
        resource: { kind: 'HostFile', path: '/etc/kubernetes/manifests/kube-apiserver.yaml' },
        message: 'could not read kube-apiserver manifest: EACCES',
      },
    ],
  },
  {
    name: 'arc-edge',
    platform: 'arc',
    role: 'workload',
    location: 'Store 42',
    kubernetesVersion: 'v1.29.2',
    receivedAt: at(-2 * DAY),
    agents: [{ id: 'arc-edge', status: 'unknown' }],
    findings: [
      {
        checkId: 'pod-privileged',
        area: 'workload',
        severity: 'critical',
        outcome: 'pass',
        resource: { kind: 'Namespace', name: 'default' },
        message: 'no privileged containers',
      },
      {
        checkId: 'kms-key-rotation',
        area: 'encryption',
        severity: 'medium',
        outcome: 'warn',
        resource: { kind: 'KMSProvider', name: 'kms' },
        message: 'key not rotated for 95 days',
        facts: {
          type: 'kms-key',
          version: 1,
          provider: 'kms',
          apiVersion: 'v2',
          keyId: 'edge-key-1',
          firstSeen: at(-95 * DAY),
          ageSeconds: 95 * 86_400,
          ageExact: false,
          maxAgeSeconds: 30 * 86_400,
        },
      },
    ],
  },
  {
    name: 'aks-prod',
    platform: 'aks',
    role: 'workload',
    location: 'westeurope',
    kubernetesVersion: 'v1.32.1',
    receivedAt: at(-5 * MIN),
    agents: [{ id: 'aks-prod', status: 'online', certNotAfter: at(20 * DAY) }],
    findings: [
      {
        checkId: 'rbac-user-subjects',
        area: 'access',
        severity: 'medium',
        outcome: 'fail',
        resource: { kind: 'ClusterRoleBinding', name: 'alice-admin' },
        message: 'binds user alice@contoso.com, not a group',
      },
      {
        checkId: 'pod-privileged',
        area: 'workload',
        severity: 'critical',
        outcome: 'pass',
        resource: { kind: 'Namespace', name: 'default' },
        message: 'no privileged containers',
      },
      {
        checkId: 'cert-expiry',
        area: 'certificates',
        severity: 'high',
        outcome: 'pass',
        resource: { kind: 'Secret', namespace: 'ingress', name: 'tls-frontend' },
        message: 'valid for 30 days',
        facts: seedCertificateFacts({
          notAfter: at(30 * DAY),
          lifetimeDays: 90,
          subject: 'CN=shop.contoso.com',
          source: { kind: 'secret', locator: 'secret:ingress/tls-frontend' },
        }),
      },
      {
        checkId: 'pod-host-path',
        area: 'workload',
        severity: 'high',
        outcome: 'not_applicable',
        resource: { kind: 'Namespace', name: 'kube-system' },
        message: 'system namespace',
      },
      ...seccompRows(),
    ],
  },
  {
    name: 'new-cluster',
    platform: 'aks',
    role: 'workload',
    receivedAt: null,
    agents: [{ id: 'new-cluster', status: 'unknown' }],
    findings: [],
  },
];

/** Seeds the fixture fleet, history for hci-mgmt and three quarantined messages. */
export async function seedFixture(ds: DataSource): Promise<void> {
  await seedClusters(ds, FIXTURE_CLUSTERS, at(-30 * DAY));
  await seedHistory(ds, 'hci-mgmt', 'hci-mgmt.cp1', [
    { receivedAt: at(-3 * DAY), score: 40 },
    { receivedAt: at(-2 * DAY), score: 55 },
    { receivedAt: at(-1 * DAY), score: 70 },
  ]);
  await seedQuarantine(ds, [
    { agentId: 'hci-wl1', reason: 'malformed_json', receivedAt: at(-3 * HOUR) },
    { agentId: 'aks-prod', reason: 'identity_mismatch', receivedAt: at(-2 * HOUR) },
    { agentId: 'hci-wl1', reason: 'schema', receivedAt: at(-1 * HOUR) },
  ]);
}
