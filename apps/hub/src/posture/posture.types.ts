import type {
  Area,
  CertificateSourceKind,
  ClusterRole,
  Outcome,
  OutcomeCounts,
  Platform,
  ResourceRef,
  Severity,
} from '@watchpost/shared';
import type { FindingExemptionView } from '../exemptions/posture-rules.js';
import type { ClusterLiveness } from './liveness.js';
import type { PlatformGroup } from './platform-group.js';

/** A page of a list with an opaque cursor to the next one (null on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Filters of the findings list and exports. */
export interface FindingFilters {
  cluster?: string[];
  area?: Area[];
  check?: string[];
  severity?: Severity[];
  outcome?: Outcome[];
  platform?: Platform[];
  /** true: only rows with `resolvedAt`; false: only rows without. */
  resolved?: boolean;
  /** true: only rows an exemption covers; false: only rows that count (not exempted). */
  exempted?: boolean;
}

/** A finding as the API shows it. */
export interface FindingView {
  id: number;
  cluster: string;
  platform: Platform | null;
  agentId: string;
  checkId: string;
  title: string | null;
  area: Area;
  severity: Severity;
  outcome: Outcome;
  resource: ResourceRef;
  resourceKey: string;
  message: string;
  evidence: Record<string, unknown> | null;
  /** Typed facts (`{ type, version, ... }`, `@watchpost/shared` facts) when the result carries them. */
  facts: Record<string, unknown> | null;
  firstSeenAt: string;
  lastSeenAt: string;
  outcomeSince: string;
  resolvedAt: string | null;
  /** Present when an exemption covers the finding: it stays listed but does not count (docs/exemptions.md). */
  exemption?: FindingExemptionView;
  /** Present when a severity override changed `severity` (the effective one) from what the agent reported. */
  severityOverride?: { id: string; from: Severity; expiresAt: string | null };
}

/** One cluster in the clusters list. */
export interface ClusterView {
  name: string;
  platform: Platform;
  platformGroup: PlatformGroup;
  role: ClusterRole;
  location: string | null;
  kubernetesVersion: string | null;
  score: number | null;
  scores: Partial<Record<Area, number>>;
  lastReport: {
    agentId: string | null;
    seq: number | null;
    scannedAt: string | null;
    receivedAt: string | null;
    clockSkewMs: number | null;
  };
  liveness: ClusterLiveness;
  /** Open problems (fail, warn, error; not resolved) by severity. */
  openBySeverity: Record<Severity, number>;
  /** The worst severity among open problems per area (areas with none are absent): the heatmap's marker. */
  worstOpenSeverity: Partial<Record<Area, Severity>>;
}

/** An agent as the API shows it. */
export interface AgentView {
  id: string;
  cluster: string;
  nodeName: string | null;
  status: 'online' | 'offline' | 'unknown';
  statusAt: string | null;
  agentVersion: string | null;
  lastSeq: number | null;
  lastScannedAt: string | null;
  lastReceivedAt: string | null;
  clockSkewMs: number | null;
  droppedTotal: number;
  certificate: {
    serial: string | null;
    notAfter: string | null;
    expiresInDays: number | null;
    expired: boolean | null;
  };
  revoked: boolean;
  revokedAt: string | null;
  /** The identity that replaced this one when its node enrolled again (this one is then revoked). */
  supersededBy: string | null;
  supersededAt: string | null;
  enrolledAt: string;
}

/**
 * A certificate in the fleet's expiry list (from its typed facts): where it lives, when it expires, how much of
 * its lifetime is left, the check's verdict and what to do.
 */
export interface ExpiringCertificate {
  cluster: string;
  platform: Platform | null;
  /** Node it sits on: from the facts, or the reporting agent's node for files and kubeconfigs; null for cluster-wide ones. */
  node: string | null;
  checkId: string;
  outcome: Outcome;
  severity: Severity;
  resource: ResourceRef;
  /** Where it lives: file path, kubeconfig user, secret, webhook or endpoint. */
  source: { kind: CertificateSourceKind; locator: string };
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  /** Days left (negative once expired), to a tenth, as of the hub's now. */
  expiresInDays: number;
  lifetimeDays: number;
  /** Share of its own lifetime left, in percent (negative once expired, floored at -100). */
  lifetimeLeftPercent: number;
  /** The agent judges the platform renews it (AKS hybrid 4-day leaves, kubelet rotation, cert-manager). */
  renewedAutomatically: boolean;
  renewedBy: string | null;
  renewalDueAt: string;
  message: string;
  /** The catalogue's remediation of the check. */
  remediation: string | null;
}

/** Counts per outcome plus the pooled score (pass share of evaluated results). */
export type AreaPosture = OutcomeCounts & { score: number | null; averageClusterScore: number | null };

/** One platform group in the fleet summary. */
export interface GroupSummary {
  clusters: number;
  platforms: Partial<Record<Platform, number>>;
  score: number | null;
  byArea: Record<Area, AreaPosture>;
  openBySeverity: Record<Severity, number>;
}

/** A KMS key per cluster and provider, from `kms-key-rotation`'s typed facts. */
export interface KmsKeyAge {
  cluster: string;
  platform: Platform | null;
  outcome: Outcome;
  resource: ResourceRef;
  provider: string;
  apiVersion: 'v1' | 'v2';
  keyId: string | null;
  /** First scan that saw this key in its current stretch of use. */
  firstSeen: string | null;
  /** When the agent saw the rotation to this key; null when it never did. */
  rotatedAt: string | null;
  /** Days since `firstSeen`, to the hub's now: exact when `ageExact`, else at least this; null when unknown. */
  ageDays: number | null;
  ageExact: boolean;
  maxAgeDays: number;
  message: string;
}

/** The fleet summary document. */
export interface FleetSummary {
  generatedAt: string;
  staleAfterSeconds: number;
  clusters: { total: number; online: number; offline: number; unknown: number; stale: number };
  groups: Record<PlatformGroup, GroupSummary>;
  expiringCertificates: ExpiringCertificate[];
  staleClusters: {
    name: string;
    platform: Platform;
    lastReceivedAt: string | null;
    reportAgeSeconds: number | null;
  }[];
  /** KMS keys across the fleet: how many clusters report one, the median age, and the oldest ones. */
  kmsKeys: {
    clusters: number;
    /** Keys whose age is known at least as a lower bound (seen before), and those known exactly (rotation seen). */
    withKnownAge: number;
    withExactAge: number;
    medianAgeDays: number | null;
    oldest: KmsKeyAge[];
  };
  /** IMDS exposure from `netpol-imds-egress` facts (system namespaces excluded). */
  imdsExposure: {
    clustersReporting: number;
    clustersExposed: number;
    namespacesExposed: number;
    podsReaching: number;
  };
}
