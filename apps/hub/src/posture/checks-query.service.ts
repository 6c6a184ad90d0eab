import { Injectable } from '@nestjs/common';
import {
  CATALOGUE,
  emptyCounts,
  OUTCOMES,
  type Outcome,
  type OutcomeCounts,
  type Platform,
} from '@watchpost/shared';
import { DataSource } from 'typeorm';
import { KeptByRevision, type KeptEntry } from './kept-by-revision.js';
import { countedOnly, currentOnly, findingsQb, PROBLEMS, toNum } from './posture-store.js';
import { scoreOf } from './scoring.js';

/** Index of each catalogue check; a check's outcome counts sit at `index * OUTCOMES.length + outcome index`. */
const CHECK_INDEX = new Map(CATALOGUE.map((c, i) => [c.id, i]));
const OUTCOME_INDEX = new Map<string, number>(OUTCOMES.map((o, i) => [o, i]));
const SLOTS = CATALOGUE.length * OUTCOMES.length;

/** What a replica keeps of one cluster, at the `posture_revision` it was counted at. */
interface KeptCounts extends KeptEntry {
  /** Its current, counted findings as pairs `[slot, count, slot, count, ...]` (slots as in `SLOTS`). */
  counts: Int32Array;
}

/** The check catalogue with fleet pass rates, and where one check currently fails. */
@Injectable()
export class ChecksQueryService {
  /**
   * Per cluster, the counts of its current, counted findings by check and outcome, as counted at its
   * `posture_revision` (`KeptByRevision`): a read counts again only the clusters whose revision moved, instead of
   * grouping every finding of the fleet (seconds at 10,000 clusters).
   */
  private readonly kept = new KeptByRevision<KeptCounts>();

  constructor(private readonly ds: DataSource) {}

  /** The catalogue with each check's fleet pass rate, overall and per platform (exempted findings left out). */
  async checks() {
    const clusters = await this.ds.query<{ name: string; platform: Platform; revision: number | string }[]>(
      `SELECT "name", "platform", "posture_revision" AS "revision" FROM "clusters"`,
    );
    const kept = await this.keptCounts(clusters);
    const byPlatform = new Map<Platform, Float64Array>();
    for (const c of clusters) {
      const counts = kept.get(c.name)?.counts;
      if (!counts || counts.length === 0) continue;
      let sums = byPlatform.get(c.platform);
      if (!sums) byPlatform.set(c.platform, (sums = new Float64Array(SLOTS)));
      for (let i = 0; i < counts.length; i += 2) sums[counts[i]] += counts[i + 1];
    }
    // Platforms in name order (as the grouped query listed them on SQLite).
    const platforms = [...byPlatform.keys()].sort();
    const rate = (c: OutcomeCounts) => ({ ...c, passRate: scoreOf(c) });
    return CATALOGUE.map((def, ci) => {
      const all = emptyCounts();
      const per: [Platform, OutcomeCounts][] = [];
      for (const p of platforms) {
        const sums = byPlatform.get(p)!;
        const counts = emptyCounts();
        let any = false;
        OUTCOMES.forEach((o, oi) => {
          const n = sums[ci * OUTCOMES.length + oi];
          if (n > 0) any = true;
          counts[o] += n;
          all[o] += n;
        });
        if (any) per.push([p, counts]);
      }
      return {
        ...def,
        fleet: { ...rate(all), byPlatform: Object.fromEntries(per.map(([p, c]) => [p, rate(c)])) },
      };
    });
  }

  /**
   * Each cluster's counts: kept ones whose revision has not moved, counted again for the others (every cluster in
   * one query when many moved). Clusters gone are forgotten.
   */
  private async keptCounts(
    clusters: readonly { name: string; revision: number | string }[],
  ): Promise<ReadonlyMap<string, KeptCounts>> {
    const stale = this.kept.stale(clusters, (_, at) => ({ ...at, counts: new Int32Array(0) }));
    if (stale.size === 0) return this.kept.entries;
    const names = stale.size > clusters.length / 4 ? null : [...stale.keys()];
    const pairs = new Map<string, number[]>();
    for (const r of await this.countByCheck(names)) {
      const check = CHECK_INDEX.get(r.checkId);
      const outcome = OUTCOME_INDEX.get(r.outcome);
      // Results of checks outside the catalogue have no row in the answer.
      if (check === undefined || outcome === undefined || !stale.has(r.cluster)) continue;
      let list = pairs.get(r.cluster);
      if (!list) pairs.set(r.cluster, (list = []));
      list.push(check * OUTCOMES.length + outcome, toNum(r.n));
    }
    for (const [name, entry] of stale) {
      const list = pairs.get(name);
      if (list) entry.counts = Int32Array.from(list);
    }
    this.kept.keep(stale);
    return this.kept.entries;
  }

  /** Current, counted findings by cluster, check and outcome, of the named clusters or of all (null). */
  private async countByCheck(
    names: readonly string[] | null,
  ): Promise<{ cluster: string; checkId: string; outcome: Outcome; n: string | number }[]> {
    const query = () =>
      currentOnly(
        countedOnly(
          findingsQb(this.ds, 'f')
            .select('f.clusterName', 'cluster')
            .addSelect('f.checkId', 'checkId')
            .addSelect('f.outcome', 'outcome')
            .addSelect('COUNT(*)', 'n'),
        ),
      )
        .groupBy('f.clusterName')
        .addGroupBy('f.checkId')
        .addGroupBy('f.outcome');
    type Row = { cluster: string; checkId: string; outcome: Outcome; n: string | number };
    if (names === null) return query().getRawMany<Row>();
    const out: Row[] = [];
    for (let i = 0; i < names.length; i += 500)
      out.push(
        ...(await query()
          .andWhere('f.clusterName IN (:...names)', { names: names.slice(i, i + 500) })
          .getRawMany<Row>()),
      );
    return out;
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
