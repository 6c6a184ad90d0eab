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
      for (const f of findings) {
        const r: CheckResult = {
          ...base,
          severity: f.severity ?? base.severity,
          outcome: f.outcome,
          resource: f.resource,
          message: f.message,
        };
        if (f.evidence) r.evidence = f.evidence;
        results.push(r);
      }
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
