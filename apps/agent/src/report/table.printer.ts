import {
  AREAS,
  SEVERITIES,
  severityRank,
  type CheckResult,
  type Outcome,
  type Report,
} from '@watchpost/shared';

const OUTCOME_ORDER: Outcome[] = ['fail', 'error', 'warn', 'pass', 'not_applicable'];
const MARK: Record<Outcome, string> = {
  fail: 'FAIL',
  error: 'ERR ',
  warn: 'WARN',
  pass: 'ok  ',
  not_applicable: 'n/a ',
};

function resourceLabel(r: CheckResult['resource']): string {
  if (r.path) return r.path;
  return [r.kind, [r.namespace, r.name].filter(Boolean).join('/')].filter(Boolean).join(' ');
}

/** Sorts results worst first: outcome, then severity, then check id and resource. */
export function worstFirst(a: CheckResult, b: CheckResult): number {
  return (
    OUTCOME_ORDER.indexOf(a.outcome) - OUTCOME_ORDER.indexOf(b.outcome) ||
    severityRank(b.severity) - severityRank(a.severity) ||
    a.checkId.localeCompare(b.checkId) ||
    resourceLabel(a.resource).localeCompare(resourceLabel(b.resource))
  );
}

/**
 * The human report: a header, counts, then area by area the failing/erring/warning results worst first,
 * with passes summarised as counts (`--verbose` lists them too).
 */
export function renderTable(report: Report, opts: { verbose?: boolean } = {}): string {
  const s = report.summary;
  const lines: string[] = [];
  const c = report.cluster;
  lines.push(
    `Watchpost scan of ${c.name} (${c.platform}, ${c.role}${c.kubernetesVersion ? `, ${c.kubernetesVersion}` : ''})`,
  );
  lines.push(`evaluated at ${report.evaluatedAt}, evidence from ${report.scannedAt}`);
  lines.push(`${s.fail} fail  ${s.error} error  ${s.warn} warn  ${s.pass} pass  ${s.not_applicable} n/a`);
  for (const area of AREAS) {
    const counts = s.byArea[area];
    if (!counts) continue;
    lines.push('');
    lines.push(
      `${area.toUpperCase()}  (${counts.fail} fail, ${counts.error} error, ${counts.warn} warn, ${counts.pass} pass, ${counts.not_applicable} n/a)`,
    );
    const shown = report.results
      .filter(
        (r) =>
          r.area === area &&
          (opts.verbose || r.outcome === 'fail' || r.outcome === 'error' || r.outcome === 'warn'),
      )
      .sort(worstFirst);
    for (const r of shown) {
      lines.push(
        `  ${MARK[r.outcome]} ${r.severity.padEnd(8)} ${r.checkId.padEnd(30)} ${resourceLabel(r.resource)}`,
      );
      lines.push(`       ${r.message}`);
    }
  }
  if (report.collectorErrors.length) {
    lines.push('');
    lines.push(`COLLECTOR ERRORS (${report.collectorErrors.length})`);
    for (const e of report.collectorErrors) lines.push(`  ${e.source}: ${e.message}`);
  }
  lines.push('');
  return lines.join('\n');
}

/** True when a failing result is at or above the severity threshold (`--fail-on`). */
export function hasFindingsAtOrAbove(report: Report, threshold: (typeof SEVERITIES)[number]): boolean {
  return report.results.some(
    (r) => r.outcome === 'fail' && severityRank(r.severity) >= severityRank(threshold),
  );
}
