import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  AREAS,
  type Area,
  CATALOGUE,
  catalogueEntry,
  type ClusterRole,
  emptyCounts,
  type Outcome,
  type OutcomeCounts,
  type Platform,
  type ResourceRef,
  type Severity,
} from '@watchpost/shared';
import { Brackets, DataSource, type SelectQueryBuilder } from 'typeorm';
import { AgentEntity } from '../persistence/agent.entity.js';
import { ClusterEntity, scoreOf } from '../persistence/cluster.entity.js';
import { FindingEntity } from '../persistence/finding.entity.js';
import { IssuedCertificateEntity } from '../persistence/issued-certificate.entity.js';
import { QuarantineEntity } from '../persistence/quarantine.entity.js';
import { ReportEntity } from '../persistence/report.entity.js';
import { HUB_CLOCK, type HubClock, systemClock } from './clock.js';
import { decodeCursor, encodeCursor } from './cursor.js';

/** On premises (AKS hybrid on Azure Stack HCI / Azure Local, Arc-enabled) vs AKS in Azure vs anything else. */
export type PlatformGroup = 'onPrem' | 'azure' | 'other';

/** Which group a platform belongs to in the fleet summary. */
export function platformGroup(p: string): PlatformGroup {
  if (p === 'aks-hci' || p === 'arc') return 'onPrem';
  if (p === 'aks') return 'azure';
  return 'other';
}

/** Checks whose results carry a certificate's `notAfter` in their evidence. */
export const CERT_EXPIRY_CHECK_IDS = ['cert-expiry', 'cert-ca-expiry'];
/** The check whose results carry the KMS key id and its age. */
export const KMS_KEY_ROTATION_CHECK_ID = 'kms-key-rotation';

/** Default "stale" threshold: no report received by the hub for this long. */
export const DEFAULT_STALE_AFTER_MS = 6 * 3_600_000;

/** A page of a list with an opaque cursor to the next one (null on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Filters of the findings list and exports. */
export interface FindingFilters {
  cluster?: string[];
  area?: Area[];
  check?: string[];
  severity?: Severity[];
  outcome?: Outcome[];
  platform?: Platform[];
  /** true: only rows with `resolvedAt`; false: only rows without. */
  resolved?: boolean;
}

/** A finding as the API shows it. */
export interface FindingView {
  id: number;
  cluster: string;
  platform: Platform | null;
  agentId: string;
  checkId: string;
  title: string | null;
  area: Area;
  severity: Severity;
  outcome: Outcome;
  resource: ResourceRef;
  resourceKey: string;
  message: string;
  evidence: Record<string, unknown> | null;
  firstSeenAt: string;
  lastSeenAt: string;
  outcomeSince: string;
  resolvedAt: string | null;
}

/** Agent liveness, from the retained status / last will and from the hub's receive time of reports. */
export interface ClusterLiveness {
  state: 'online' | 'offline' | 'unknown';
  agents: { online: number; offline: number; unknown: number; revoked: number };
  lastReceivedAt: string | null;
  reportAgeSeconds: number | null;
  stale: boolean;
}

/** One cluster in the clusters list. */
export interface ClusterView {
  name: string;
  platform: Platform;
  platformGroup: PlatformGroup;
  role: ClusterRole;
  location: string | null;
  kubernetesVersion: string | null;
  score: number | null;
  scores: Partial<Record<Area, number>>;
  lastReport: {
    agentId: string | null;
    seq: number | null;
    scannedAt: string | null;
    receivedAt: string | null;
    clockSkewMs: number | null;
  };
  liveness: ClusterLiveness;
}

/** An agent as the API shows it. */
export interface AgentView {
  id: string;
  cluster: string;
  nodeName: string | null;
  status: 'online' | 'offline' | 'unknown';
  statusAt: string | null;
  agentVersion: string | null;
  lastSeq: number | null;
  lastScannedAt: string | null;
  lastReceivedAt: string | null;
  clockSkewMs: number | null;
  droppedTotal: number;
  certificate: {
    serial: string | null;
    notAfter: string | null;
    expiresInDays: number | null;
    expired: boolean | null;
  };
  revoked: boolean;
  revokedAt: string | null;
  enrolledAt: string;
}

