import type { FindingView } from '../posture/index.js';

/** CSV columns of the findings export, in order. */
export const FINDINGS_CSV_COLUMNS = [
  'cluster',
  'platform',
  'check_id',
  'title',
  'area',
  'severity',
  'outcome',
  'resource_kind',
  'resource_namespace',
  'resource_name',
  'resource_path',
  'message',
  'first_seen_at',
  'last_seen_at',
  'outcome_since',
  'resolved_at',
  'agent_id',
] as const;

/**
 * One RFC 4180 field: quoted when it holds a comma, a double quote, CR or LF (quotes doubled), else as is.
 * Leading spaces are kept (RFC 4180 says spaces are part of the field).
 */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record, CRLF-terminated as RFC 4180 asks. */
export function csvRecord(fields: readonly (string | number | null | undefined)[]): string {
  return fields.map(csvField).join(',') + '\r\n';
}

export function findingsCsvHeader(): string {
  return csvRecord(FINDINGS_CSV_COLUMNS);
}

export function findingCsvRow(f: FindingView): string {
  return csvRecord([
    f.cluster,
    f.platform,
    f.checkId,
    f.title,
    f.area,
    f.severity,
    f.outcome,
    f.resource.kind,
    f.resource.namespace,
    f.resource.name,
    f.resource.path,
    f.message,
    f.firstSeenAt,
    f.lastSeenAt,
    f.outcomeSince,
    f.resolvedAt,
    f.agentId,
  ]);
}
