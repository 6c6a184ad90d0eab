// RFC 4180 CSV, one writer for the agent's `scan --format csv` and the hub's findings export.

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

/**
 * The columns every finding CSV starts with, in order: the agent's `scan --format csv` and the hub's findings export
 * add their own after these, so a spreadsheet built on one reads the other.
 */
export const FINDING_CSV_COLUMNS = [
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
  'remediation',
] as const;
