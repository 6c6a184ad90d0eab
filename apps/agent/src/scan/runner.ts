import {
  builtInSupportDocument,
  summarise,
  type CheckResult,
  type Evidence,
  type KubernetesSupportDocument,
  type Report,
  type ResourceRef,
} from '@watchpost/shared';
import {
  DEFAULT_CHECK_OPTIONS,
  type CheckContext,
  type CheckOptions,
  type FindingSink,
  type RegisteredCheck,
  type Verdict,
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
  /** The group's first pass: its result when it stays alone, its kind, namespace and severity otherwise. */
  resource: ResourceRef;
  verdict: Verdict;
  count: number;
  /** The first few names, for the message and evidence (nothing else of the group is kept). */
  names: string[];
}

/** Passes that the runner may fold into a summary (typed facts and summaries are the hub's data: never). */
function summarisable(v: Verdict): boolean {
  return v.outcome === 'pass' && !v.facts && !v.summary;
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

  add(resource: ResourceRef, verdict: Verdict): void {
    const ns = resource.namespace ?? '';
    const kind = resource.kind;
    let g = ns === this.lastNs && kind === this.lastKind ? this.last : undefined;
    if (!g) {
      let byKind = this.byNs.get(ns);
      if (!byKind) this.byNs.set(ns, (byKind = new Map<string, PassGroup>()));
      g = byKind.get(kind);
      if (!g) {
        byKind.set(kind, (g = { resource, verdict, count: 0, names: [] }));
        this.groups.push(g);
      }
      this.last = g;
      this.lastNs = ns;
      this.lastKind = kind;
    }
    g.count++;
    const n = resource.name ?? resource.path;
    if (n && g.names.length < 5) g.names.push(n);
  }

  results(base: ResultBase): CheckResult[] {
    return this.groups.map(({ resource: first, verdict, count, names }) => {
      if (count === 1) return toResult(first, verdict, base);
      const resource: CheckResult['resource'] = { kind: first.kind };
      if (first.namespace) resource.namespace = first.namespace;
      return {
        checkId: base.checkId,
        area: base.area,
        severity: verdict.severity ?? base.severity,
        outcome: 'pass',
        resource,
        message: `${count} ${first.kind} resources${first.namespace ? ` in ${first.namespace}` : ''} pass (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''})`,
        evidence: { summarised: count, examples: names },
      };
    });
  }
}

type ResultBase = Pick<CheckResult, 'checkId' | 'area' | 'severity'>;

function toResult(resource: ResourceRef, v: Verdict, base: ResultBase): CheckResult {
  const r: CheckResult = {
    checkId: base.checkId,
    area: base.area,
    severity: v.severity ?? base.severity,
    outcome: v.outcome,
    resource,
    message: v.message,
  };
  if (v.evidence) r.evidence = v.evidence;
  if (v.facts) r.facts = v.facts;
  return r;
}

/**
 * One check's results, made as its findings come (a check's `runInto`, or the list `run` returned). While the
 * passes do not outnumber the threshold, findings are held in order (a resource and a verdict each) in case
 * every one keeps its own result; once they do, what is never summarised becomes its result at once and passes
 * are counted into their groups, so nothing is held per pass.
 */
class CheckResults implements FindingSink {
  private resources: ResourceRef[] | undefined = [];
  private verdicts: Verdict[] = [];
  private passes = 0;
  private readonly kept: CheckResult[] = [];
  private readonly groups = new PassGroups();

  constructor(
    private readonly base: ResultBase,
    private readonly threshold: number,
  ) {}

  add(resource: ResourceRef, verdict: Verdict): void {
    if (!this.resources) {
      if (summarisable(verdict)) this.groups.add(resource, verdict);
      else this.kept.push(toResult(resource, verdict, this.base));
      return;
    }
    this.resources.push(resource);
    this.verdicts.push(verdict);
    if (summarisable(verdict) && ++this.passes > this.threshold) {
      // Summarised from here on: what was held goes where it would have gone, in order.
      const resources = this.resources;
      const verdicts = this.verdicts;
      this.resources = undefined;
      this.verdicts = [];
      for (let i = 0; i < resources.length; i++) this.add(resources[i], verdicts[i]);
    }
  }

  /**
   * Appends the check's results: what is never summarised in order, then the pass summaries; or, with few
   * passes, every finding's result as it came.
   */
  appendTo(results: CheckResult[]): void {
    const resources = this.resources;
    if (resources) {
      for (let i = 0; i < resources.length; i++)
        results.push(toResult(resources[i], this.verdicts[i], this.base));
      return;
    }
    for (let i = 0; i < this.kept.length; i++) results.push(this.kept[i]);
    const summarised = this.groups.results(this.base);
    for (let i = 0; i < summarised.length; i++) results.push(summarised[i]);
  }
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
      const ctx: CheckContext = {
        evidence,
        now: run.now,
        options,
        supportData,
        ...(run.platformNamespaces ? { platformNamespaces: run.platformNamespaces } : {}),
      };
      const sink = new CheckResults(base, run.passSummaryThreshold ?? DEFAULT_PASS_SUMMARY_THRESHOLD);
      if (check.runInto) check.runInto(ctx, sink);
      else {
        // Indexed: this runs once per check, mostly before the optimising compiler gets to it, and there a
        // for-of allocates an iterator result per finding.
        const findings = check.run(ctx);
        for (let i = 0; i < findings.length; i++) sink.add(findings[i].resource, findings[i]);
      }
      // Only a check that finished adds its results: one that throws gets the error result alone.
      sink.appendTo(results);
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
