import { summarise, type CheckResult, type Evidence, type Report } from '@watchpost/shared';
import { DEFAULT_CHECK_OPTIONS, type CheckOptions, type RegisteredCheck } from '../checks/check.js';
import { registeredChecks } from '../checks/registry.js';

/** Options of one evaluation. `now` is the evaluation time (`--at`); checks never read the clock. */
export interface RunOptions {
  now: Date;
  options?: Partial<CheckOptions>;
  /** Restrict to these check ids (default: all). */
  only?: readonly string[];
  checks?: readonly RegisteredCheck[];
  /**
   * When one check passes on more resources than this, its passes are summarised per namespace (one result
   * with the count and a few names) instead of one result each. Failing, warning and erring results are always
   * kept one per resource. Keeps reports of 10,000-pod clusters small enough to store, send and ingest.
   */
  passSummaryThreshold?: number;
}

/** Default for `RunOptions.passSummaryThreshold`. */
export const DEFAULT_PASS_SUMMARY_THRESHOLD = 50;

function summarisePasses(passes: CheckResult[]): CheckResult[] {
  const groups = new Map<string, CheckResult[]>();
  for (const p of passes) {
    const key = `${p.resource.namespace ?? ''}\u0000${p.resource.kind}`;
    const g = groups.get(key);
    if (g) g.push(p);
    else groups.set(key, [p]);
  }
  const out: CheckResult[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    if (group.length === 1) {
      out.push(first);
      continue;
    }
    const names = group.map((p) => p.resource.name ?? p.resource.path ?? '').filter(Boolean);
    const resource: CheckResult['resource'] = { kind: first.resource.kind };
    if (first.resource.namespace) resource.namespace = first.resource.namespace;
    out.push({
      checkId: first.checkId,
      area: first.area,
      severity: first.severity,
      outcome: 'pass',
      resource,
      message: `${group.length} ${first.resource.kind} resources${first.resource.namespace ? ` in ${first.resource.namespace}` : ''} pass (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''})`,
      evidence: { summarised: group.length, examples: names.slice(0, 5) },
    });
  }
  return out;
}

/** Runs every registered check over the evidence and assembles the report. Never throws for a check's sake. */
export function runChecks(evidence: Evidence, run: RunOptions): Report {
  const options = { ...DEFAULT_CHECK_OPTIONS, ...run.options };
  const checks = run.checks ?? registeredChecks();
  const results: CheckResult[] = [];
  for (const { definition, check } of checks) {
    if (run.only && !run.only.includes(definition.id)) continue;
    const base = { checkId: definition.id, area: definition.area, severity: definition.defaultSeverity };
    const applies = definition.appliesTo;
    const platformOk = !applies?.platforms || applies.platforms.includes(evidence.cluster.platform);
    const roleOk = !applies?.roles || applies.roles.includes(evidence.cluster.role);
    if (!platformOk || !roleOk) {
      results.push({
        ...base,
        outcome: 'not_applicable',
        resource: { kind: 'Cluster', name: evidence.cluster.name },
        message: `applies to ${[applies?.platforms?.join('/'), applies?.roles?.join('/')].filter(Boolean).join(' ')} clusters only`,
      });
      continue;
    }
    try {
      const findings = check.run({ evidence, now: run.now, options });
      const own: CheckResult[] = [];
      for (const f of findings) {
        const r: CheckResult = {
          ...base,
          severity: f.severity ?? base.severity,
          outcome: f.outcome,
          resource: f.resource,
          message: f.message,
        };
        if (f.evidence) r.evidence = f.evidence;
        own.push(r);
      }
      const passes = own.filter((r) => r.outcome === 'pass');
      if (passes.length > (run.passSummaryThreshold ?? DEFAULT_PASS_SUMMARY_THRESHOLD)) {
        results.push(...own.filter((r) => r.outcome !== 'pass'), ...summarisePasses(passes));
      } else results.push(...own);
    } catch (err) {
      // A check must never throw; if one does, say so as an error result instead of losing the scan.
      results.push({
        ...base,
        outcome: 'error',
        resource: { kind: 'Cluster', name: evidence.cluster.name },
        message: `check crashed: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  return {
    schemaVersion: 1,
    scannedAt: evidence.collectedAt,
    evaluatedAt: run.now.toISOString(),
    cluster: evidence.cluster,
    summary: summarise(results),
    results,
    collectorErrors: evidence.collectorErrors,
  };
}
