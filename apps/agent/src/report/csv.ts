import { CATALOGUE, csvRecord, FINDING_CSV_COLUMNS, type CheckResult, type Report } from '@watchpost/shared';
import { worstFirst } from './table.printer.js';

/**
 * CSV columns of `scan --format csv`, in order: the columns every finding CSV starts with, the scan times, then
 * the exemption the agent applied (named as in the hub's findings export; `exemption_source` is annotation or
 * config, `exemption_ref` the object or config entry it came from).
 */
export const SCAN_CSV_COLUMNS = [
  ...FINDING_CSV_COLUMNS,
  'evaluated_at',
  'scanned_at',
  'exempted',
  'exemption_source',
  'exemption_reason',
  'exemption_ref',
  'exemption_expires_at',
] as const;

const DEFINITIONS = new Map(CATALOGUE.map((c) => [c.id, c]));

/** Results an export holds: open findings (fail, warn, error), or every result with `includePasses`. */
export function exportedResults(report: Report, includePasses: boolean): CheckResult[] {
  return report.results.filter(
    (r) => includePasses || r.outcome === 'fail' || r.outcome === 'warn' || r.outcome === 'error',
  );
}

/** The report as RFC 4180 CSV, worst first, with the catalogue's remediation on every row. */
export function toCsv(report: Report, opts: { includePasses?: boolean } = {}): string {
  let out = csvRecord(SCAN_CSV_COLUMNS);
  for (const r of exportedResults(report, opts.includePasses ?? false).sort(worstFirst)) {
    const def = DEFINITIONS.get(r.checkId);
    out += csvRecord([
      report.cluster.name,
      report.cluster.platform,
      r.checkId,
      def?.title,
      r.area,
      r.severity,
      r.outcome,
      r.resource.kind,
      r.resource.namespace,
      r.resource.name,
      r.resource.path,
      r.message,
      def?.remediation,
      report.evaluatedAt,
      report.scannedAt,
      r.exemption ? 'true' : 'false',
      r.exemption?.source,
      r.exemption?.reason,
      r.exemption?.ref,
      r.exemption?.expiresAt,
    ]);
  }
  return out;
}
