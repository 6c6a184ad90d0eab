import { AREAS, CATALOGUE, PLATFORMS, type Area, type Platform, type ResourceRef } from '@watchpost/shared';
import { z } from 'zod';

/** Longest an exemption may run: an accepted risk is reviewed at least yearly. */
export const MAX_EXEMPTION_DAYS = 365;
const DAY_MS = 86_400_000;

/** Scope kinds, widest first. */
export const SCOPE_KINDS = ['fleet', 'platform', 'cluster', 'namespace', 'resource'] as const;
/** One scope kind. */
export type ScopeKind = (typeof SCOPE_KINDS)[number];

const CHECK_IDS = CATALOGUE.map((c) => c.id);
const name = z.string().trim().min(1).max(253);

/** Where an exemption applies. `namespace` without `cluster` applies to that namespace on every cluster. */
export const scopeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fleet') }),
  z.strictObject({ kind: z.literal('platform'), platform: z.enum(PLATFORMS) }),
  z.strictObject({ kind: z.literal('cluster'), cluster: name }),
  z.strictObject({ kind: z.literal('namespace'), cluster: name.optional(), namespace: name }),
  z
    .strictObject({
      kind: z.literal('resource'),
      cluster: name,
      resource: z.strictObject({
        kind: z.string().trim().min(1).max(128),
        namespace: name.optional(),
        name: name.optional(),
        path: z.string().min(1).max(1024).optional(),
      }),
    })
    .refine((s) => s.resource.name !== undefined || s.resource.path !== undefined, {
      message: 'a resource scope names the resource: give resource.name (and namespace) or resource.path',
      path: ['resource'],
    }),
]);
/** An exemption's scope. */
export type ExemptionScope = z.infer<typeof scopeSchema>;

/** What an exemption covers inside its scope: one check, or every check of an area. */
export const targetSchema = z.union([
  z.strictObject({
    checkId: z.enum(CHECK_IDS as [string, ...string[]], {
      message: 'must be a check id of the catalogue (GET /api/v1/checks)',
    }),
  }),
  z.strictObject({ area: z.enum(AREAS, { message: `must be one of ${AREAS.join(', ')}` }) }),
]);
/** An exemption's target. */
export type ExemptionTarget = { checkId: string } | { area: Area };

/** Whether the exemption applies now. */
export type ExemptionStatus = 'active' | 'expired' | 'revoked';

/** An exemption as the API shows it. */
export interface ExemptionView {
  id: string;
  scope: ExemptionScope;
  target: ExemptionTarget;
  reason: string;
  author: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
  status: ExemptionStatus;
}

/** Refuses an expiry that is not in the future or beyond the maximum; returns it normalised (ISO, UTC). */
export function checkExpiry(
  expiresAt: string,
  now: Date,
): { ok: true; value: string } | { ok: false; message: string } {
  const t = Date.parse(expiresAt);
  if (Number.isNaN(t)) return { ok: false, message: 'must be an ISO-8601 time such as 2027-03-31T00:00:00Z' };
  if (t <= now.getTime())
    return { ok: false, message: `must be in the future (now is ${now.toISOString()})` };
  const max = now.getTime() + MAX_EXEMPTION_DAYS * DAY_MS;
  if (t > max)
    return {
      ok: false,
      message: `is more than ${MAX_EXEMPTION_DAYS} days away (latest ${new Date(max).toISOString()}): accepted risks are reviewed at least yearly`,
    };
  return { ok: true, value: new Date(t).toISOString() };
}

/** Status at `now`: revoked wins; past its expiry an exemption stops applying by itself. */
export function statusAt(e: { expiresAt: string; revokedAt: string | null }, now: Date): ExemptionStatus {
  if (e.revokedAt) return 'revoked';
  return Date.parse(e.expiresAt) > now.getTime() ? 'active' : 'expired';
}

/** What a finding is, as far as exemptions are concerned. */
export interface ExemptibleFinding {
  cluster: string;
  platform: Platform | null;
  checkId: string;
  area: Area;
  resource: ResourceRef;
}

/** True when the (active) exemption covers the finding. */
export function covers(e: { scope: ExemptionScope; target: ExemptionTarget }, f: ExemptibleFinding): boolean {
  if ('checkId' in e.target ? e.target.checkId !== f.checkId : e.target.area !== f.area) return false;
  const s = e.scope;
  switch (s.kind) {
    case 'fleet':
      return true;
    case 'platform':
      return f.platform === s.platform;
    case 'cluster':
      return f.cluster === s.cluster;
    case 'namespace':
      return (s.cluster === undefined || f.cluster === s.cluster) && f.resource.namespace === s.namespace;
    case 'resource': {
      const r = s.resource;
      return (
        f.cluster === s.cluster &&
        f.resource.kind === r.kind &&
        (r.namespace ?? undefined) === (f.resource.namespace ?? undefined) &&
        (r.name === undefined || r.name === f.resource.name) &&
        (r.path === undefined || r.path === f.resource.path)
      );
    }
  }
}

/** What an exported or listed finding says about the exemption covering it. */
export interface FindingExemption {
  id: string;
  reason: string;
  author: string;
  expiresAt: string;
}

/**
 * The active exemption covering a finding, if any (the one expiring last when several do). Never for an
 * `error` or a `pass`: an exemption accepts a known risk, it cannot hide a check that could not decide.
 */
export function exemptionFor(
  active: readonly ExemptionView[],
  f: ExemptibleFinding & { outcome: string },
): FindingExemption | null {
  if (f.outcome !== 'fail' && f.outcome !== 'warn') return null;
  const e = active.filter((x) => covers(x, f)).sort((a, b) => b.expiresAt.localeCompare(a.expiresAt))[0];
  return e ? { id: e.id, reason: e.reason, author: e.author, expiresAt: e.expiresAt } : null;
}
