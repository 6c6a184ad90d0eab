import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  AREAS,
  type Area,
  emptyCounts,
  type Outcome,
  type Platform,
  type ResourceRef,
  type Severity,
} from '@watchpost/shared';
import { DataSource } from 'typeorm';
import { HUB_CLOCK, type HubClock, systemClock } from '../clock.js';
import { AgentEntity } from '../persistence/agent.entity.js';
import { ClusterEntity } from '../persistence/cluster.entity.js';
import { clusterLiveness } from './liveness.js';
import { type PlatformGroup, platformGroup } from './platform-group.js';
import {
  currentOnly,
  daysBetween,
  findingsQb,
  parseJson,
  platformsOf,
  PROBLEMS,
  SEVERITY_LIST,
  toNum,
} from './posture-store.js';
import type {
  AreaPosture,
  ExpiringCertificate,
  FleetSummary,
  GroupSummary,
  KmsKeyAge,
} from './posture.types.js';
import { averageScore, scoreOf } from './scoring.js';

/** Checks whose results carry a certificate's `notAfter` in their evidence. */
export const CERT_EXPIRY_CHECK_IDS = ['cert-expiry', 'cert-ca-expiry'];
/** The check whose results carry the KMS key id and its age. */
export const KMS_KEY_ROTATION_CHECK_ID = 'kms-key-rotation';

/**
 * The fleet roll-ups: platform groups with pooled and per-cluster scores, liveness totals, stale clusters,
 * soonest-expiring certificates and KMS key ages. Every fleet-wide roll-up read goes through this service.
 */
@Injectable()
export class FleetSummaryService {
  private readonly clock: HubClock;

  constructor(
    private readonly ds: DataSource,
    @Optional() @Inject(HUB_CLOCK) clock?: HubClock,
  ) {
    this.clock = clock ?? systemClock;
  }