/** An expiring certificate found by the certificates area. */
export interface ExpiringCertificate {
  cluster: string;
  platform: Platform | null;
  checkId: string;
  outcome: Outcome;
  severity: Severity;
  resource: ResourceRef;
  notAfter: string;
  expiresInDays: number;
  subject: string | null;
  message: string;
}

/** Counts per outcome plus the pooled score (pass share of evaluated results). */
export type AreaPosture = OutcomeCounts & { score: number | null; averageClusterScore: number | null };

/** One platform group in the fleet summary. */
export interface GroupSummary {
  clusters: number;
  platforms: Partial<Record<Platform, number>>;
  score: number | null;
  byArea: Record<Area, AreaPosture>;
  openBySeverity: Record<Severity, number>;
}

/** KMS key facts per cluster, from `kms-key-rotation` evidence. */
export interface KmsKeyAge {
  cluster: string;
  platform: Platform | null;
  outcome: Outcome;
  resource: ResourceRef;
  keyId: string | null;
  ageDays: number | null;
  rotatedAt: string | null;
  message: string;
}

/** The fleet summary document. */
export interface FleetSummary {
  generatedAt: string;
  staleAfterSeconds: number;
  clusters: { total: number; online: number; offline: number; unknown: number; stale: number };
  groups: Record<PlatformGroup, GroupSummary>;
  expiringCertificates: ExpiringCertificate[];
  staleClusters: {
    name: string;
    platform: Platform;
    lastReceivedAt: string | null;
    reportAgeSeconds: number | null;
  }[];
  /** KMS keys across the fleet: how many clusters report one, the median age, and the oldest ones. */
  kmsKeys: { clusters: number; withKnownAge: number; medianAgeDays: number | null; oldest: KmsKeyAge[] };
}

const SEVERITY_LIST: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
const PROBLEMS: Outcome[] = ['fail', 'warn', 'error'];

function toNum(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

function daysBetween(later: number, earlier: number): number {
  return Math.floor(((later - earlier) / 86_400_000) * 10) / 10;
}

function parseJson<T>(v: unknown): T | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') return v as T;
  try {
    return JSON.parse(v) as T;
  } catch {
    return null;
  }
}

/**
 * Read side of the posture store. "Current" findings are every row except problems that were resolved by
 * disappearing from a newer report (those keep their last outcome and a `resolvedAt`).
 */
@Injectable()
export class PostureQueryService {
  private readonly clock: HubClock;

  constructor(
    private readonly ds: DataSource,
    @Optional() @Inject(HUB_CLOCK) clock?: HubClock,
  ) {
    this.clock = clock ?? systemClock;
  }

  now(): Date {
    return this.clock.now();
  }

  private findingsQb(alias = 'f'): SelectQueryBuilder<FindingEntity> {
    return this.ds.getRepository(FindingEntity).createQueryBuilder(alias);
  }

  private currentOnly(qb: SelectQueryBuilder<FindingEntity>, alias = 'f'): SelectQueryBuilder<FindingEntity> {
    return qb.andWhere(
      new Brackets((w) => {
        w.where(`${alias}.resolvedAt IS NULL`).orWhere(`${alias}.outcome IN (:...curOk)`, {
          curOk: ['pass', 'not_applicable'],
        });
      }),
    );
  }

