import type { Area, Severity } from '../catalogue/types.js';
import type { ClusterInfo, CollectorError } from '../evidence/evidence.js';
import type { WireFacts } from '../facts/facts.js';

/** The closed set of outcomes. A check that could not run says `error`, never `pass`. */
export const OUTCOMES = ['pass', 'fail', 'warn', 'error', 'not_applicable'] as const;
/** Outcome of one result. */
export type Outcome = (typeof OUTCOMES)[number];

/** What a result is about. */
export interface ResourceRef {
  kind: string;
  namespace?: string;
  name?: string;
  path?: string;
}

/** One result of one check about one resource. */
export interface CheckResult {
  checkId: string;
  area: Area;
  severity: Severity;
  outcome: Outcome;
  resource: ResourceRef;
  message: string;
  /** Small structured facts behind the verdict, for people (never secret values). */
  evidence?: Record<string, unknown>;
  /** Typed, versioned facts the hub reads (`facts/facts.ts`); optional, absent on checks that have none. */
  facts?: WireFacts;
  /**
   * Set when the agent exempted this result (an accepted risk): the outcome is kept as found, but the result
   * does not count toward scores, open findings or `scan --fail-on`. Never set on `error` results.
   */
  exemption?: ResultExemption;
}

/** An accepted risk the agent applied to one result (issue 17; see docs/exemptions.md). */
export interface ResultExemption {
  /** `annotation`: `watchpost.io/exempt` on the workload or its namespace; `config`: the agent's config file. */
  source: 'annotation' | 'config';
  /** Why the risk is accepted (`watchpost.io/exempt-reason`, or the config entry's `reason`). */
  reason: string;
  /** Where it came from: e.g. `Deployment default/legacy-app` or `config exemptions[2]`. */
  ref?: string;
  /** When it stops applying (config entries must have one; annotations may carry `watchpost.io/exempt-until`). */
  expiresAt?: string;
}

/** Counts per outcome. */
export type OutcomeCounts = Record<Outcome, number>;

/** Counts per outcome, overall and per area. */
export interface ReportSummary extends OutcomeCounts {
  byArea: Partial<Record<Area, OutcomeCounts>>;
}

/** The JSON report contract (also the body of the wire envelope). */
export interface Report {
  schemaVersion: 1;
  scannedAt: string;
  evaluatedAt: string;
  cluster: ClusterInfo;
  summary: ReportSummary;
  results: CheckResult[];
  collectorErrors: CollectorError[];
  /** `dataVersion` of the Kubernetes support data the checks used (tells the hub whether to send newer data). */
  supportDataVersion?: string;
}

/** Zero counts, a fresh object each call. */
export function emptyCounts(): OutcomeCounts {
  return { pass: 0, fail: 0, warn: 0, error: 0, not_applicable: 0 };
}

/** Summary of a result list. */
export function summarise(results: readonly CheckResult[]): ReportSummary {
  const summary: ReportSummary = { ...emptyCounts(), byArea: {} };
  for (const r of results) {
    summary[r.outcome] += 1;
    const area = (summary.byArea[r.area] ??= emptyCounts());
    area[r.outcome] += 1;
  }
  return summary;
}