  async fleetSummary(opts: {
    staleAfterMs: number;
    certLimit: number;
    withinDays?: number;
  }): Promise<FleetSummary> {
    const nowDate = this.clock.now();
    const now = nowDate.getTime();
    const clusters = await this.ds.getRepository(ClusterEntity).find();
    const agentRows = await this.ds
      .getRepository(AgentEntity)
      .createQueryBuilder('a')
      .select(['a.clusterName', 'a.status', 'a.revoked'])
      .getMany();
    const agentsOf = new Map<string, AgentEntity[]>();
    for (const a of agentRows) {
      const l = agentsOf.get(a.clusterName) ?? [];
      l.push(a);
      agentsOf.set(a.clusterName, l);
    }
    const platformOf = new Map(clusters.map((c) => [c.name, c.platform]));

    const emptyGroup = (): GroupSummary => ({
      clusters: 0,
      platforms: {},
      score: null,
      byArea: Object.fromEntries(
        AREAS.map((a) => [a, { ...emptyCounts(), score: null, averageClusterScore: null }]),
      ) as Record<Area, AreaPosture>,
      openBySeverity: Object.fromEntries(SEVERITY_LIST.map((s) => [s, 0])) as Record<Severity, number>,
    });
    const groups: Record<PlatformGroup, GroupSummary> = {
      onPrem: emptyGroup(),
      azure: emptyGroup(),
      other: emptyGroup(),
    };
    const scoreSums = {
      onPrem: new Map<Area, number[]>(),
      azure: new Map<Area, number[]>(),
      other: new Map<Area, number[]>(),
    };
    const totals = { total: clusters.length, online: 0, offline: 0, unknown: 0, stale: 0 };
    const staleClusters: FleetSummary['staleClusters'] = [];
    for (const c of clusters) {
      const g = platformGroup(c.platform);
      groups[g].clusters += 1;
      groups[g].platforms[c.platform] = (groups[g].platforms[c.platform] ?? 0) + 1;
      for (const [area, score] of Object.entries(c.scores ?? {}) as [Area, number][]) {
        const l = scoreSums[g].get(area) ?? [];
        l.push(score);
        scoreSums[g].set(area, l);
      }
      const live = clusterLiveness(c, agentsOf.get(c.name) ?? [], now, opts.staleAfterMs);
      totals[live.state] += 1;
      if (live.stale) {
        totals.stale += 1;
        staleClusters.push({
          name: c.name,
          platform: c.platform,
          lastReceivedAt: c.lastReceivedAt,
          reportAgeSeconds: live.reportAgeSeconds,
        });
      }
    }
    // Never-reporting clusters first, then the longest silent.
    staleClusters.sort(
      (a, b) =>
        (a.lastReceivedAt ?? '').localeCompare(b.lastReceivedAt ?? '') || a.name.localeCompare(b.name),
    );

    const grouped = await currentOnly(
      findingsQb(this.ds, 'f')
        .innerJoin(ClusterEntity, 'c', 'c.name = f.clusterName')
        .select('c.platform', 'platform')
        .addSelect('f.area', 'area')
        .addSelect('f.outcome', 'outcome')
        .addSelect('f.severity', 'severity')
        .addSelect('COUNT(*)', 'n'),
    )
      .groupBy('c.platform')
      .addGroupBy('f.area')
      .addGroupBy('f.outcome')
      .addGroupBy('f.severity')
      .getRawMany<{
        platform: Platform;
        area: Area;
        outcome: Outcome;
        severity: Severity;
        n: string | number;
      }>();
    for (const r of grouped) {
      const g = groups[platformGroup(r.platform)];
      const a = g.byArea[r.area];
      if (a) a[r.outcome] += toNum(r.n);
      if (PROBLEMS.includes(r.outcome)) g.openBySeverity[r.severity] += toNum(r.n);
    }
    for (const key of Object.keys(groups) as PlatformGroup[]) {
      const g = groups[key];
      const all = emptyCounts();
      for (const area of AREAS) {
        const a = g.byArea[area];
        a.score = scoreOf(a);
        const scores = scoreSums[key].get(area);
        a.averageClusterScore = averageScore(scores ?? []);
        for (const o of Object.keys(all) as Outcome[]) all[o] += a[o];
      }
      g.score = scoreOf(all);
    }

    return {
      generatedAt: nowDate.toISOString(),
      staleAfterSeconds: Math.round(opts.staleAfterMs / 1000),
      clusters: totals,
      groups,
      expiringCertificates: await this.expiringCertificates(platformOf, now, opts.certLimit, opts.withinDays),
      staleClusters,
      kmsKeys: await this.kmsKeySummary(platformOf, now, opts.certLimit),
    };
  }

  /**
   * A text field of the JSON evidence column, in the database's own dialect, so sorting and filtering happen
   * in SQL instead of parsing thousands of evidence documents in the hub.
   */
  private evidenceText(key: string): string {
    if (!/^[A-Za-z]+$/.test(key)) throw new Error(`evidence key ${key} is not a plain name`);
    return this.ds.options.type === 'postgres'
      ? `(CAST(f.evidence AS jsonb) ->> '${key}')`
      : `(CASE WHEN json_valid(f.evidence) THEN json_extract(f.evidence, '$.${key}') END)`;
  }

