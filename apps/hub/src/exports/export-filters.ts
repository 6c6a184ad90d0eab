import type { Outcome } from '@watchpost/shared';
import type { FindingFilters } from '../posture/index.js';

/** What an export holds when the query does not say: open findings, the rows someone has to act on. */
export const OPEN_OUTCOMES: readonly Outcome[] = ['fail', 'warn', 'error'];

/**
 * The filters an export applies. Exports default to open findings: outcome fail, warn or error, and not
 * resolved. `includePasses=true` drops the outcome default (pass and not_applicable rows too); an explicit
 * `outcome` or `resolved` always wins over the defaults.
 */
export function exportFilters(asked: FindingFilters, includePasses: boolean): FindingFilters {
  const f: FindingFilters = { ...asked };
  if (!f.outcome && !includePasses) f.outcome = [...OPEN_OUTCOMES];
  if (f.resolved === undefined) f.resolved = false;
  return f;
}