  private async platformsOf(names: readonly string[]): Promise<Map<string, Platform>> {
    const out = new Map<string, Platform>();
    const unique = [...new Set(names)];
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await this.ds
        .getRepository(ClusterEntity)
        .createQueryBuilder('c')
        .select(['c.name', 'c.platform'])
        .where('c.name IN (:...names)', { names: unique.slice(i, i + 500) })
        .getMany();
      for (const r of rows) out.set(r.name, r.platform);
    }
    return out;
  }

  // ---------------------------------------------------------------- findings

  /** One page of findings in a stable order (cluster, check, resource key: the unique key of the table). */
  async findings(filters: FindingFilters, limit: number, cursor?: string): Promise<Page<FindingView>> {
    const qb = this.findingsQb('f');
    this.applyFindingFilters(qb, filters);
    if (cursor) {
      const [c, k, r] = decodeCursor('findings', cursor, ['string', 'string', 'string']);
      qb.andWhere(
        new Brackets((w) => {
          w.where('f.clusterName > :cc', { cc: c })
            .orWhere('(f.clusterName = :cc AND f.checkId > :ck)', { ck: k })
            .orWhere('(f.clusterName = :cc AND f.checkId = :ck AND f.resourceKey > :cr)', { cr: r });
        }),
      );
    }
    qb.orderBy('f.clusterName', 'ASC')
      .addOrderBy('f.checkId', 'ASC')
      .addOrderBy('f.resourceKey', 'ASC')
      .take(limit + 1);
    const rows = await qb.getMany();
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const platforms = await this.platformsOf(page.map((r) => r.clusterName));
    const last = page[page.length - 1];
    return {
      items: page.map((r) => this.findingView(r, platforms.get(r.clusterName) ?? null)),
      nextCursor:
        more && last ? encodeCursor('findings', [last.clusterName, last.checkId, last.resourceKey]) : null,
    };
  }

  /** Every matching finding, page by page (exports stream these). */
  async *allFindings(filters: FindingFilters, batch = 1000): AsyncGenerator<FindingView[]> {
    let cursor: string | undefined;
    for (;;) {
      const page = await this.findings(filters, batch, cursor);
      if (page.items.length) yield page.items;
      if (!page.nextCursor) return;
      cursor = page.nextCursor;
    }
  }

  private applyFindingFilters(qb: SelectQueryBuilder<FindingEntity>, f: FindingFilters): void {
    if (f.cluster?.length) qb.andWhere('f.clusterName IN (:...fCluster)', { fCluster: f.cluster });
    if (f.area?.length) qb.andWhere('f.area IN (:...fArea)', { fArea: f.area });
    if (f.check?.length) qb.andWhere('f.checkId IN (:...fCheck)', { fCheck: f.check });
    if (f.severity?.length) qb.andWhere('f.severity IN (:...fSeverity)', { fSeverity: f.severity });
    if (f.outcome?.length) qb.andWhere('f.outcome IN (:...fOutcome)', { fOutcome: f.outcome });
    if (f.resolved === true) qb.andWhere('f.resolvedAt IS NOT NULL');
    if (f.resolved === false) qb.andWhere('f.resolvedAt IS NULL');
    if (f.platform?.length) {
      qb.andWhere(
        (sub) =>
          'f.clusterName IN ' +
          sub
            .subQuery()
            .select('pc.name')
            .from(ClusterEntity, 'pc')
            .where('pc.platform IN (:...fPlatform)', { fPlatform: f.platform })
            .getQuery(),
      );
    }
  }

  private findingView(r: FindingEntity, platform: Platform | null): FindingView {
    return {
      id: r.id,
      cluster: r.clusterName,
      platform,
      agentId: r.agentId,
      checkId: r.checkId,
      title: catalogueEntry(r.checkId)?.title ?? null,
      area: r.area,
      severity: r.severity,
      outcome: r.outcome,
      resource: r.resource,
      resourceKey: r.resourceKey,
      message: r.message,
      evidence: r.evidence,
      firstSeenAt: r.firstSeenAt,
      lastSeenAt: r.lastSeenAt,
      outcomeSince: r.outcomeSince,
      resolvedAt: r.resolvedAt,
    };
  }

  // ---------------------------------------------------------------- clusters

  async clusters(
    filters: { platform?: Platform[]; role?: ClusterRole[]; stale?: boolean },
    limit: number,
    cursor: string | undefined,
    staleAfterMs: number,
  ): Promise<Page<ClusterView>> {
    const now = this.now().getTime();
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
    const agents = await this.agentsByCluster(page.map((c) => c.name));
    const last = page[page.length - 1];
    return {
      items: page.map((c) => this.clusterView(c, agents.get(c.name) ?? [], now, staleAfterMs)),
      nextCursor: more && last ? encodeCursor('clusters', [last.name]) : null,
    };
  }

  private async agentsByCluster(names: readonly string[]): Promise<Map<string, AgentEntity[]>> {
    const out = new Map<string, AgentEntity[]>();
    for (let i = 0; i < names.length; i += 500) {
      const rows = await this.ds
        .getRepository(AgentEntity)
        .createQueryBuilder('a')
        .where('a.clusterName IN (:...names)', { names: names.slice(i, i + 500) })
        .getMany();
      for (const a of rows) {
        const list = out.get(a.clusterName) ?? [];
        list.push(a);
        out.set(a.clusterName, list);
      }
    }
    return out;
  }

  private liveness(
    c: ClusterEntity,
    agents: readonly AgentEntity[],
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

  private clusterView(
    c: ClusterEntity,
    agents: readonly AgentEntity[],
    now: number,
    staleAfterMs: number,
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
      liveness: this.liveness(c, agents, now, staleAfterMs),
    };
  }

  /** Cluster detail: the list view plus its agents, posture per area, open problems by severity and the newest report. */
  async cluster(name: string, staleAfterMs: number) {
    const c = await this.ds.getRepository(ClusterEntity).findOne({ where: { name } });
    if (!c) return null;
    const now = this.now().getTime();
    const agents = (await this.agentsByCluster([name])).get(name) ?? [];
    const grouped = await this.currentOnly(
      this.findingsQb('f')
        .select('f.area', 'area')
        .addSelect('f.outcome', 'outcome')
        .addSelect('f.severity', 'severity')
        .addSelect('COUNT(*)', 'n')
        .where('f.clusterName = :name', { name }),
    )
      .groupBy('f.area')
      .addGroupBy('f.outcome')
      .addGroupBy('f.severity')
      .getRawMany<{ area: Area; outcome: Outcome; severity: Severity; n: string | number }>();
    const byArea = Object.fromEntries(AREAS.map((a) => [a, emptyCounts()])) as Record<Area, OutcomeCounts>;
    const openBySeverity = Object.fromEntries(SEVERITY_LIST.map((s) => [s, 0])) as Record<Severity, number>;
    for (const g of grouped) {
      if (byArea[g.area]) byArea[g.area][g.outcome] += toNum(g.n);
      if (PROBLEMS.includes(g.outcome)) openBySeverity[g.severity] += toNum(g.n);
    }
    const lastReport = await this.ds
      .getRepository(ReportEntity)
      .createQueryBuilder('r')
      .where('r.clusterName = :name', { name })
      .orderBy('r.receivedAt', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .getOne();
    return {
      ...this.clusterView(c, agents, now, staleAfterMs),
      posture: Object.fromEntries(AREAS.map((a) => [a, { ...byArea[a], score: scoreOf(byArea[a]) }])),
      openBySeverity,
      agents: agents.map((a) => this.agentView(a, now)),
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

  // ---------------------------------------------------------------- agents

  agentView(a: AgentEntity, now: number): AgentView {
    const notAfter = a.certNotAfter ? Date.parse(a.certNotAfter) : null;
    return {
      id: a.id,
      cluster: a.clusterName,
      nodeName: a.nodeName,
      status: a.status,
      statusAt: a.statusAt,
      agentVersion: a.agentVersion,
      lastSeq: a.lastSeq,
      lastScannedAt: a.lastScannedAt,
      lastReceivedAt: a.lastReceivedAt,
      clockSkewMs: a.clockSkewMs,
      droppedTotal: a.droppedTotal,
      certificate: {
        serial: a.certSerial,
        notAfter: a.certNotAfter,
        expiresInDays: notAfter === null ? null : daysBetween(notAfter, now),
        expired: notAfter === null ? null : notAfter <= now,
      },
      revoked: a.revoked,
      revokedAt: a.revokedAt,
      enrolledAt: a.enrolledAt,
    };
  }

  async agents(
    filters: { cluster?: string[]; status?: ('online' | 'offline' | 'unknown')[]; revoked?: boolean },
    limit: number,
    cursor?: string,
  ): Promise<Page<AgentView>> {
    const qb = this.ds.getRepository(AgentEntity).createQueryBuilder('a');
    if (filters.cluster?.length) qb.andWhere('a.clusterName IN (:...cluster)', { cluster: filters.cluster });
    if (filters.status?.length) qb.andWhere('a.status IN (:...status)', { status: filters.status });
    if (filters.revoked !== undefined) qb.andWhere('a.revoked = :revoked', { revoked: filters.revoked });
    if (cursor) {
      const [id] = decodeCursor('agents', cursor, ['string']);
      qb.andWhere('a.id > :after', { after: id });
    }
    const rows = await qb
      .orderBy('a.id', 'ASC')
      .take(limit + 1)
      .getMany();
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const now = this.now().getTime();
    const last = page[page.length - 1];
    return {
      items: page.map((a) => this.agentView(a, now)),
      nextCursor: more && last ? encodeCursor('agents', [last.id]) : null,
    };
  }

  async agent(id: string) {
    const a = await this.ds.getRepository(AgentEntity).findOne({ where: { id } });
    if (!a) return null;
    const certs = await this.ds
      .getRepository(IssuedCertificateEntity)
      .find({ where: { agentId: id }, order: { issuedAt: 'DESC', serial: 'ASC' }, take: 50 });
    return {
      ...this.agentView(a, this.now().getTime()),
      issuedCertificates: certs.map((c) => ({
        serial: c.serial,
        fingerprint: c.fingerprint,
        notBefore: c.notBefore,
        notAfter: c.notAfter,
        issuedAt: c.issuedAt,
        reason: c.reason,
        revokedAt: c.revokedAt,
      })),
    };
  }

  // ---------------------------------------------------------------- quarantine

  async quarantine(filters: { agent?: string[]; reason?: string[] }, limit: number, cursor?: string) {
    const qb = this.ds.getRepository(QuarantineEntity).createQueryBuilder('q');
    if (filters.agent?.length) qb.andWhere('q.agentId IN (:...agent)', { agent: filters.agent });
    if (filters.reason?.length) qb.andWhere('q.reason IN (:...reason)', { reason: filters.reason });
    if (cursor) {
      const [id] = decodeCursor('quarantine', cursor, ['number']);
      qb.andWhere('q.id < :before', { before: id });
    }
    // Newest first: an operator looks at what just went wrong.
    const rows = await qb
      .orderBy('q.id', 'DESC')
      .take(limit + 1)
      .getMany();
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return { items: page, nextCursor: more && last ? encodeCursor('quarantine', [last.id]) : null };
  }

  // ---------------------------------------------------------------- checks

  /** The catalogue with each check's fleet pass rate, overall and per platform. */
  async checks() {
    const rows = await this.currentOnly(
      this.findingsQb('f')
        .innerJoin(ClusterEntity, 'c', 'c.name = f.clusterName')
        .select('f.checkId', 'checkId')
        .addSelect('c.platform', 'platform')
        .addSelect('f.outcome', 'outcome')
        .addSelect('COUNT(*)', 'n'),
    )
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

  /** Clusters where one check currently fails, warns or errs. */
  async checkClusters(checkId: string) {
    const rows = await this.findingsQb('f')
      .select('f.clusterName', 'cluster')
      .addSelect('f.outcome', 'outcome')
      .addSelect('COUNT(*)', 'n')
      .where('f.checkId = :checkId', { checkId })
      .andWhere('f.resolvedAt IS NULL')
      .andWhere('f.outcome IN (:...problems)', { problems: PROBLEMS })
      .groupBy('f.clusterName')
      .addGroupBy('f.outcome')
      .orderBy('f.clusterName', 'ASC')
      .getRawMany<{ cluster: string; outcome: Outcome; n: string | number }>();
    const out = new Map<string, Partial<Record<Outcome, number>>>();
    for (const r of rows) out.set(r.cluster, { ...(out.get(r.cluster) ?? {}), [r.outcome]: toNum(r.n) });
    return [...out].map(([cluster, counts]) => ({ cluster, ...counts }));
  }

  // ---------------------------------------------------------------- fleet summary

  async fleetSummary(opts: {
    staleAfterMs: number;
    certLimit: number;
    withinDays?: number;
  }): Promise<FleetSummary> {
    const nowDate = this.now();
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
      const live = this.liveness(c, agentsOf.get(c.name) ?? [], now, opts.staleAfterMs);
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

    const grouped = await this.currentOnly(
      this.findingsQb('f')
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
        a.averageClusterScore = scores?.length
          ? Math.round(scores.reduce((s, x) => s + x, 0) / scores.length)
          : null;
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
    const qb = this.findingsQb('f')
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
    const platforms = platformOf ?? (await this.platformsOf(found.map((x) => x.r.cluster)));
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
    const rows = await this.findingsQb('f')
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
