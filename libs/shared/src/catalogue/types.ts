import type { ClusterRole, Platform } from '../evidence/evidence.js';

/** The areas of DESIGN.md section 3, in display order. */
export const AREAS = [
  'certificates',
  'encryption',
  'network',
  'identity',
  'access',
  'workload',
  'platform',
] as const;
/** One of the seven posture areas. */
export type Area = (typeof AREAS)[number];

/** Closed set of severities, worst first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
/** How bad a failing result of a check is. */
export type Severity = (typeof SEVERITIES)[number];

/** Rank for sorting and `--fail-on`: critical = 4 ... info = 0. */
export function severityRank(s: Severity): number {
  return SEVERITIES.length - 1 - SEVERITIES.indexOf(s);
}

/** A reference: a CIS Kubernetes Benchmark id or a documentation link. */
export interface CheckReference {
  title: string;
  url?: string;
  cis?: string;
}

/** One catalogue entry: data only, the single source for agent, hub, docs and web page. */
export interface CheckDefinition {
  /** Stable kebab-case id: never renamed or reused (retire with `deprecated`). */
  id: string;
  title: string;
  area: Area;
  defaultSeverity: Severity;
  /** Platforms and roles the check applies to; omitted = all. */
  appliesTo?: { platforms?: Platform[]; roles?: ClusterRole[] };
  /** Why it matters, one short paragraph. */
  description: string;
  /** How to fix, copy-pasteable. */
  remediation: string;
  references: CheckReference[];
  deprecated?: boolean;
}
