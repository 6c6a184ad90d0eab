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
