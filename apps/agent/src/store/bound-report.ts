import { summarise, type CheckResult, type Report } from '@watchpost/shared/report';
import {
  MAX_ENVELOPE_COLLECTOR_ERRORS,
  MAX_ENVELOPE_JSON_BYTES,
  MAX_ENVELOPE_RESULTS,
  type ReportEnvelopeV1,
} from '@watchpost/shared/wire';

/** Bounds one envelope must respect (the shared constants by default; tests pass small ones). */
export interface EnvelopeBounds {
  maxResults: number;
  maxJsonBytes: number;
  maxCollectorErrors: number;
}

/** The wire bounds from `@watchpost/shared`. */
export const DEFAULT_ENVELOPE_BOUNDS: EnvelopeBounds = {
  maxResults: MAX_ENVELOPE_RESULTS,
  maxJsonBytes: MAX_ENVELOPE_JSON_BYTES,
  maxCollectorErrors: MAX_ENVELOPE_COLLECTOR_ERRORS,
};

/** A report within the bounds, and what folding did (undefined when nothing had to change). */
export interface BoundedReport {
  report: Report;
  bounded?: NonNullable<ReportEnvelopeV1['bounded']>;
}

/**
 * Fits a scan into one envelope without dropping anything silently. Passes go first (folded per check,
 * namespace and kind, as the runner already does past 50), then failing, warning and erring results, in ever
 * coarser groups (check + outcome + severity + namespace + kind, then without namespace, then without kind), each
 * group one result whose `evidence.summarised` says how many it stands for and whose message names a few. A
 * fold never merges outcomes, severities or exemptions (exempted with open, or two different exemptions), so the
 * hub still sees every failing check at its severity and counts exempted ones apart, and
 * `bounded.resultCounts` keeps the scan's own counts. Collector errors past the cap are counted in one last error.
 */
export function boundReport(
  report: Report,
  bounds: EnvelopeBounds = DEFAULT_ENVELOPE_BOUNDS,
  extraBytes = 0,
): BoundedReport {
  const fits = (r: Report) =>
    r.results.length <= bounds.maxResults && jsonBytes(r) + extraBytes <= bounds.maxJsonBytes;
  if (fits(report) && report.collectorErrors.length <= bounds.maxCollectorErrors) return { report };
  const before = summarise(report.results);
  let collectorErrors = report.collectorErrors;
  if (collectorErrors.length > bounds.maxCollectorErrors) {
    const kept = collectorErrors.slice(0, bounds.maxCollectorErrors - 1);
    collectorErrors = [
      ...kept,
      {
        source: 'agent/report-bounds',
        message: `${report.collectorErrors.length - kept.length} more collector errors not listed (an envelope carries at most ${bounds.maxCollectorErrors}); scan locally to see them all`,
      },
    ];
  }
  let results = report.results;
  const reasons: string[] = [];
  if (results.length > bounds.maxResults)
    reasons.push(`${results.length} results, over the ${bounds.maxResults}-result cap`);
  else if (!fits(report))
    reasons.push(`${jsonBytes(report)} bytes of JSON, over the ${bounds.maxJsonBytes}-byte cap`);
  if (report.collectorErrors.length > bounds.maxCollectorErrors)
    reasons.push(
      `${report.collectorErrors.length} collector errors, over the ${bounds.maxCollectorErrors} cap`,
    );
  const levels: ((r: CheckResult) => string)[] = [
    (r) => `${r.resource.namespace ?? ''}\u0000${r.resource.kind}`,
    (r) => r.resource.kind,
    () => '',
  ];
  const current = (): Report => ({ ...report, results, summary: summarise(results), collectorErrors });
  // Passes first at every level, then everything; stop as soon as it fits.
  for (const level of levels) {
    for (const which of ['pass', 'all'] as const) {
      if (fits(current())) break;
      results = fold(results, level, which === 'pass' ? (r) => r.outcome === 'pass' : () => true);
    }
  }
  // Still too big only if single messages are huge: shorten them (the catalogue's text is on the hub anyway).
  if (!fits(current()))
    results = results.map((r) =>
      r.message.length > 512 ? { ...r, message: r.message.slice(0, 509) + '...' } : r,
    );
  return {
    report: current(),
    bounded: {
      resultCounts: {
        pass: before.pass,
        fail: before.fail,
        warn: before.warn,
        error: before.error,
        not_applicable: before.not_applicable,
      },
      collectorErrors: report.collectorErrors.length,
      reason: reasons.join('; ').slice(0, 1024),
    },
  };
}

