import { AREAS, CLUSTER_ROLES, OUTCOMES, PLATFORMS, SEVERITIES } from '@watchpost/shared';
import { z } from 'zod';
import { boolParam, csvEnum, csvStrings, durationParam, limitParam } from './validation.js';
import { DEFAULT_STALE_AFTER_MS, type FindingFilters } from '../posture/index.js';

/** Filters shared by the findings list and the exports. */
export const findingFilterShape = {
  cluster: csvStrings,
  area: csvEnum(AREAS),
  check: csvStrings,
  severity: csvEnum(SEVERITIES),
  outcome: csvEnum(OUTCOMES),
  platform: csvEnum(PLATFORMS),
  resolved: boolParam,
  exempted: boolParam,
};

/** OpenAPI descriptions of the finding filters. */
export const findingFilterDocs = {
  cluster: { description: 'cluster names, comma-separated' },
  area: { description: `areas, comma-separated: ${AREAS.join(', ')}` },
  check: { description: 'check ids, comma-separated' },
  severity: { description: `severities, comma-separated: ${SEVERITIES.join(', ')}` },
  outcome: { description: `outcomes, comma-separated: ${OUTCOMES.join(', ')}` },
  platform: { description: `cluster platforms, comma-separated: ${PLATFORMS.join(', ')}` },
  resolved: {
    description: 'true: only resolved rows; false: only unresolved rows; absent: both',
    enum: ['true', 'false'],
  },
  exempted: {
    description:
      'true: only rows an exemption covers; false: only rows that count (not exempted); absent: both (docs/exemptions.md)',
    enum: ['true', 'false'],
  },
};

export function toFindingFilters(q: {
  cluster?: string[] | undefined;
  area?: FindingFilters['area'];
  check?: string[] | undefined;
  severity?: FindingFilters['severity'];
  outcome?: FindingFilters['outcome'];
  platform?: FindingFilters['platform'];
  resolved?: boolean | undefined;
  exempted?: boolean | undefined;
}): FindingFilters {
  const f: FindingFilters = {};
  if (q.cluster) f.cluster = q.cluster;
  if (q.area) f.area = q.area;
  if (q.check) f.check = q.check;
  if (q.severity) f.severity = q.severity;
  if (q.outcome) f.outcome = q.outcome;
  if (q.platform) f.platform = q.platform;
  if (q.resolved !== undefined) f.resolved = q.resolved;
  if (q.exempted !== undefined) f.exempted = q.exempted;
  return f;
}

export const findingsQuery = z.object({
  ...findingFilterShape,
  limit: limitParam(100, 1000),
  cursor: z.string().max(4096).optional(),
});

export const clustersQuery = z.object({
  platform: csvEnum(PLATFORMS),
  role: csvEnum(CLUSTER_ROLES),
  stale: boolParam,
  staleAfter: durationParam(DEFAULT_STALE_AFTER_MS),
  limit: limitParam(500, 5000),
  cursor: z.string().max(4096).optional(),
});

export const staleAfterQuery = z.object({ staleAfter: durationParam(DEFAULT_STALE_AFTER_MS) });
