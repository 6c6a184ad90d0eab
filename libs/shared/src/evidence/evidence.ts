/**
 * Evidence: the typed, JSON-serialisable snapshot that collectors produce and checks read.
 * The bundle format (DESIGN.md section 5) is this object laid out on disk, so a live scan and a bundle
 * scan feed the very same checks.
 */

import type { AzureEvidence } from './azure.js';
import type { ProbeResults } from './probes.js';

/** Where a cluster runs: AKS hybrid (HCI / Azure Local), AKS in Azure, Arc-enabled, anything else. */
export type Platform = 'aks-hci' | 'aks' | 'arc' | 'other';
/** What the cluster is for: an AKS-hybrid management cluster, a workload cluster, or a Fleet hub cluster. */
export type ClusterRole = 'management' | 'workload' | 'hub';

export const PLATFORMS: readonly Platform[] = ['aks-hci', 'aks', 'arc', 'other'];
export const CLUSTER_ROLES: readonly ClusterRole[] = ['management', 'workload', 'hub'];

/** Identity of the scanned cluster, as in a bundle's `cluster.json`. */
export interface ClusterInfo {
  name: string;
  platform: Platform;
  role: ClusterRole;
  location?: string;
  /** Control-plane version (`v1.31.4`), from `/version` or the nodes when known. */
  kubernetesVersion?: string;
}

/** A problem one collector met; the scan goes on and checks that needed the data report `error`. */
export interface CollectorError {
  /** What was being collected: `kube/pods`, `host/etc/kubernetes/pki/ca.crt`, `probe/kms`, `bundle/kube/pods.json`. */
  source: string;
  message: string;
}

/** Minimal shape of any Kubernetes object as `kubectl get -o json` prints it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeMetadata;
  [key: string]: unknown;
}

/** The object metadata fields checks read. */
export interface KubeMetadata {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid?: string; controller?: boolean }[];
  [key: string]: unknown;
}

/**
 * One resource type as collected. `ok` carries the items (an empty list means "none exist");
 * `not-installed` is a 404 on a CRD-backed resource; `forbidden` and `error` carry the collector error.
 * A resource absent from `Evidence.kube` was not collected at all.
 */
export type KubeResource =
  | { status: 'ok'; items: KubeObject[] }
  | { status: 'not-installed' }
  | { status: 'forbidden'; error: CollectorError }
  | { status: 'error'; error: CollectorError };

/** A host file read from a candidate path (or copied into a bundle under `host/`). */
export interface HostFile {
  /** Absolute path on the host, e.g. `/etc/kubernetes/pki/apiserver.crt`. */
  path: string;
  /** Permission bits (`0o600`), when known (bundles made with `cp -p` keep them). */
  mode?: number;
  size?: number;
  /** UTF-8 content. Absent for private keys: see `privateKey`. */
  content?: string;
  /** For private key files only: what checks may know without the key itself. */
  privateKey?: PrivateKeyFacts;
  /** Set when the path exists but could not be read (`EACCES`). */
  error?: string;
}

/** Facts derived from a private key file; the key material itself is never kept in Evidence. */
export interface PrivateKeyFacts {
  /** `rsa`, `ec`, `ed25519`... as `node:crypto` names it. */
  type?: string;
  /** SHA-256 of the DER SubjectPublicKeyInfo of the key's public half, hex; matches `X509Certificate.publicKey`. */
  publicKeySha256?: string;
  /** Why the key could not be read (encrypted, not PEM); never the key itself. */
  error?: string;
}

/** Observation history that the agent's store keeps across scans (absent in a plain bundle). */
export interface ObservationHistory {
  /** Certificates seen in earlier scans, keyed by certificate identity (see `certificateIdentity`). */
  certificates: Record<string, CertificateObservation[]>;
  /** KMS key ids seen in earlier scans, keyed by KMS provider name. */
  kmsKeys: Record<string, KmsKeyObservation[]>;
}

/** One sighting of a certificate at a stable identity (a file path, an endpoint, a secret). */
export interface CertificateObservation {
  serial: string;
  notBefore: string;
  notAfter: string;
  /** First and last scan time at which this serial was seen at this identity. */
  firstSeen: string;
  lastSeen: string;
}

/** One KMS key id and when the agent first and last saw it in use. */
export interface KmsKeyObservation {
  keyId: string;
  firstSeen: string;
  lastSeen: string;
}

/**
 * The whole snapshot. Keys of `kube` are full resource names as in the bundle (`pods`,
 * `networkpolicies.networking.k8s.io`); keys of `host` are absolute paths; keys of `probes` are probe
 * names (`tls-endpoints`, `kms`, `etcd-secrets`), each in the shape `PROBE_SCHEMAS` defines.
 */
export interface Evidence {
  schemaVersion: 1;
  /** When collection happened (bundles: when the bundle was made, from `cluster.json` `collectedAt` or file times). */
  collectedAt: string;
  cluster: ClusterInfo;
  kube: Record<string, KubeResource>;
  host: Record<string, HostFile>;
  probes: ProbeResults;
  /** The cluster's Azure resource documents (`azure/*.json` in a bundle); absent when not collected. */
  azure?: AzureEvidence;
  history?: ObservationHistory;
  collectorErrors: CollectorError[];
  /** Where the evidence came from: `live` or `bundle:<dir>`. */
  source: string;
}

/** Items of a collected resource, or why they are not there (for the check's `error` message). */
export function kubeItems(
  evidence: Evidence,
  resource: string,
): { ok: true; items: KubeObject[] } | { ok: false; reason: string; notInstalled: boolean } {
  const entry = evidence.kube[resource];
  if (!entry) return { ok: false, reason: `${resource} was not collected`, notInstalled: false };
  switch (entry.status) {
    case 'ok':
      return { ok: true, items: entry.items };
    case 'not-installed':
      return { ok: false, reason: `${resource} is not installed on this cluster`, notInstalled: true };
    case 'forbidden':
    case 'error':
      return { ok: false, reason: entry.error.message, notInstalled: false };
  }
}
