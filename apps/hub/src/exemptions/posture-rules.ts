import type { Area, Outcome, Platform, ResourceRef, ResultExemption, Severity } from '@watchpost/shared';
import type { EntityManager } from 'typeorm';
import { ExemptionEntity } from './exemption.entity.js';
import {
  exemptionFor,
  statusAt,
  type ExemptionScope,
  type ExemptionTarget,
  type ExemptionView,
} from './exemption-rules.js';
import { SeverityOverrideEntity } from './severity-override.entity.js';
import {
  overrideFor,
  overrideStatusAt,
  type OverrideScope,
  type SeverityOverrideView,
} from './severity-override-rules.js';

// Rows of the exemption tables as views, the rules in force at one instant, and what they make of one finding.

/** A severity override row as the API shows it, with its status at `now`. */
export function overrideView(o: SeverityOverrideEntity, now: Date): SeverityOverrideView {
  const scope: OverrideScope =
    o.scopeKind === 'platform'
      ? { kind: 'platform', platform: o.platform as Platform }
      : o.scopeKind === 'cluster'
        ? { kind: 'cluster', cluster: o.cluster! }
        : { kind: 'fleet' };
  return {
    id: o.id,
    checkId: o.checkId,
    scope,
    severity: o.severity as Severity,
    reason: o.reason,
    author: o.author,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    expiresAt: o.expiresAt,
    revokedAt: o.revokedAt,
    revokedBy: o.revokedBy,
    status: overrideStatusAt(o, now),
  };
}

/** The hub's exemptions and severity overrides in force at one instant. */
export interface PostureRules {
  now: Date;
  exemptions: ExemptionView[];
  overrides: SeverityOverrideView[];
}

/** Loads the rules in force at `now` (both tables are small: read whole, filtered in SQL by expiry). */
export async function loadPostureRules(m: EntityManager, now: Date): Promise<PostureRules> {
  // Plain SQL: ingest calls this for every report, and TypeORM's find cost ten times the query here.
  const pg = m.connection.options.type === 'postgres';
  const at = now.toISOString();
  const exemptions = await m.query<Record<string, string | null>[]>(
    `SELECT * FROM "exemptions" WHERE "revoked_at" IS NULL AND "expires_at" > ${pg ? '$1' : '?'}`,
    [at],
  );
  const overrides = await m.query<Record<string, string | null>[]>(
    `SELECT * FROM "severity_overrides" WHERE "revoked_at" IS NULL`,
  );
  return {
    now,
    exemptions: exemptions.map((r) => exemptionView(fromRow(new ExemptionEntity(), r), now)),
    overrides: overrides
      .map((r) => overrideView(fromRow(new SeverityOverrideEntity(), r), now))
      .filter((o) => o.status === 'active'),
  };
}

