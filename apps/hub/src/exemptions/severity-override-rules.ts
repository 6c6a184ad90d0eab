import { CATALOGUE, PLATFORMS, SEVERITIES, type Platform, type Severity } from '@watchpost/shared';
import { z } from 'zod';

/** Override scope kinds, widest first; the narrowest one that matches a finding wins. */
export const OVERRIDE_SCOPE_KINDS = ['fleet', 'platform', 'cluster'] as const;

const CHECK_IDS = CATALOGUE.map((c) => c.id) as [string, ...string[]];

/** Where a severity override applies. */
export const overrideScopeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fleet') }),
  z.strictObject({ kind: z.literal('platform'), platform: z.enum(PLATFORMS) }),
  z.strictObject({ kind: z.literal('cluster'), cluster: z.string().trim().min(1).max(253) }),
]);
/** A severity override's scope. */
export type OverrideScope = z.infer<typeof overrideScopeSchema>;

/** A check id of the catalogue. */
export const overrideCheckSchema = z.enum(CHECK_IDS, {
  message: 'must be a check id of the catalogue (GET /api/v1/checks)',
});
/** A severity of the closed set. */
export const severitySchema = z.enum(SEVERITIES, { message: `must be one of ${SEVERITIES.join(', ')}` });

/** A severity override as the API shows it. */
export interface SeverityOverrideView {
  id: string;
  checkId: string;
  scope: OverrideScope;
  severity: Severity;
  reason: string;
  author: string;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  status: 'active' | 'expired' | 'revoked';
}

/** Status at `now`: revoked wins; an override without expiry holds until revoked. */
export function overrideStatusAt(
  o: { expiresAt: string | null; revokedAt: string | null },
  now: Date,
): SeverityOverrideView['status'] {
  if (o.revokedAt) return 'revoked';
  return o.expiresAt === null || Date.parse(o.expiresAt) > now.getTime() ? 'active' : 'expired';
}

const RANK: Record<OverrideScope['kind'], number> = { fleet: 0, platform: 1, cluster: 2 };

/**
 * The active override for one check on one cluster: the narrowest scope that matches (cluster over platform over
 * fleet); between two of the same scope (which the API refuses to create), the newest.
 */
export function overrideFor<T extends Pick<SeverityOverrideView, 'checkId' | 'scope' | 'createdAt'>>(
  active: readonly T[],
  f: { checkId: string; cluster: string; platform: Platform | null },
): T | null {
  let best: T | null = null;
  for (const o of active) {
    if (o.checkId !== f.checkId) continue;
    const s = o.scope;
    if (s.kind === 'platform' && s.platform !== f.platform) continue;
    if (s.kind === 'cluster' && s.cluster !== f.cluster) continue;
    if (
      !best ||
      RANK[s.kind] > RANK[best.scope.kind] ||
      (RANK[s.kind] === RANK[best.scope.kind] && o.createdAt > best.createdAt)
    )
      best = o;
  }
  return best;
}