function jsonBytes(r: Report): number {
  return Buffer.byteLength(JSON.stringify(r), 'utf8');
}

/** How many resources a result stands for (a folded or summarised result says so in its evidence). */
function weight(r: CheckResult): number {
  const n = r.evidence?.['summarised'];
  return typeof n === 'number' && n > 0 ? n : 1;
}

function exampleNames(r: CheckResult): string[] {
  const ex = r.evidence?.['examples'];
  if (Array.isArray(ex)) return ex.filter((x): x is string => typeof x === 'string');
  const n = r.resource.name ?? r.resource.path;
  return n ? [n] : [];
}

/** Folds the results `select` picks into one per (check, outcome, severity, `key`), keeping order of first sight. */
function fold(
  results: readonly CheckResult[],
  key: (r: CheckResult) => string,
  select: (r: CheckResult) => boolean,
): CheckResult[] {
  const out: CheckResult[] = [];
  const groups = new Map<string, { index: number; members: CheckResult[] }>();
  for (const r of results) {
    if (!select(r)) {
      out.push(r);
      continue;
    }
    const k = `${r.checkId}\u0000${r.outcome}\u0000${r.severity}\u0000${exemptionKey(r)}\u0000${key(r)}`;
    const g = groups.get(k);
    if (g) g.members.push(r);
    else {
      groups.set(k, { index: out.length, members: [r] });
      out.push(r);
    }
  }
  for (const { index, members } of groups.values()) {
    if (members.length === 1) continue;
    const first = members[0];
    const count = members.reduce((a, m) => a + weight(m), 0);
    const examples = [...new Set(members.flatMap(exampleNames))].slice(0, 5);
    const resource: CheckResult['resource'] = {
      kind: members.every((m) => m.resource.kind === first.resource.kind) ? first.resource.kind : 'Resource',
    };
    if (first.resource.namespace && members.every((m) => m.resource.namespace === first.resource.namespace))
      resource.namespace = first.resource.namespace;
    const where = resource.namespace ? ` in ${resource.namespace}` : '';
    out[index] = {
      checkId: first.checkId,
      area: first.area,
      severity: first.severity,
      outcome: first.outcome,
      resource,
      message:
        first.outcome === 'pass'
          ? `${count} ${resource.kind} resources${where} pass (${examples.slice(0, 3).join(', ')}${examples.length > 3 ? ', ...' : ''})`
          : `${count} ${resource.kind} resources${where}: ${first.outcome} (${examples.slice(0, 3).join(', ')}${count > 3 ? ', ...' : ''}), folded into one result because the report was over its size cap; run \`watchpost-agent scan --check ${first.checkId}\` to list each. First: ${first.message}`.slice(
              0,
              8192,
            ),
      evidence: { summarised: count, examples, folded: true },
    };
    // Members share the exemption's source, reason and expiry (the fold key); the refs may differ.
    if (first.exemption) {
      const refs = [...new Set(members.map((m) => m.exemption?.ref).filter((x): x is string => !!x))];
      const exemption = { ...first.exemption };
      if (refs.length > 1) exemption.ref = `${refs[0]} and ${refs.length - 1} more`.slice(0, 1024);
      out[index].exemption = exemption;
    }
  }
  return out;
}

/**
 * Exempted and open results never fold together (the hub would count the whole group one way), nor do results
 * under different exemptions: the fold key carries the exemption's source, reason and expiry.
 */
function exemptionKey(r: CheckResult): string {
  const e = r.exemption;
  return e ? `${e.source}\u0001${e.reason}\u0001${e.expiresAt ?? ''}` : '';
}
