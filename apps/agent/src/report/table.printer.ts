import {
  AREAS,
  CATALOGUE,
  severityRank,
  type CheckDefinition,
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
/** Remediation is shown under results that need fixing; an `error` says itself what is missing. */
const NEEDS_FIX: ReadonlySet<Outcome> = new Set(['fail', 'warn']);
const DEFINITIONS = new Map<string, CheckDefinition>(CATALOGUE.map((c) => [c.id, c]));

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
 * Word-wraps prose to `width` columns: the first line after `indent`, the others after `hanging` (default the
 * same). Words longer than a line (paths, URLs) are left whole.
 */
export function wrap(text: string, indent: string, width: number, hanging = indent): string[] {
  const out: string[] = [];
  let prefix = indent;
  let line = '';
  // "12 %" stays on one line.
  for (const word of text.split(/\s+(?!%)/).filter(Boolean)) {
    if (line && prefix.length + line.length + 1 + word.length > width) {
      out.push(prefix + line);
      prefix = hanging;
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(prefix + line);
  return out;
}

/** Options of the human report. */
export interface TableOptions {
  /** List passing and not-applicable results too. */
  verbose?: boolean;
  /** Print each failing or warning check's remediation under its results (default on). */
  remediation?: boolean;
  /** Wrap messages at this many columns (default 100). */
  width?: number;
  /** List exempted results (marked, with the reason); by default they are only counted. */
  showExempted?: boolean;
}

/** `annotation on Deployment default/legacy-app, until 2027-03-31T00:00:00.000Z` */
function exemptionLabel(e: NonNullable<CheckResult['exemption']>): string {
  const from = e.source === 'annotation' ? `annotation on ${e.ref ?? '?'}` : (e.ref ?? 'config');
  return `${from}${e.expiresAt ? `, until ${e.expiresAt}` : ''}`;
}

/**
 * The human report: a header, counts, then area by area the checks that failed, erred or warned, worst first.
 * A check's results sit together under one heading (outcome, severity, id, title), each resource with its
 * message, then once per check the catalogue's remediation ("fix:"), copy-pasteable as written. Passes are
 * counted, and listed with `verbose`.
 */
export function renderTable(report: Report, opts: TableOptions = {}): string {
  const width = opts.width ?? 100;
  const s = report.summary;
  const lines: string[] = [];
  const c = report.cluster;
  const fixShown = new Set<string>();
  lines.push(
    `Watchpost scan of ${c.name} (${c.platform}, ${c.role}${c.kubernetesVersion ? `, ${c.kubernetesVersion}` : ''})`,
  );
  lines.push(`evaluated at ${report.evaluatedAt}, evidence from ${report.scannedAt}`);
  lines.push(`${s.fail} fail  ${s.error} error  ${s.warn} warn  ${s.pass} pass  ${s.not_applicable} n/a`);
  const exempted = report.results.filter((r) => r.exemption);
  if (exempted.length)
    lines.push(
      `${exempted.length} of the fail/warn results are exempted (accepted risks: not gated by --fail-on)${opts.showExempted ? '' : '; --show-exempted lists them'}`,
    );
  for (const area of AREAS) {
    const counts = s.byArea[area];
    if (!counts) continue;
    lines.push('');
    const exemptedHere = exempted.filter((r) => r.area === area).length;
    lines.push(
      `${area.toUpperCase()}  (${counts.fail} fail, ${counts.error} error, ${counts.warn} warn, ${counts.pass} pass, ${counts.not_applicable} n/a${exemptedHere ? `; ${exemptedHere} exempted` : ''})`,
    );
    const shown = report.results
      .filter(
        (r) =>
          r.area === area &&
          (opts.verbose || r.outcome !== 'pass') &&
          r.outcome !== 'not_applicable' &&
          (opts.showExempted || !r.exemption),
      )
      .concat(
        opts.verbose ? report.results.filter((r) => r.area === area && r.outcome === 'not_applicable') : [],
      )
      .sort(worstFirst);
    // One block per check and outcome, in worst-first order of their first result.
    const blocks = new Map<string, CheckResult[]>();
    for (const r of shown) {
      const key = `${r.checkId}\u0000${r.outcome}\u0000${r.severity}\u0000${r.exemption ? 'x' : ''}`;
      const block = blocks.get(key);
      if (block) block.push(r);
      else blocks.set(key, [r]);
    }
    for (const results of blocks.values()) {
      const first = results[0];
      const def = DEFINITIONS.get(first.checkId);
      const count = results.length > 1 ? ` (${results.length})` : '';
      lines.push(
        `  ${MARK[first.outcome]} ${first.severity.padEnd(8)} ${first.checkId}${def ? `: ${def.title}` : ''}${count}${first.exemption ? ' EXEMPTED' : ''}`,
      );
      for (const r of results) {
        lines.push(`       - ${resourceLabel(r.resource)}`);
        lines.push(...wrap(r.message, '         ', width));
        if (r.exemption)
          lines.push(
            ...wrap(`exempted (${exemptionLabel(r.exemption)}): ${r.exemption.reason}`, '         ', width),
          );
      }
      // An accepted risk needs no fix today; the remediation shows with the open results of the same check.
      if (opts.remediation !== false && def && NEEDS_FIX.has(first.outcome) && !first.exemption) {
        // A check with both failing and warning results shows its remediation once, under the worse block.
        if (fixShown.has(def.id)) lines.push(`       fix: as for ${def.id} above`);
        else {
          fixShown.add(def.id);
          lines.push('       fix:');
          for (const l of def.remediation.split('\n')) lines.push(`         ${l}`.trimEnd());
        }
      }
    }
  }
  if (report.collectorErrors.length) {
    lines.push('');
    lines.push(`COLLECTOR ERRORS (${report.collectorErrors.length})`);
    for (const e of report.collectorErrors)
      lines.push(...wrap(`${e.source}: ${e.message}`, '  - ', width, '    '));
  }
  lines.push('');
  return lines.join('\n');
}
