import type { AgentEntity } from '../persistence/agent.entity.js';
import type { ClusterEntity } from '../persistence/cluster.entity.js';

/** Default "stale" threshold: no report received by the hub for this long. */
export const DEFAULT_STALE_AFTER_MS = 6 * 3_600_000;

/** Agent liveness, from the retained status / last will and from the hub's receive time of reports. */
export interface ClusterLiveness {
  state: 'online' | 'offline' | 'unknown';
  agents: { online: number; offline: number; unknown: number; revoked: number };
  lastReceivedAt: string | null;
  reportAgeSeconds: number | null;
  stale: boolean;
}

/**
 * A cluster's liveness: online when any unrevoked agent's last status says so, offline when only offline ones
 * remain; stale when the hub has received no report for `staleAfterMs` (the hub's clock, never the agent's).
 */
export function clusterLiveness(
  c: Pick<ClusterEntity, 'lastReceivedAt'>,
  agents: readonly Pick<AgentEntity, 'status' | 'revoked'>[],
  now: number,
  staleAfterMs: number,
): ClusterLiveness {
  const counts = { online: 0, offline: 0, unknown: 0, revoked: 0 };
  for (const a of agents) {
    if (a.revoked) counts.revoked += 1;
    else counts[a.status] += 1;
  }
  const receivedMs = c.lastReceivedAt ? Date.parse(c.lastReceivedAt) : null;
  const age = receivedMs === null ? null : Math.max(0, Math.round((now - receivedMs) / 1000));
  return {
    state: counts.online > 0 ? 'online' : counts.offline > 0 ? 'offline' : 'unknown',
    agents: counts,
    lastReceivedAt: c.lastReceivedAt,
    reportAgeSeconds: age,
    stale: receivedMs === null || now - receivedMs > staleAfterMs,
  };
}