/** A raw row (snake_case columns, all text) onto an entity of those columns. */
function fromRow<T extends object>(target: T, row: Record<string, string | null>): T {
  const out = target as Record<string, string | null>;
  for (const [col, v] of Object.entries(row))
    out[col.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return target;
}

/** A finding as reported, before the hub's rules. */
export interface ReportedFinding {
  cluster: string;
  platform: Platform | null;
  checkId: string;
  area: Area;
  resource: ResourceRef;
  outcome: Outcome;
  /** The severity the agent reported. */
  severity: Severity;
  /** The exemption the agent put on the result, if any. */
  agentExemption: ResultExemption | null;
}

/** What the hub's rules make of a finding: the columns materialised on its posture row. */
export interface EffectiveFinding {
  severity: Severity;
  reportedSeverity: Severity | null;
  overrideId: string | null;
  overrideExpiresAt: string | null;
  exemptionSource: 'hub' | 'annotation' | 'config' | null;
  exemptionId: string | null;
  exemptionReason: string | null;
  exemptionAuthor: string | null;
  exemptionRef: string | null;
  exemptionExpiresAt: string | null;
}

/**
 * The effective severity and exemption of one finding under `rules`. Only `fail` and `warn` are ever exempted:
 * an `error` (the check could not decide) and a collector error are never hidden, and a pass has nothing to
 * accept. A hub exemption is preferred over the agent's own (the hub's is audited and revocable); an agent
 * exemption past its `expiresAt` no longer applies, even before the agent scans again.
 */
export function effectiveFinding(f: ReportedFinding, rules: PostureRules): EffectiveFinding {
  const o = overrideFor(rules.overrides, f);
  const overridden = o !== null && o.severity !== f.severity;
  const out: EffectiveFinding = {
    severity: o ? o.severity : f.severity,
    reportedSeverity: overridden ? f.severity : null,
    overrideId: overridden ? o.id : null,
    overrideExpiresAt: overridden ? o.expiresAt : null,
    exemptionSource: null,
    exemptionId: null,
    exemptionReason: null,
    exemptionAuthor: null,
    exemptionRef: null,
    exemptionExpiresAt: null,
  };
  const hub = exemptionFor(rules.exemptions, f);
  if (hub) {
    return {
      ...out,
      exemptionSource: 'hub',
      exemptionId: hub.id,
      exemptionReason: hub.reason,
      exemptionAuthor: hub.author,
      exemptionExpiresAt: hub.expiresAt,
    };
  }
  const a = f.agentExemption;
  if (
    a &&
    (f.outcome === 'fail' || f.outcome === 'warn') &&
    (a.expiresAt === undefined || Date.parse(a.expiresAt) > rules.now.getTime())
  ) {
    return {
      ...out,
      exemptionSource: a.source,
      exemptionReason: a.reason,
      exemptionRef: a.ref ?? null,
      exemptionExpiresAt: a.expiresAt ? new Date(a.expiresAt).toISOString() : null,
    };
  }
  return out;
}

/** True when the two describe the same materialised state (the re-evaluation writes only rows that changed). */
export function sameEffect(a: EffectiveFinding, b: EffectiveFinding): boolean {
  return (Object.keys(a) as (keyof EffectiveFinding)[]).every((k) => (a[k] ?? null) === (b[k] ?? null));
}

/** The exemption a finding row carries, as the API shows it. */
export interface FindingExemptionView {
  source: 'hub' | 'annotation' | 'config';
  /** The hub exemption's id (hub only). */
  id?: string;
  reason: string;
  /** Token name of the hub exemption's author (hub only). */
  author?: string;
  /** Where the agent found it (annotation/config only). */
  ref?: string;
  expiresAt: string | null;
}

/** The exemption shown on a finding row, or null when it counts. */
export function findingExemptionView(r: {
  exemptionSource: EffectiveFinding['exemptionSource'];
  exemptionId: string | null;
  exemptionReason: string | null;
  exemptionAuthor: string | null;
  exemptionRef: string | null;
  exemptionExpiresAt: string | null;
}): FindingExemptionView | null {
  if (!r.exemptionSource) return null;
  return {
    source: r.exemptionSource,
    ...(r.exemptionId ? { id: r.exemptionId } : {}),
    reason: r.exemptionReason ?? '',
    ...(r.exemptionAuthor ? { author: r.exemptionAuthor } : {}),
    ...(r.exemptionRef ? { ref: r.exemptionRef } : {}),
    expiresAt: r.exemptionExpiresAt,
  };
}

/** An exemption row as the API shows it, with its status at `now`. */
export function exemptionView(e: ExemptionEntity, now: Date): ExemptionView {
  let scope: ExemptionScope;
  switch (e.scopeKind) {
    case 'fleet':
      scope = { kind: 'fleet' };
      break;
    case 'platform':
      scope = { kind: 'platform', platform: e.platform as never };
      break;
    case 'cluster':
      scope = { kind: 'cluster', cluster: e.cluster! };
      break;
    case 'namespace':
      scope = { kind: 'namespace', namespace: e.namespace!, ...(e.cluster ? { cluster: e.cluster } : {}) };
      break;
    default:
      scope = {
        kind: 'resource',
        cluster: e.cluster!,
        resource: {
          kind: e.resourceKind!,
          ...(e.namespace ? { namespace: e.namespace } : {}),
          ...(e.resourceName ? { name: e.resourceName } : {}),
          ...(e.resourcePath ? { path: e.resourcePath } : {}),
        },
      };
  }
  const target: ExemptionTarget = e.checkId ? { checkId: e.checkId } : { area: e.area as never };
  return {
    id: e.id,
    scope,
    target,
    reason: e.reason,
    author: e.author,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    expiresAt: e.expiresAt,
    revokedAt: e.revokedAt,
    revokedBy: e.revokedBy,
    status: statusAt(e, now),
  };
}

/** The scope columns of an exemption row. */
export function exemptionScopeColumns(s: ExemptionScope): Partial<ExemptionEntity> {
  const none = {
    platform: null,
    cluster: null,
    namespace: null,
    resourceKind: null,
    resourceName: null,
    resourcePath: null,
  };
  switch (s.kind) {
    case 'fleet':
      return { ...none, scopeKind: 'fleet' };
    case 'platform':
      return { ...none, scopeKind: 'platform', platform: s.platform };
    case 'cluster':
      return { ...none, scopeKind: 'cluster', cluster: s.cluster };
    case 'namespace':
      return { ...none, scopeKind: 'namespace', cluster: s.cluster ?? null, namespace: s.namespace };
    case 'resource':
      return {
        ...none,
        scopeKind: 'resource',
        cluster: s.cluster,
        resourceKind: s.resource.kind,
        namespace: s.resource.namespace ?? null,
        resourceName: s.resource.name ?? null,
        resourcePath: s.resource.path ?? null,
      };
  }
}
