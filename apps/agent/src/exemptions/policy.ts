import type {
  Area,
  CheckResult,
  Evidence,
  Report,
  ResourceRef,
  ResultExemption,
  Severity,
} from '@watchpost/shared';
import { AnnotationExemptions } from './annotations.js';

/** Where a config exemption applies inside this agent's cluster. */
export type ConfigExemptionScope =
  | { kind: 'cluster' }
  | { kind: 'namespace'; namespace: string }
  | {
      kind: 'resource';
      resource: { kind: string; namespace?: string; name?: string; path?: string };
    };

/** One entry of the agent config's `exemptions` (validated at start-up: docs/agent.md). */
export interface ConfigExemption {
  /** One check, or (with `area`) every check of an area. */
  checkId?: string;
  area?: Area;
  scope: ConfigExemptionScope;
  reason: string;
  /** ISO time; at most 365 days after start-up. */
  expiresAt: string;
}

/** The operator's decisions the agent applies to every scan: exemptions, severity overrides, platform namespaces. */
export interface AgentPolicy {
  exemptions?: readonly ConfigExemption[];
  /** Check id -> the severity its results carry instead of the catalogue's (and the check's own). */
  severityOverrides?: Readonly<Partial<Record<string, Severity>>>;
}

/** Outcomes an exemption can mark: only open findings. `error` (could not decide) never; pass/n-a have nothing to hide. */
const EXEMPTABLE_OUTCOMES = new Set<CheckResult['outcome']>(['fail', 'warn']);

function inScope(scope: ConfigExemptionScope, r: ResourceRef): boolean {
  switch (scope.kind) {
    case 'cluster':
      return true;
    case 'namespace':
      return r.namespace === scope.namespace || (r.kind === 'Namespace' && r.name === scope.namespace);
    case 'resource': {
      const s = scope.resource;
      return (
        s.kind === r.kind &&
        (s.namespace ?? undefined) === (r.namespace ?? undefined) &&
        (s.name === undefined || s.name === r.name) &&
        (s.path === undefined || s.path === r.path)
      );
    }
  }
}

/**
 * Applies the operator's config and the cluster's `watchpost.io/exempt` annotations to a report, as of `now` (the
 * evaluation time, so `scan --at +30d` shows exemptions lapsing). Exempted results keep their outcome and carry
 * `exemption`; only `fail` and `warn` results are exempted, never `error` ones nor collector errors. A config
 * exemption wins over an annotation; expired ones do not apply. Severity overrides replace the severity of every
 * result of the check. Annotation problems (no reason, unknown or non-exemptable check, bad or past expiry) are
 * added as collector errors naming the object. Returns a new report; the input is not changed.
 */
export function applyPolicy(report: Report, evidence: Evidence, policy: AgentPolicy, now: Date): Report {
  const annotations = new AnnotationExemptions(evidence, now);
  const overrides = policy.severityOverrides ?? {};
  const active = (policy.exemptions ?? [])
    .map((e, index) => ({ e, ref: `config exemptions[${index}]` }))
    .filter(({ e }) => Date.parse(e.expiresAt) > now.getTime());
  if (annotations.empty && !active.length && !Object.keys(overrides).length) return report;
  const results = report.results.map((r) => {
    let out = r;
    const severity = overrides[r.checkId];
    if (severity && severity !== r.severity)
      out = {
        ...out,
        severity,
        evidence: { ...out.evidence, severityOverriddenFrom: r.severity },
      };
    if (!EXEMPTABLE_OUTCOMES.has(r.outcome)) return out;
    let exemption: ResultExemption | undefined;
    const hit = active.find(
      ({ e }) => (e.checkId ? e.checkId === r.checkId : e.area === r.area) && inScope(e.scope, r.resource),
    );
    if (hit) exemption = { source: 'config', reason: hit.e.reason, ref: hit.ref, expiresAt: hit.e.expiresAt };
    else {
      const grant = annotations.grantFor(r.checkId, r.resource);
      if (grant)
        exemption = {
          source: 'annotation',
          reason: grant.reason,
          ref: grant.ref,
          ...(grant.expiresAt ? { expiresAt: grant.expiresAt } : {}),
        };
    }
    return exemption ? { ...out, exemption } : out;
  });
  return {
    ...report,
    results,
    collectorErrors: annotations.problems.length
      ? [...report.collectorErrors, ...annotations.problems]
      : report.collectorErrors,
  };
}

/** True when a result is exempted (it stays in the report, marked, but does not gate or count as open). */
export function isExempted(r: CheckResult): boolean {
  return r.exemption !== undefined && r.outcome !== 'error';
}
