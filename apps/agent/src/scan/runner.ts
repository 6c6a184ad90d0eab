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

/** Passes that the runner may fold into a summary (typed facts and summaries are the hub's data: never). */
function summarisable(f: CheckFinding): boolean {
  return f.outcome === 'pass' && !f.facts && !f.summary;
}

/**
 * A check's passes per namespace and kind, summarised as one result with the count and a few names. Built from
 * the check's findings directly (no per-pass result object), keyed by nested maps (no per-pass key string): on
 * a 10,000-pod cluster this runs over 80,000 passes.
 */
class PassGroups {
  private readonly groups: PassGroup[] = [];
  private readonly byNs = new Map<string, Map<string, PassGroup>>();
  // The group of the previous pass: checks walk workloads namespace by namespace, so nearly every pass joins
  // the group the one before it joined, found without the two map lookups.
  private last: PassGroup | undefined;
  private lastNs: string | undefined;
  private lastKind = '';

  add(f: CheckFinding): void {
    const ns = f.resource.namespace ?? '';
    const kind = f.resource.kind;
    let g = ns === this.lastNs && kind === this.lastKind ? this.last : undefined;
    if (!g) {
      let byKind = this.byNs.get(ns);
      if (!byKind) this.byNs.set(ns, (byKind = new Map<string, PassGroup>()));
      g = byKind.get(kind);
      if (!g) {
        byKind.set(kind, (g = { first: f, count: 0, names: [] }));
        this.groups.push(g);
      }
      this.last = g;
      this.lastNs = ns;
      this.lastKind = kind;
    }
    g.count++;
    const n = f.resource.name ?? f.resource.path;
    if (n && g.names.length < 5) g.names.push(n);
  }

  results(base: ResultBase): CheckResult[] {
    return this.groups.map(({ first, count, names }) => {
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
      // One walk of the findings: results for what is never summarised (in order), passes grouped as they
      // come. Indexed loops: this runs once per check, mostly before the optimising compiler gets to it, and
      // there a for-of allocates an iterator result per finding.
      const kept: CheckResult[] = [];
      const groups = new PassGroups();
      let passes = 0;
      for (let i = 0; i < findings.length; i++) {
        const f = findings[i];
        if (summarisable(f)) {
          passes++;
          groups.add(f);
        } else kept.push(toResult(f, base));
      }
      if (passes > (run.passSummaryThreshold ?? DEFAULT_PASS_SUMMARY_THRESHOLD)) {
        for (let i = 0; i < kept.length; i++) results.push(kept[i]);
        const summarised = groups.results(base);
        for (let i = 0; i < summarised.length; i++) results.push(summarised[i]);
      } else {
        // Few passes: every finding as it came, passes included.
        let k = 0;
        for (let i = 0; i < findings.length; i++)
          results.push(summarisable(findings[i]) ? toResult(findings[i], base) : kept[k++]);
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
