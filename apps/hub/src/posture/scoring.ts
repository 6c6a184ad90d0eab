import type { Area, OutcomeCounts, ReportSummary } from '@watchpost/shared';

/**
 * Score of one outcome count: share of evaluated results that passed, 0-100, or null when nothing was evaluated
 * (pass / (pass + fail + warn + error); not_applicable does not count). Every score the hub shows is this formula,
 * over counts that leave exempted findings out (docs/exemptions.md: like not_applicable, not in the denominator).
 */
export function scoreOf(c: OutcomeCounts): number | null {
  const evaluated = c.pass + c.fail + c.warn + c.error;
  return evaluated === 0 ? null : Math.round((100 * c.pass) / evaluated);
}

/** A cluster's score per area from one report's summary; areas with nothing evaluated are absent. */
export function areaScores(summary: ReportSummary): Partial<Record<Area, number>> {
  const out: Partial<Record<Area, number>> = {};
  for (const [area, counts] of Object.entries(summary.byArea) as [Area, OutcomeCounts | undefined][]) {
    const s = counts ? scoreOf(counts) : null;
    if (s !== null) out[area] = s;
  }
  return out;
}

/**
 * Mean of per-cluster scores, rounded (every cluster weighs the same, however many resources it has); null for
 * none. Contrast with the pooled score, `scoreOf` of the summed counts, where a big cluster weighs more.
 */
export function averageScore(scores: readonly number[]): number | null {
  return scores.length ? Math.round(scores.reduce((s, x) => s + x, 0) / scores.length) : null;
}
