import { Injectable } from '@nestjs/common';
import { CATALOGUE, emptyCounts, type Outcome, type OutcomeCounts, type Platform } from '@watchpost/shared';
import { DataSource } from 'typeorm';
import { ClusterEntity } from '../persistence/cluster.entity.js';
import { currentOnly, findingsQb, PROBLEMS, toNum } from './posture-store.js';
import { scoreOf } from './scoring.js';

/** The check catalogue with fleet pass rates, and where one check currently fails. */
@Injectable()
export class ChecksQueryService {
  constructor(private readonly ds: DataSource) {}

  /** The catalogue with each check's fleet pass rate, overall and per platform (exempted findings left out). */
  async checks() {
    const rows = await currentOnly(
      findingsQb(this.ds, 'f')
        .innerJoin(ClusterEntity, 'c', 'c.name = f.clusterName')
        .select('f.checkId', 'checkId')
        .addSelect('c.platform', 'platform')
        .addSelect('f.outcome', 'outcome')
        .addSelect('COUNT(*)', 'n'),
    )
      .andWhere('f.exemptionSource IS NULL')
      .groupBy('f.checkId')
      .addGroupBy('c.platform')
      .addGroupBy('f.outcome')
      .getRawMany<{
        checkId: string;
        platform: Platform;
        outcome: Outcome;
        n: string | number;
      }>();
    const stats = new Map<string, { all: OutcomeCounts; byPlatform: Map<Platform, OutcomeCounts> }>();
    for (const r of rows) {
      const s = stats.get(r.checkId) ?? {
        all: emptyCounts(),
        byPlatform: new Map<Platform, OutcomeCounts>(),
      };
      stats.set(r.checkId, s);
      s.all[r.outcome] += toNum(r.n);
      const p = s.byPlatform.get(r.platform) ?? emptyCounts();
      p[r.outcome] += toNum(r.n);
      s.byPlatform.set(r.platform, p);
    }
    const rate = (c: OutcomeCounts) => ({ ...c, passRate: scoreOf(c) });
    return CATALOGUE.map((def) => {
      const s = stats.get(def.id);
      return {
        ...def,
        fleet: {
          ...rate(s?.all ?? emptyCounts()),
          byPlatform: Object.fromEntries(
            [...(s?.byPlatform ?? new Map<Platform, OutcomeCounts>())].map(([p, c]) => [p, rate(c)]),
          ),
        },
      };
    });
  }

  /** Clusters where one check currently fails, warns or errs (exempted findings left out). */
  async checkClusters(checkId: string) {
    const rows = await findingsQb(this.ds, 'f')
      .select('f.clusterName', 'cluster')
      .addSelect('f.outcome', 'outcome')
      .addSelect('COUNT(*)', 'n')
      .where('f.checkId = :checkId', { checkId })
      .andWhere('f.resolvedAt IS NULL')
      .andWhere('f.outcome IN (:...problems)', { problems: PROBLEMS })
      .andWhere('f.exemptionSource IS NULL')
      .groupBy('f.clusterName')
      .addGroupBy('f.outcome')
      .orderBy('f.clusterName', 'ASC')
      .getRawMany<{ cluster: string; outcome: Outcome; n: string | number }>();
    const out = new Map<string, Partial<Record<Outcome, number>>>();
    for (const r of rows) out.set(r.cluster, { ...(out.get(r.cluster) ?? {}), [r.outcome]: toNum(r.n) });
    return [...out].map(([cluster, counts]) => ({ cluster, ...counts }));
  }
}
