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
  return {
    state: counts.online > 0 ? 'online' : counts.offline > 0 ? 'offline' : 'unknown',
    agents: counts,
    lastReceivedAt: c.lastReceivedAt,
    ...reportLiveness(c.lastReceivedAt ? Date.parse(c.lastReceivedAt) : null, now, staleAfterMs),
  };
}

/** How long ago the hub received the cluster's newest report (parsed, null for never), and whether it is stale. */
export function reportLiveness(
  receivedMs: number | null,
  now: number,
  staleAfterMs: number,
): Pick<ClusterLiveness, 'reportAgeSeconds' | 'stale'> {
  return {
    reportAgeSeconds: receivedMs === null ? null : Math.max(0, Math.round((now - receivedMs) / 1000)),
    stale: receivedMs === null || now - receivedMs > staleAfterMs,
  };
}

/**
 * SQL, per row `c` of "clusters": the best liveness among the cluster's unrevoked agents, 2 online, 1 offline, 0
 * neither, NULL without one (`liveState` reads it): the state `clusterLiveness` gives, counted by the database
 * through the agents' cluster index instead of returning every agent row.
 */
export const BEST_AGENT_LIVENESS_SQL =
  `(SELECT MAX(CASE a."status" WHEN 'online' THEN 2 WHEN 'offline' THEN 1 ELSE 0 END) FROM "agents" a ` +
  `WHERE a."cluster_name" = c."name" AND NOT a."revoked")`;

/** A cluster's state from `BEST_AGENT_LIVENESS_SQL`. */
export function liveState(best: number | null): ClusterLiveness['state'] {
  return best === 2 ? 'online' : best === 1 ? 'offline' : 'unknown';
}
