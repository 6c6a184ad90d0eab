import type {
  Area,
  ClusterRole,
  Outcome,
  OutcomeCounts,
  Platform,
  ResourceRef,
  Severity,
} from '@watchpost/shared';
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
  firstSeenAt: string;
  lastSeenAt: string;
  outcomeSince: string;
  resolvedAt: string | null;
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
  enrolledAt: string;
}

/** An expiring certificate found by the certificates area. */
export interface ExpiringCertificate {
  cluster: string;
  platform: Platform | null;
  checkId: string;
  outcome: Outcome;
  severity: Severity;
  resource: ResourceRef;
  notAfter: string;
  expiresInDays: number;
  subject: string | null;
  message: string;
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

/** KMS key facts per cluster, from `kms-key-rotation` evidence. */
export interface KmsKeyAge {
  cluster: string;
  platform: Platform | null;
  outcome: Outcome;
  resource: ResourceRef;
  keyId: string | null;
  ageDays: number | null;
  rotatedAt: string | null;
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
  kmsKeys: { clusters: number; withKnownAge: number; medianAgeDays: number | null; oldest: KmsKeyAge[] };
}
