import { CATALOGUE, csvRecord, FINDING_CSV_COLUMNS } from '@watchpost/shared';
import type { FindingView } from '../posture/index.js';

const REMEDIATION = new Map(CATALOGUE.map((c) => [c.id, c.remediation]));

/** CSV columns of the findings export, in order. */
export const FINDINGS_CSV_COLUMNS = [
  ...FINDING_CSV_COLUMNS,
  'first_seen_at',
  'last_seen_at',
  'outcome_since',
  'resolved_at',
  'agent_id',
  'exempted',
  'exemption_id',
  'exemption_reason',
  'exemption_author',
  'exemption_expires_at',
  'exemption_source',
  'exemption_ref',
  'reported_severity',
] as const;

export function findingsCsvHeader(): string {
  return csvRecord(FINDINGS_CSV_COLUMNS);
}

/** One finding as a CSV record; `severity` is the effective one, `reported_severity` set when overridden. */
export function findingCsvRow(f: FindingView): string {
  const exemption = f.exemption;
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
    REMEDIATION.get(f.checkId) ?? '',
    f.firstSeenAt,
    f.lastSeenAt,
    f.outcomeSince,
    f.resolvedAt,
    f.agentId,
    exemption ? 'true' : 'false',
    exemption?.id,
    exemption?.reason,
    exemption?.author,
    exemption?.expiresAt,
    exemption?.source,
    exemption?.ref,
    f.severityOverride?.from,
  ]);
}
