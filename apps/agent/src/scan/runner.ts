import {
  builtInSupportDocument,
  summarise,
  type CheckResult,
  type Evidence,
  type KubernetesSupportDocument,
  type Report,
} from '@watchpost/shared';
import {
  DEFAULT_CHECK_OPTIONS,
  type CheckFinding,
  type CheckOptions,
  type RegisteredCheck,
} from '../checks/check.js';
import { registeredChecks } from '../checks/registry.js';
import { applyPolicy, type AgentPolicy } from '../exemptions/policy.js';

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
  /** Kubernetes support data (the newest the agent holds); default: the document shipped with the build. */
  supportData?: KubernetesSupportDocument;
  /** Platform-managed namespaces (config `platformNamespaces`); default: the built-in list. */
  platformNamespaces?: readonly string[];
  /**
   * Config exemptions and severity overrides. `watchpost.io/exempt` annotations in the evidence apply whether or
   * not this is given (exemptions/policy.ts).
   */
  policy?: AgentPolicy;
}

/** Default for `RunOptions.passSummaryThreshold`. */
export const DEFAULT_PASS_SUMMARY_THRESHOLD = 50;

interface PassGroup {
  first: CheckFinding;
  count: number;
  /** The first few names, for the message and evidence (nothing else of the group is kept). */
  names: string[];
}

/**
 * Summarises a check's passes per namespace and kind: one result with the count and a few names. Works on the
 * check's findings directly (no per-pass result object), keyed by nested maps (no per-pass key string): on a
 * 10,000-pod cluster this runs over 80,000 passes.
 */
function summarisePasses(findings: readonly CheckFinding[], base: ResultBase): CheckResult[] {
  const groups: PassGroup[] = [];
  const byNs = new Map<string, Map<string, PassGroup>>();
  for (const f of findings) {
    if (f.outcome !== 'pass' || f.facts || f.summary) continue;
    const ns = f.resource.namespace ?? '';
    let byKind = byNs.get(ns);
    if (!byKind) byNs.set(ns, (byKind = new Map<string, PassGroup>()));
    let g = byKind.get(f.resource.kind);
    if (!g) {
      byKind.set(f.resource.kind, (g = { first: f, count: 0, names: [] }));
      groups.push(g);
    }
    g.count++;
    const n = f.resource.name ?? f.resource.path;
    if (n && g.names.length < 5) g.names.push(n);
  }
  return groups.map(({ first, count, names }) => {
    if (count === 1) return toResult(first, base);
    const resource: CheckResult['resource'] = { kind: first.resource.kind };
    if (first.resource.namespace) resource.namespace = first.resource.namespace;
    return {
      checkId: base.checkId,
      area: base.area,
      severity: first.severity ?? base.severity,
      outcome: 'pass',
      resource,
      message: `${count} ${first.resource.kind} resources${first.resource.namespace ? ` in ${first.resource.namespace}` : ''} pass (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''})`,
      evidence: { summarised: count, examples: names },
    };
  });
}

type ResultBase = Pick<CheckResult, 'checkId' | 'area' | 'severity'>;

function toResult(f: CheckFinding, base: ResultBase): CheckResult {
  const r: CheckResult = {
    checkId: base.checkId,
    area: base.area,
    severity: f.severity ?? base.severity,
    outcome: f.outcome,
    resource: f.resource,
    message: f.message,
  };
  if (f.evidence) r.evidence = f.evidence;
  if (f.facts) r.facts = f.facts;
  return r;
}

/** Runs every registered check over the evidence and assembles the report. Never throws for a check's sake. */
export function runChecks(evidence: Evidence, run: RunOptions): Report {
  const options = { ...DEFAULT_CHECK_OPTIONS, ...run.options };
  const checks = run.checks ?? registeredChecks();
  const supportData = run.supportData ?? builtInSupportDocument();
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
      const findings = check.run({
        evidence,
        now: run.now,
        options,
        supportData,
        ...(run.platformNamespaces ? { platformNamespaces: run.platformNamespaces } : {}),
      });
      // Passes that carry typed facts are the hub's data (expiry lists, metrics): never summarised away.
      let passes = 0;
      for (const f of findings) if (f.outcome === 'pass' && !f.facts && !f.summary) passes++;
      if (passes > (run.passSummaryThreshold ?? DEFAULT_PASS_SUMMARY_THRESHOLD)) {
        for (const f of findings)
          if (f.outcome !== 'pass' || f.facts || f.summary) results.push(toResult(f, base));
        for (const r of summarisePasses(findings, base)) results.push(r);
      } else for (const f of findings) results.push(toResult(f, base));
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
  const report: Report = {
    schemaVersion: 1,
    scannedAt: evidence.collectedAt,
    evaluatedAt: run.now.toISOString(),
    cluster: evidence.cluster,
    summary: summarise(results),
    results,
    collectorErrors: evidence.collectorErrors,
    supportDataVersion: supportData.dataVersion,
  };
  // Exemptions keep outcomes, so the summary stays the scan's own counts.
  return applyPolicy(report, evidence, run.policy ?? {}, run.now);
}
