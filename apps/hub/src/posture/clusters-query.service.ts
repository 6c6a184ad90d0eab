import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  AREAS,
  type Area,
  type ClusterRole,
  emptyCounts,
  type Outcome,
  type OutcomeCounts,
  type Platform,
  type Severity,
} from '@watchpost/shared';
import { Brackets, DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from '../api/cursor.js';
import { HUB_CLOCK, type HubClock, systemClock } from '../clock.js';
import type { AgentEntity } from '../persistence/agent.entity.js';
import { ClusterEntity } from '../persistence/cluster.entity.js';
import { ReportEntity } from '../persistence/report.entity.js';
import { agentView } from './agents-query.service.js';
import { clusterLiveness } from './liveness.js';
import { platformGroup } from './platform-group.js';
import { agentsByCluster, currentOnly, findingsQb, PROBLEMS, SEVERITY_LIST, toNum } from './posture-store.js';
import type { ClusterView, Page } from './posture.types.js';
import { scoreOf } from './scoring.js';

/** Open problems of one cluster: counts by severity and the worst severity per area. */
export interface OpenProblems {
  openBySeverity: Record<Severity, number>;
  worstOpenSeverity: Partial<Record<Area, Severity>>;
}

const noOpenProblems = (): OpenProblems => ({
  openBySeverity: Object.fromEntries(SEVERITY_LIST.map((s) => [s, 0])) as Record<Severity, number>,
  worstOpenSeverity: {},
});

/**
 * Open problems (fail, warn, error, not resolved, not exempted; by effective severity) of the named clusters, one grouped query per 500 names: the
 * fleet heatmap marks every cluster x area cell with its worst open severity.
 */
export async function openProblemsOf(
  ds: DataSource,
  names: readonly string[],
): Promise<Map<string, OpenProblems>> {
  const out = new Map<string, OpenProblems>();
  for (let i = 0; i < names.length; i += 500) {
    const rows = await findingsQb(ds, 'f')
      .select('f.clusterName', 'cluster')
      .addSelect('f.area', 'area')
      .addSelect('f.severity', 'severity')
      .addSelect('COUNT(*)', 'n')
      .where('f.clusterName IN (:...names)', { names: names.slice(i, i + 500) })
      .andWhere('f.outcome IN (:...problems)', { problems: PROBLEMS })
      .andWhere('f.resolvedAt IS NULL')
      .andWhere('f.exemptionSource IS NULL')
      .groupBy('f.clusterName')
      .addGroupBy('f.area')
      .addGroupBy('f.severity')
      .getRawMany<{ cluster: string; area: Area; severity: Severity; n: string | number }>();
    for (const r of rows) {
      const p = out.get(r.cluster) ?? noOpenProblems();
      out.set(r.cluster, p);
      if (p.openBySeverity[r.severity] === undefined) continue;
      p.openBySeverity[r.severity] += toNum(r.n);
      const worst = p.worstOpenSeverity[r.area];
      if (!worst || SEVERITY_LIST.indexOf(r.severity) < SEVERITY_LIST.indexOf(worst))
        p.worstOpenSeverity[r.area] = r.severity;
    }
  }
  return out;
}

/** A cluster row as the API lists it, with its liveness as of `now` (ms). */
export function clusterView(
  c: ClusterEntity,
  agents: readonly AgentEntity[],
  now: number,
  staleAfterMs: number,
  open: OpenProblems = noOpenProblems(),
): ClusterView {
  return {
    name: c.name,
    platform: c.platform,
    platformGroup: platformGroup(c.platform),
    role: c.role,
    location: c.location,
    kubernetesVersion: c.kubernetesVersion,
    score: c.score,
    scores: c.scores ?? {},
    lastReport: {
      agentId: c.lastAgentId,
      seq: c.lastSeq,
      scannedAt: c.lastScannedAt,
      receivedAt: c.lastReceivedAt,
      clockSkewMs: c.clockSkewMs,
    },
    liveness: clusterLiveness(c, agents, now, staleAfterMs),
    openBySeverity: open.openBySeverity,
    worstOpenSeverity: open.worstOpenSeverity,
  };
}

/** Clusters: the list, one cluster's detail, and its report history. */
@Injectable()
export class ClustersQueryService {
  private readonly clock: HubClock;

  constructor(
    private readonly ds: DataSource,
    @Optional() @Inject(HUB_CLOCK) clock?: HubClock,
  ) {
    this.clock = clock ?? systemClock;
  }

  async clusters(
    filters: { platform?: Platform[]; role?: ClusterRole[]; stale?: boolean },
    limit: number,
    cursor: string | undefined,
    staleAfterMs: number,
  ): Promise<Page<ClusterView>> {
    const now = this.clock.now().getTime();
    const staleBefore = new Date(now - staleAfterMs).toISOString();
    const qb = this.ds.getRepository(ClusterEntity).createQueryBuilder('c');
    if (filters.platform?.length) qb.andWhere('c.platform IN (:...platform)', { platform: filters.platform });
    if (filters.role?.length) qb.andWhere('c.role IN (:...role)', { role: filters.role });
    if (filters.stale === true) {
      qb.andWhere(
        new Brackets((w) =>
          w.where('c.lastReceivedAt IS NULL').orWhere('c.lastReceivedAt < :staleBefore', { staleBefore }),
        ),
      );
    }
    if (filters.stale === false) qb.andWhere('c.lastReceivedAt >= :staleBefore', { staleBefore });
    if (cursor) {
      const [name] = decodeCursor('clusters', cursor, ['string']);
      qb.andWhere('c.name > :after', { after: name });
    }
    const rows = await qb
      .orderBy('c.name', 'ASC')
      .take(limit + 1)
      .getMany();
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const agents = await agentsByCluster(
      this.ds,
      page.map((c) => c.name),
    );
    const open = await openProblemsOf(
      this.ds,
      page.map((c) => c.name),
    );
    const last = page[page.length - 1];
    return {
      items: page.map((c) => clusterView(c, agents.get(c.name) ?? [], now, staleAfterMs, open.get(c.name))),
      nextCursor: more && last ? encodeCursor('clusters', [last.name]) : null,
    };
  }

  /** Cluster detail: the list view plus its agents, posture per area, open problems by severity and the newest report. */
  async cluster(name: string, staleAfterMs: number) {
    const c = await this.ds.getRepository(ClusterEntity).findOne({ where: { name } });
    if (!c) return null;
    const now = this.clock.now().getTime();
    const agents = (await agentsByCluster(this.ds, [name])).get(name) ?? [];
    const grouped = await currentOnly(
      findingsQb(this.ds, 'f')
        .select('f.area', 'area')
        .addSelect('f.outcome', 'outcome')
        .addSelect('f.severity', 'severity')
        .addSelect('COUNT(*)', 'n')
        .where('f.clusterName = :name', { name }),
    )
      .andWhere('f.exemptionSource IS NULL')
      .groupBy('f.area')
      .addGroupBy('f.outcome')
      .addGroupBy('f.severity')
      .getRawMany<{ area: Area; outcome: Outcome; severity: Severity; n: string | number }>();
    const byArea = Object.fromEntries(AREAS.map((a) => [a, emptyCounts()])) as Record<Area, OutcomeCounts>;
    const open = (await openProblemsOf(this.ds, [name])).get(name);
    for (const g of grouped) if (byArea[g.area]) byArea[g.area][g.outcome] += toNum(g.n);
    const lastReport = await this.ds
      .getRepository(ReportEntity)
      .createQueryBuilder('r')
      .where('r.clusterName = :name', { name })
      .orderBy('r.receivedAt', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .getOne();
    return {
      ...clusterView(c, agents, now, staleAfterMs, open),
      posture: Object.fromEntries(AREAS.map((a) => [a, { ...byArea[a], score: scoreOf(byArea[a]) }])),
      agents: agents.map((a) => agentView(a, now)),
      newestReport: lastReport
        ? {
            agentId: lastReport.agentId,
            seq: lastReport.seq,
            runId: lastReport.runId,
            scannedAt: lastReport.scannedAt,
            receivedAt: lastReport.receivedAt,
            clockSkewMs: lastReport.clockSkewMs,
            agentVersion: lastReport.agentVersion,
            resultCount: lastReport.resultCount,
            summary: lastReport.summary,
            collectorErrors: lastReport.collectorErrors,
            dropped: lastReport.dropped,
          }
        : null,
    };
  }

  /** Report history of one cluster, oldest first, for trend charts. */
  async history(name: string, opts: { from?: string; to?: string; limit: number }) {
    const qb = this.ds
      .getRepository(ReportEntity)
      .createQueryBuilder('r')
      .where('r.clusterName = :name', { name });
    if (opts.from) qb.andWhere('r.receivedAt >= :from', { from: new Date(opts.from).toISOString() });
    if (opts.to) qb.andWhere('r.receivedAt < :to', { to: new Date(opts.to).toISOString() });
    const rows = await qb
      .orderBy('r.receivedAt', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .take(opts.limit)
      .getMany();
    return rows.reverse().map((r) => ({
      agentId: r.agentId,
      seq: r.seq,
      scannedAt: r.scannedAt,
      receivedAt: r.receivedAt,
      clockSkewMs: r.clockSkewMs,
      kubernetesVersion: r.kubernetesVersion,
      score: r.score,
      scores: r.scores,
      summary: r.summary,
      resultCount: r.resultCount,
      collectorErrorCount: r.collectorErrors.length,
      dropped: r.dropped,
      appliedToPosture: r.appliedToPosture,
    }));
  }

  async clusterExists(name: string): Promise<boolean> {
    return (await this.ds.getRepository(ClusterEntity).count({ where: { name } })) > 0;
  }
}
