import type {
  KubernetesSupportDocument,
  CheckDefinition,
  CheckResult,
  Evidence,
  Outcome,
  ResourceRef,
  ResultFacts,
  Severity,
} from '@watchpost/shared';

/** Thresholds and knobs checks read; every field has a default in DEFAULT_CHECK_OPTIONS. */
export interface CheckOptions {
  /** Certificates: warn when less than this share of the certificate's own lifetime is left. */
  certWarnLifetimeShare: number;
  /** Certificates: fail when less than this share of its lifetime is left. */
  certCriticalLifetimeShare: number;
  /** Certificates: CAs warn at most this many days before expiry (20 % of a 10-year root would be 2 years). */
  caWarnMaxDays: number;
  /** Certificates: CAs fail at most this many days before expiry. */
  caCriticalMaxDays: number;
  /** Certificates: a leaf living at most this many days is renewed by automation (AKS hybrid's 4-day leaves). */
  certAutoRenewMaxLifetimeDays: number;
  /** KMS: warn when the same key id has been in use longer than this many days. */
  kmsKeyMaxAgeDays: number;
  /** CSRs: pending or denied for longer than this many hours are reported. */
  csrMaxAgeHours: number;
  /** Platform: node images older than this many days are reported. */
  nodeImageMaxAgeDays: number;
  /**
   * Workload: registries images may come from (`myacr.azurecr.io`, `*.azurecr.io`, `ghcr.io/my-org`). Unset: the
   * Azure Container Registries the cluster's pods already pull from, plus `mcr.microsoft.com`.
   */
  allowedRegistries?: string[];
}

/** Defaults, sensible for both 1-year kubeadm leaves and 4-day AKS-hybrid leaves. */
export const DEFAULT_CHECK_OPTIONS: CheckOptions = {
  certWarnLifetimeShare: 0.2,
  certCriticalLifetimeShare: 0.1,
  caWarnMaxDays: 365,
  caCriticalMaxDays: 90,
  certAutoRenewMaxLifetimeDays: 7,
  kmsKeyMaxAgeDays: 30,
  csrMaxAgeHours: 1,
  nodeImageMaxAgeDays: 90,
};

/** What a check gets: the evidence, the evaluation time (never read the clock in a check) and options. */
export interface CheckContext {
  evidence: Evidence;
  now: Date;
  options: CheckOptions;
  /** Kubernetes support data for the platform checks; the build's shipped document when absent. */
  supportData?: KubernetesSupportDocument;
  /**
   * Platform-managed namespaces (exact names or `prefix*`) whose workload findings are `not_applicable`: the
   * agent config's `platformNamespaces`; the built-in list (workload/system-namespaces.ts) when absent.
   */
  platformNamespaces?: readonly string[];
}

/** A result as a check writes it; the runner fills in area and default severity from the catalogue. */
export interface CheckFinding {
  outcome: Outcome;
  resource: ResourceRef;
  message: string;
  /** Overrides the catalogue's default severity for this one result (e.g. expired vs expiring). */
  severity?: Severity;
  evidence?: Record<string, unknown>;
  /** Typed facts the hub reads (`@watchpost/shared` facts); the runner never summarises results that carry them. */
  facts?: ResultFacts;
  /** Already a summary (e.g. one pass per namespace naming every pod): the runner never folds it again. */
  summary?: boolean;
}

/** A finding without its resource: what a check decides, often shared by every resource it holds for. */
export type Verdict = Omit<CheckFinding, 'resource'>;

/**
 * Where a check hands its findings one at a time (`Check.runInto`): the runner makes each result, or counts the
 * finding into its namespace's pass summary, as it comes, with no finding object per resource in between (the
 * workload checks judge 10,000 pods each on a 10,000-pod cluster).
 */
export interface FindingSink {
  /** A finding on `resource`. The verdict may be shared by many resources: a sink reads it, never changes it. */
  add(resource: ResourceRef, verdict: Verdict): void;
}

/** The one finding a check returns when the evidence it needs is missing: `error` on the cluster, naming why. */
export function clusterError(evidence: Evidence, message: string): CheckFinding[] {
  return [{ outcome: 'error', resource: { kind: 'Cluster', name: evidence.cluster.name }, message }];
}

/** A check implementation: a pure function of the context. Never does I/O, never throws. */
export interface Check {
  id: string;
  run(ctx: CheckContext): CheckFinding[];
  /** Optional: `run`'s findings, in the same order, handed to `sink` instead (the runner uses it when there). */
  runInto?(ctx: CheckContext, sink: FindingSink): void;
}

/** The catalogue entry plus implementation, as registered. */
export interface RegisteredCheck {
  definition: CheckDefinition;
  check: Check;
}

export type { CheckResult };
