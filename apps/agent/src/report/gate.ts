import { SEVERITIES, severityRank, type Evidence, type Report, type Severity } from '@watchpost/shared';

/**
 * Exit codes of `scan`, the contract a pipeline relies on (README, docs/agent.md). `incomplete` wins over
 * `findings`: a gate must not read "some findings" as "everything was looked at".
 */
export const SCAN_EXIT = { clean: 0, findings: 1, usage: 2, incomplete: 3 } as const;

/**
 * A scan is incomplete when more than this share of the checks that applied erred (at least one `error`
 * result): too much of the cluster went unchecked for "no findings" to mean anything.
 */
export const MAX_ERRED_CHECK_SHARE = 0.25;

/** What `--fail-on` gates on: failing results at or above a severity, and optionally warn and error outcomes. */
export interface FailOn {
  /** Fail and warn results at or above this severity count; `none`: no severity gate. */
  severity: Severity | 'none';
  /** Warn results at or above `severity` count too (`--fail-on high,warn`). */
  warn: boolean;
  /** Any `error` result counts, whatever its severity (`--fail-on high,error`): a check that could not decide. */
  error: boolean;
}

const FAIL_ON_FORMS = `a severity (${SEVERITIES.join(', ')}) or none, optionally with ",warn" and/or ",error" (e.g. high,error)`;

/** Parses `--fail-on`: `high`, `none`, `medium,warn`, `high,error`, `error` (= `high,error`). */
export function parseFailOn(value: string): FailOn {
  const out: FailOn = { severity: 'high', warn: false, error: false };
  let severitySeen = false;
  for (const raw of value.split(',')) {
    const token = raw.trim().toLowerCase();
    if (token === 'warn') out.warn = true;
    else if (token === 'error') out.error = true;
    else if (token === 'none' || (SEVERITIES as readonly string[]).includes(token)) {
      if (severitySeen) throw new Error(`--fail-on "${value}" names two severities; give ${FAIL_ON_FORMS}`);
      severitySeen = true;
      out.severity = token as Severity | 'none';
    } else throw new Error(`--fail-on "${value}": "${raw.trim()}" is not ${FAIL_ON_FORMS}`);
  }
  return out;
}

/**
 * The results that make `scan` exit 1 under this gate. Exempted results never do (an accepted risk); `error`
 * results are never exempted, so `,error` still sees every check that could not decide.
 */
export function gatingResults(report: Report, gate: FailOn): Report['results'] {
  const atOrAbove = (s: Severity) =>
    gate.severity !== 'none' && severityRank(s) >= severityRank(gate.severity);
  return report.results.filter(
    (r) =>
      (r.exemption === undefined || r.outcome === 'error') &&
      ((r.outcome === 'fail' && atOrAbove(r.severity)) ||
        (r.outcome === 'warn' && gate.warn && atOrAbove(r.severity)) ||
        (r.outcome === 'error' && gate.error)),
  );
}

/** Why a scan cannot be trusted as complete, or undefined when it can. */
export function incompleteReason(evidence: Evidence, report: Report): string | undefined {
  if (evidence.source === 'live') {
    const listed = Object.values(evidence.kube);
    const failed = evidence.collectorErrors.filter((e) => e.source.startsWith('kube/'));
    if (listed.length > 0 && !listed.some((r) => r.status === 'ok')) {
      const first = failed[0]?.message ?? 'no resource could be listed';
      return `the Kubernetes API could not be listed at all (${failed.length} of ${listed.length} resources failed; first: ${first})`;
    }
  }
  const byCheck = new Map<string, { applied: boolean; erred: boolean }>();
  for (const r of report.results) {
    const c = byCheck.get(r.checkId) ?? { applied: false, erred: false };
    if (r.outcome !== 'not_applicable') c.applied = true;
    if (r.outcome === 'error') c.erred = true;
    byCheck.set(r.checkId, c);
  }
  const applied = [...byCheck.values()].filter((c) => c.applied).length;
  const erred = [...byCheck.entries()].filter(([, c]) => c.erred).map(([id]) => id);
  if (applied > 0 && erred.length / applied > MAX_ERRED_CHECK_SHARE)
    return `${erred.length} of ${applied} checks that apply erred (more than ${MAX_ERRED_CHECK_SHARE * 100} %): ${erred.slice(0, 5).join(', ')}${erred.length > 5 ? ', ...' : ''}`;
  return undefined;
}