  /** Soonest-expiring certificates across the fleet, from the evidence (`notAfter`) of the expiry checks' results. */
  async expiringCertificates(
    platformOf: Map<string, Platform> | null,
    now: number,
    limit: number,
    withinDays?: number,
  ): Promise<ExpiringCertificate[]> {
    const notAfterSql = this.evidenceText('notAfter');
    const qb = findingsQb(this.ds, 'f')
      .select('f.clusterName', 'cluster')
      .addSelect('f.checkId', 'checkId')
      .addSelect('f.outcome', 'outcome')
      .addSelect('f.severity', 'severity')
      .addSelect('f.resource', 'resource')
      .addSelect('f.message', 'message')
      .addSelect(notAfterSql, 'notAfter')
      .addSelect(this.evidenceText('subject'), 'subject')
      .where('f.checkId IN (:...certChecks)', { certChecks: CERT_EXPIRY_CHECK_IDS })
      .andWhere('f.resolvedAt IS NULL')
      // ISO-8601 text sorts in time order; anything else is not a date and is left out.
      .andWhere(`${notAfterSql} LIKE '____-__-__T%'`);
    if (withinDays !== undefined) {
      qb.andWhere(`${notAfterSql} <= :horizon`, {
        horizon: new Date(now + withinDays * 86_400_000).toISOString(),
      });
    }
    // Twice the limit, then an exact sort on parsed times: offsets or missing milliseconds can shuffle text order
    // slightly, never by more than a few neighbours.
    const rows = await qb
      .orderBy(notAfterSql, 'ASC')
      .addOrderBy('f.id', 'ASC')
      .limit(limit * 2 + 10)
      .getRawMany<{
        cluster: string;
        checkId: string;
        outcome: Outcome;
        severity: Severity;
        resource: string | ResourceRef;
        message: string;
        notAfter: string;
        subject: string | null;
      }>();
    const found = rows
      .map((r) => ({ r, t: Date.parse(r.notAfter) }))
      .filter((x) => !Number.isNaN(x.t))
      .sort((a, b) => a.t - b.t || a.r.cluster.localeCompare(b.r.cluster))
      .slice(0, limit);
    const platforms =
      platformOf ??
      (await platformsOf(
        this.ds,
        found.map((x) => x.r.cluster),
      ));
    return found.map(({ r, t }) => ({
      cluster: r.cluster,
      platform: platforms.get(r.cluster) ?? null,
      checkId: r.checkId,
      outcome: r.outcome,
      severity: r.severity,
      resource: parseJson<ResourceRef>(r.resource) ?? { kind: 'unknown' },
      notAfter: new Date(t).toISOString(),
      expiresInDays: daysBetween(t, now),
      subject: typeof r.subject === 'string' ? r.subject : null,
      message: r.message,
    }));
  }

  private async kmsKeySummary(
    platformOf: Map<string, Platform>,
    now: number,
    limit: number,
  ): Promise<FleetSummary['kmsKeys']> {
    const all = await this.kmsKeys(platformOf, now);
    const ages = all.flatMap((k) => (k.ageDays === null ? [] : [k.ageDays])).sort((a, b) => a - b);
    const mid = ages.length >> 1;
    const median =
      ages.length === 0
        ? null
        : ages.length % 2
          ? ages[mid]
          : Math.round(((ages[mid - 1] + ages[mid]) / 2) * 10) / 10;
    return {
      clusters: new Set(all.map((k) => k.cluster)).size,
      withKnownAge: ages.length,
      medianAgeDays: median,
      oldest: all.slice(0, limit),
    };
  }

  /**
   * KMS key id and age per cluster from `kms-key-rotation` evidence: `keyId`, and `inUseSince` (ISO; also read:
   * `rotatedAt`, `keyFirstSeenAt`) or else `ageDays` / `keyAgeDays` (as of the scan). A start time wins: the age
   * is then counted to the hub's now, not to the scan. Oldest key first.
   */
  async kmsKeys(platformOf: Map<string, Platform>, now: number): Promise<KmsKeyAge[]> {
    const rows = await findingsQb(this.ds, 'f')
      .select(['f.clusterName', 'f.outcome', 'f.resource', 'f.evidence', 'f.message'])
      .where('f.checkId = :kms', { kms: KMS_KEY_ROTATION_CHECK_ID })
      .andWhere('f.resolvedAt IS NULL')
      .getMany();
    const out = rows.map((r): KmsKeyAge => {
      const ev = parseJson<Record<string, unknown>>(r.evidence) ?? {};
      const since = [ev['inUseSince'], ev['rotatedAt'], ev['keyFirstSeenAt']].find(
        (v): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v)),
      );
      const scanAge = [ev['ageDays'], ev['keyAgeDays']].find((v): v is number => typeof v === 'number');
      const ageDays = since ? daysBetween(now, Date.parse(since)) : (scanAge ?? null);
      return {
        cluster: r.clusterName,
        platform: platformOf.get(r.clusterName) ?? null,
        outcome: r.outcome,
        resource: r.resource,
        keyId: typeof ev['keyId'] === 'string' ? ev['keyId'] : null,
        ageDays,
        rotatedAt: since ?? null,
        message: r.message,
      };
    });
    out.sort((a, b) => (b.ageDays ?? -1) - (a.ageDays ?? -1) || a.cluster.localeCompare(b.cluster));
    return out;
  }
}
