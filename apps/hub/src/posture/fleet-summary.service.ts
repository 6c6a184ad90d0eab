import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  AREAS,
  type Area,
  catalogueEntry,
  type CertificateFactsV1,
  certificateFacts,
  emptyCounts,
  kmsKeyFacts,
  kmsKeyFactsV1Schema,
  type KmsKeyFactsV1,
  type Outcome,
  type Platform,
  type ResourceRef,
  type Severity,
} from '@watchpost/shared';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { HUB_CLOCK, type HubClock, systemClock } from '../clock.js';
import { AgentEntity } from '../persistence/agent.entity.js';
import { ClusterEntity, type PostureCounts } from '../persistence/cluster.entity.js';
import type { FindingEntity } from '../persistence/finding.entity.js';
import { compileZod } from '../ingest/envelope-validator.js';
import { KeptByRevision, type KeptEntry } from './kept-by-revision.js';
import { BEST_AGENT_LIVENESS_SQL, liveState, reportLiveness } from './liveness.js';
import { COUNT_OUTCOMES, COUNT_SEVERITIES, countPosture, readPostureCounts } from './posture-counts.js';
import { type PlatformGroup, platformGroup } from './platform-group.js';
import {
  countedOnly,
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
import { scoreOf } from './scoring.js';

/** The expiry checks: their results carry the certificate facts the expiry list and metrics read. */
export const CERT_EXPIRY_CHECK_IDS = ['cert-expiry', 'cert-ca-expiry'];
/** The check whose results carry KMS key facts. */
export const KMS_KEY_ROTATION_CHECK_ID = 'kms-key-rotation';
/** The check whose namespace results carry IMDS exposure facts. */
export const IMDS_EGRESS_CHECK_ID = 'netpol-imds-egress';

/**
 * The fleet roll-ups: platform groups with pooled and per-cluster scores, liveness totals, stale clusters,
 * soonest-expiring certificates and KMS key ages. Every fleet-wide roll-up read goes through this service.
 */
@Injectable()
export class FleetSummaryService {
  private readonly clock: HubClock;
  /**
   * Per cluster, what moves only with its `posture_revision`, as read at that revision (`keptClusters`): scores,
   * roll-up, ranked certificate and KMS rows; and its last report time, parsed. Read-only between reads.
   */
  private readonly kept = new KeptByRevision<KeptCluster>();

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
    // Only what moves between reads, as plain rows: the cluster's liveness (its best unrevoked agent, counted by
    // the database instead of 10,000 agent rows read into the hub), its report time and its revision. Its scores
    // and roll-up move only with the revision and are kept (`keptClusters`).
    const clusters = await this.ds.query<
      {
        name: string;
        platform: Platform;
        lastReceivedAt: string | null;
        revision: number | string;
        live: number | string | null;
      }[]
    >(
      `SELECT c."name", c."platform", c."last_received_at" AS "lastReceivedAt", ` +
        `c."posture_revision" AS "revision", ${BEST_AGENT_LIVENESS_SQL} AS "live" FROM "clusters" c`,
    );
    // Read after the revisions it is keyed by (see `keptClusters`).
    const kept = await this.keptClusters(clusters);
    // Each cluster's kept entry, in the order of the rows read.
    const entries: KeptCluster[] = [];
    const platformOf = { get: (name: string) => kept.get(name)?.platform };
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
    // Per group, summed in cluster order: scores and how many clusters have one, by `AREAS` index, and the
    // roll-ups laid out as `flatCounts`.
    const sums = {
      onPrem: { score: new Float64Array(AREAS.length), scored: new Float64Array(AREAS.length) },
      azure: { score: new Float64Array(AREAS.length), scored: new Float64Array(AREAS.length) },
      other: { score: new Float64Array(AREAS.length), scored: new Float64Array(AREAS.length) },
    };
    const counted = {
      onPrem: new Float64Array(FLAT_COUNTS),
      azure: new Float64Array(FLAT_COUNTS),
      other: new Float64Array(FLAT_COUNTS),
    };
    const totals = { total: clusters.length, online: 0, offline: 0, unknown: 0, stale: 0 };
    const staleClusters: FleetSummary['staleClusters'] = [];
    const missing: string[] = [];
    for (const c of clusters) {
      const k = kept.get(c.name);
      if (!k) continue;
      entries.push(k);
      k.platform = c.platform;
      const g = platformGroup(c.platform);
      groups[g].clusters += 1;
      groups[g].platforms[c.platform] = (groups[g].platforms[c.platform] ?? 0) + 1;
      const sum = sums[g];
      for (let i = 0; i < AREAS.length; i++) {
        const score = k.scores[i];
        if (score === score) {
          sum.score[i] += score;
          sum.scored[i] += 1;
        }
      }
      if (k.receivedAt !== c.lastReceivedAt) {
        k.receivedAt = c.lastReceivedAt;
        k.receivedMs = c.lastReceivedAt ? Date.parse(c.lastReceivedAt) : null;
      }
      totals[liveState(c.live === null ? null : toNum(c.live))] += 1;
      if (k.receivedMs === null || now - k.receivedMs > opts.staleAfterMs) {
        totals.stale += 1;
        staleClusters.push({
          name: c.name,
          platform: c.platform,
          lastReceivedAt: c.lastReceivedAt,
          reportAgeSeconds: reportLiveness(k.receivedMs, now, opts.staleAfterMs).reportAgeSeconds,
        });
      }
      // Findings by group, area, outcome and severity: the roll-up each cluster row keeps (posture-counts.ts),
      // counted live below only for a cluster that has none yet.
      if (k.counts === null) missing.push(c.name);
      else addFlat(counted[g], k.counts);
    }
    // Never-reporting clusters first, then the longest silent.
    staleClusters.sort(
      (a, b) => collate(a.lastReceivedAt ?? '', b.lastReceivedAt ?? '') || collate(a.name, b.name),
    );

    if (missing.length > 0)
      for (const [name, counts] of await countPosture(this.ds, missing)) {
        const platform = kept.get(name)?.platform;
        if (platform !== undefined) addFlat(counted[platformGroup(platform)], flatCounts(counts));
      }
    for (const key of Object.keys(groups) as PlatformGroup[]) {
      const g = groups[key];
      const all = emptyCounts();
      const flat = counted[key];
      AREAS.forEach((area, ai) => {
        const a = g.byArea[area];
        COUNT_OUTCOMES.forEach((o, i) => (a[o] += flat[ai * COUNT_OUTCOMES.length + i]));
        a.score = scoreOf(a);
        // The mean of per-cluster scores (`averageScore`), summed in the same order.
        const n = sums[key].scored[ai];
        a.averageClusterScore = n > 0 ? Math.round(sums[key].score[ai] / n) : null;
        for (const o of Object.keys(all) as Outcome[]) all[o] += a[o];
      });
      COUNT_SEVERITIES.forEach(
        (sev, i) => (g.openBySeverity[sev] += flat[AREAS.length * COUNT_OUTCOMES.length + i]),
      );
      g.score = scoreOf(all);
    }

    return {
      generatedAt: nowDate.toISOString(),
      staleAfterSeconds: Math.round(opts.staleAfterMs / 1000),
      clusters: totals,
      groups,
      expiringCertificates: await this.expiringCertificates(
        platformOf,
        now,
        opts.certLimit,
        opts.withinDays,
        entries.flatMap((e) => e.cert),
      ),
      staleClusters,
      kmsKeys: await this.kmsKeySummary(platformOf, now, opts.certLimit, entries),
      imdsExposure: await this.imdsExposure(),
    };
  }

  /**
   * Each cluster's scores, roll-up, open certificate problems and KMS key rows: from memory for every cluster whose
   * `posture_revision` (read by the caller before this) is the one they were read at, from the database for the
   * others (all of them in one pass when many changed; `KeptByRevision` says why kept rows are never older than
   * their revision). Clusters gone are forgotten.
   */
  private async keptClusters(
    clusters: readonly { name: string; platform: Platform; revision: number | string }[],
  ): Promise<ReadonlyMap<string, KeptCluster>> {
    const stale = this.kept.stale(clusters, (c, at, had) => ({
      ...at,
      scores: NO_SCORES,
      counts: null,
      cert: [],
      kms: [],
      platform: c.platform,
      receivedAt: had?.receivedAt ?? null,
      receivedMs: had?.receivedMs ?? null,
    }));
    if (stale.size > 0) {
      const names = stale.size > clusters.length / 4 ? null : [...stale.keys()];
      for (const r of await this.readClusterPosture(names)) {
        const entry = stale.get(r.name);
        if (!entry) continue;
        entry.scores = flatScores(parseJson<Partial<Record<Area, number>>>(r.scores));
        const counts = readPostureCounts(r.postureCounts);
        entry.counts = counts && flatCounts(counts);
      }
      const { cert, kms } = await this.readRankedRows(names);
      for (const r of cert) stale.get(r.cluster)?.cert.push(r);
      for (const r of kms) stale.get(r.cluster)?.kms.push(r);
      this.kept.keep(stale);
    }
    return this.kept.entries;
  }

  /** The stored scores and roll-up of the named clusters, or of all (null). */
  private async readClusterPosture(
    clusters: readonly string[] | null,
  ): Promise<{ name: string; scores: unknown; postureCounts: string | null }[]> {
    const select = () =>
      this.ds
        .getRepository(ClusterEntity)
        .createQueryBuilder('c')
        .select('c.name', 'name')
        .addSelect('c.scores', 'scores')
        .addSelect('c.postureCounts', 'postureCounts');
    if (clusters === null) return select().getRawMany();
    const out: { name: string; scores: unknown; postureCounts: string | null }[] = [];
    for (let i = 0; i < clusters.length; i += 500)
      out.push(
        ...(await select()
          .where('c.name IN (:...names)', { names: clusters.slice(i, i + 500) })
          .getRawMany<{ name: string; scores: unknown; postureCounts: string | null }>()),
      );
    return out;
  }

  /**
   * The open, counted certificate problems of the expiry checks (facts of type certificate) and the current KMS key
   * rows with facts that pass the KMS schema, of the named clusters or of all (null), each cluster's in id order.
   */
  private async readRankedRows(
    clusters: readonly string[] | null,
  ): Promise<{ cert: CertRow[]; kms: KmsRow[] }> {
    const out: { cert: CertRow[]; kms: KmsRow[] } = { cert: [], kms: [] };
    const chunks: (readonly string[] | null)[] = clusters === null ? [null] : [];
    for (let i = 0; clusters !== null && i < clusters.length; i += 500)
      chunks.push(clusters.slice(i, i + 500));
    const compiled = (kmsFactsCheck ??= compileZod(kmsKeyFactsV1Schema));
    type Raw = { id: number | string; cluster: string; outcome: Outcome; facts: unknown };
    for (const names of chunks) {
      const scoped = (qb: SelectQueryBuilder<FindingEntity>) =>
        (names === null ? qb : qb.andWhere('f.clusterName IN (:...names)', { names }))
          .orderBy('f.clusterName', 'ASC')
          .addOrderBy('f.id', 'ASC');
      const select = () =>
        findingsQb(this.ds, 'f')
          .select('f.id', 'id')
          .addSelect('f.clusterName', 'cluster')
          .addSelect('f.outcome', 'outcome')
          .addSelect('f.facts', 'facts');
      // Exempted problems are accepted risks: they do not rank (docs/exemptions.md).
      const cert = await scoped(
        countedOnly(
          select()
            .where('f.checkId IN (:...certChecks)', { certChecks: CERT_EXPIRY_CHECK_IDS })
            .andWhere('f.resolvedAt IS NULL'),
        ).andWhere('f.outcome IN (:...problems)', { problems: PROBLEMS }),
      ).getRawMany<Raw>();
      for (const r of cert) {
        const facts = parseJson<unknown>(r.facts);
        if (
          typeof facts === 'object' &&
          facts !== null &&
          (facts as { type?: unknown }).type === 'certificate'
        )
          out.cert.push({
            id: toNum(r.id),
            cluster: r.cluster,
            outcome: r.outcome,
            facts,
            rank: rankBase(r.outcome, facts),
          });
      }
      const kms = await scoped(
        select()
          .where('f.checkId = :kms', { kms: KMS_KEY_ROTATION_CHECK_ID })
          .andWhere('f.resolvedAt IS NULL'),
      ).getRawMany<Raw>();
      for (const r of kms) {
        const raw = parseJson<unknown>(r.facts);
        const facts = raw !== null && compiled(raw) ? (raw as KmsKeyFactsV1) : kmsKeyFacts(raw);
        if (facts)
          out.kms.push({
            id: toNum(r.id),
            cluster: r.cluster,
            outcome: r.outcome,
            facts,
            sinceMs: facts.firstSeen ? Date.parse(facts.firstSeen) : null,
          });
      }
    }
    return out;
  }

  /**
   * A text field of the JSON facts column, in the database's own dialect, so filtering and ordering happen in SQL
   * instead of parsing thousands of documents in the hub.
   */
  private factsText(key: string): string {
    if (!/^[A-Za-z]+$/.test(key)) throw new Error(`facts key ${key} is not a plain name`);
    return this.ds.options.type === 'postgres'
      ? `(CAST(f.facts AS jsonb) ->> '${key}')`
      : `(CASE WHEN json_valid(f.facts) THEN json_extract(f.facts, '$.${key}') END)`;
  }

  /** SQL condition: a boolean field of the facts column is true. */
  private factsTrue(key: string): string {
    return this.ds.options.type === 'postgres'
      ? `${this.factsText(key)} = 'true'`
      : `${this.factsText(key)} = 1`;
  }

  /**
   * Certificates across the fleet, what needs action first: failing, then warning, then erring, each by time
   * left relative to the certificate's lifetime (least first); then passing certificates nobody renews
   * automatically, then those the agent judges renewed in time by the platform (so a 4-day AKS hybrid
   * certificate on a stale report never sits above a real risk), these two by `notAfter`. Reads only the typed
   * certificate facts of the expiry checks' current results.
   */
  async expiringCertificates(
    platformOf: PlatformOf | null,
    now: number,
    limit: number,
    withinDays?: number,
    openProblems?: Iterable<CertRow>,
  ): Promise<ExpiringCertificate[]> {
    const notAfterSql = this.factsText('notAfter');
    // `cheap` narrows the rows by plain columns before any JSON is read (the database tests conditions in order).
    const base = (cheap: (qb: SelectQueryBuilder<FindingEntity>) => SelectQueryBuilder<FindingEntity>) => {
      // What ranking reads; the rest of a row is read only for the rows shown (`certificateDetails`).
      const qb = findingsQb(this.ds, 'f')
        .select('f.id', 'id')
        .addSelect('f.clusterName', 'cluster')
        .addSelect('f.outcome', 'outcome')
        .addSelect('f.facts', 'facts')
        .where('f.checkId IN (:...certChecks)', { certChecks: CERT_EXPIRY_CHECK_IDS })
        .andWhere('f.resolvedAt IS NULL');
      cheap(qb).andWhere(`${this.factsText('type')} = 'certificate'`);
      if (withinDays !== undefined) {
        qb.andWhere(`${notAfterSql} <= :horizon`, {
          horizon: new Date(now + withinDays * 86_400_000).toISOString(),
        });
      }
      return qb;
    };
    type Row = { id: number | string; cluster: string; outcome: Outcome; facts: unknown };
    // Open problems are few and all ranked; passes are many, so each pass tier comes pre-ordered and limited.
    // Exempted problems are accepted risks: they do not rank (docs/exemptions.md).
    // From memory when the caller kept them (`rankedRows`), with the same conditions as the query.
    const horizon = withinDays === undefined ? null : new Date(now + withinDays * 86_400_000).toISOString();
    const problems: (Row | CertRow)[] = [];
    if (openProblems)
      for (const r of openProblems) {
        const notAfter = (r.facts as { notAfter?: unknown }).notAfter;
        if (horizon === null || (typeof notAfter === 'string' && notAfter <= horizon)) problems.push(r);
      }
    else
      problems.push(
        ...(await base((qb) =>
          countedOnly(qb).andWhere('f.outcome IN (:...problems)', { problems: PROBLEMS }),
        )
          .limit(MAX_RANKED_PROBLEMS)
          .getRawMany<Row>()),
      );
    const passTier = (auto: boolean) => {
      const flag = this.factsTrue('renewedAutomatically');
      return base((qb) => qb.andWhere("f.outcome = 'pass'"))
        .andWhere(auto ? flag : `NOT (${flag})`)
        .orderBy(notAfterSql, 'ASC')
        .addOrderBy('f.id', 'ASC')
        .limit(limit)
        .getRawMany<Row>();
    };
    const manualPasses = problems.length >= limit ? [] : await passTier(false);
    const autoPasses = problems.length + manualPasses.length >= limit ? [] : await passTier(true);

    // Ranked by the facts' own fields as stored; the full facts (zod) are checked only for the rows shown, in
    // rank order, skipping any that fail (as if left out before ranking: their keys are well-formed numbers).
    // Only the first `limit` in rank order are kept while ranking (the order a stable sort of all gives); when one
    // of them fails the full check and more were ranked, all are sorted as before.
    const keysOf = (r: Row | CertRow) =>
      'rank' in r
        ? rankKeysFrom<Row | CertRow>(r, r.facts, r.rank, now)
        : rankKeys(r, typeof r.facts === 'string' ? parseJson<unknown>(r.facts) : r.facts, now);
    const first: (RankKeys & { row: Row | CertRow; facts: unknown })[] = [];
    let ranked = 0;
    for (const rows of [problems, manualPasses, autoPasses])
      for (const r of rows)
        for (const k of keysOf(r)) {
          ranked += 1;
          keepFirst(first, k, compareExpiryRisk, limit);
        }
    const shown: { id: number; facts: CertificateFactsV1 }[] = [];
    for (const k of first) {
      const facts = certificateFacts(k.facts);
      if (facts) shown.push({ id: toNum(k.row.id), facts });
    }
    if (shown.length < limit && ranked > first.length) {
      shown.length = 0;
      for (const k of [...problems, ...manualPasses, ...autoPasses].flatMap(keysOf).sort(compareExpiryRisk)) {
        if (shown.length >= limit) break;
        const facts = certificateFacts(k.facts);
        if (facts) shown.push({ id: toNum(k.row.id), facts });
      }
    }
    const details = await this.certificateDetails(shown.map((x) => x.id));
    const rows = shown.flatMap(({ id, facts }) => {
      const row = details.get(id);
      return row ? [certificateRow(row, facts, now)] : [];
    });

    const platforms =
      platformOf ??
      (await platformsOf(
        this.ds,
        rows.map((x) => x.row.cluster),
      ));
    const nodes = await this.agentNodes(rows.map((x) => x.agentId));
    return rows.map(({ row, agentId }) => ({
      ...row,
      platform: platforms.get(row.cluster) ?? null,
      // Files and kubeconfigs sit on the node of the agent that read them.
      node:
        row.node ??
        (row.source.kind === 'file' || row.source.kind === 'kubeconfig'
          ? (nodes.get(agentId) ?? agentId)
          : null),
    }));
  }

  /** The columns of certificate rows that ranking does not read, by row id. */
  private async certificateDetails(ids: readonly number[]): Promise<Map<number, CertificateRowFields>> {
    const out = new Map<number, CertificateRowFields>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await findingsQb(this.ds, 'f')
        .select('f.id', 'id')
        .addSelect('f.clusterName', 'cluster')
        .addSelect('f.agentId', 'agentId')
        .addSelect('f.checkId', 'checkId')
        .addSelect('f.outcome', 'outcome')
        .addSelect('f.severity', 'severity')
        .addSelect('f.resource', 'resource')
        .addSelect('f.message', 'message')
        .where('f.id IN (:...ids)', { ids: ids.slice(i, i + 500) })
        .getRawMany<CertificateRowFields & { id: number | string }>();
      for (const { id, ...row } of rows) out.set(toNum(id), row);
    }
    return out;
  }

  /** Node name of each agent (from enrollment), where known. */
  private async agentNodes(ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await this.ds
        .getRepository(AgentEntity)
        .createQueryBuilder('a')
        .select(['a.id', 'a.nodeName'])
        .where('a.id IN (:...ids)', { ids: unique.slice(i, i + 500) })
        .getMany();
      for (const a of rows) if (a.nodeName) out.set(a.id, a.nodeName);
    }
    return out;
  }

  /**
   * The fleet's KMS key ages: how many clusters and keys, the median age, and the `limit` oldest. Only those are
   * built and kept in order while the ages are counted (the first `limit` of `kmsKeyAgesOf`'s order); `rows` is
   * gone through again in full only if an age is not a number (then every key is ordered as `kmsKeyAgesOf` does).
   */
  private async kmsKeySummary(
    platformOf: PlatformOf,
    now: number,
    limit: number,
    entries: readonly KeptCluster[],
  ): Promise<FleetSummary['kmsKeys']> {
    const ages: number[] = [];
    let clusters = 0;
    let exact = 0;
    let ordered = true;
    const first: KmsAge[] = [];
    for (const e of entries) {
      // A cluster's kept rows are its own.
      if (e.kms.length > 0) clusters += 1;
      for (const row of e.kms) {
        const ageDays = row.sinceMs === null ? null : daysBetween(now, row.sinceMs);
        if (ageDays !== null) {
          ages.push(ageDays);
          if (row.facts.ageExact) exact += 1;
          if (Number.isNaN(ageDays)) ordered = false;
        }
        // Most keys are younger than the last of the first `limit`: no object for them.
        const last = first.length >= limit ? first[first.length - 1] : undefined;
        if (last && (ageDays ?? -1) < (last.ageDays ?? -1)) continue;
        keepFirst(first, { row, ageDays }, compareKmsAge, limit);
      }
    }
    if (ordered) sortNumbers(ages);
    else ages.sort((a, b) => a - b);
    const mid = ages.length >> 1;
    const median =
      ages.length === 0
        ? null
        : ages.length % 2
          ? ages[mid]
          : Math.round(((ages[mid - 1] + ages[mid]) / 2) * 10) / 10;
    const oldest = ordered
      ? first.map(({ row, ageDays }) => kmsKeyAgeRow(row, platformOf, ageDays))
      : kmsKeyAgesOf(
          entries.flatMap((e) => e.kms),
          platformOf,
          now,
        ).slice(0, limit);
    return {
      clusters,
      withKnownAge: ages.length,
      withExactAge: exact,
      medianAgeDays: median,
      oldest: await this.withKmsDetails(oldest),
    };
  }

  /**
   * KMS keys per cluster and provider, from the typed KMS key facts of `kms-key-rotation`'s current results.
   * The age is counted from `firstSeen` to the hub's now: exact when the agent saw the rotation to this key
   * (`ageExact`), else a lower bound. Oldest key first; keys of unknown age last.
   */
  async kmsKeys(platformOf: PlatformOf, now: number): Promise<KmsKeyAge[]> {
    return this.withKmsDetails(await this.kmsKeyAges(platformOf, now));
  }

  /**
   * `kmsKeys` without each row's resource and message (read only for the keys shown: one row per cluster and
   * provider, 10,000 in a large fleet). Plain rows, and the facts checked by the compiled schema first (zod
   * decides what it refuses).
   */
  private async kmsKeyAges(platformOf: PlatformOf, now: number): Promise<KmsKeyAgeRow[]> {
    return kmsKeyAgesOf((await this.readRankedRows(null)).kms, platformOf, now);
  }

  /** The KMS key rows with their resource and message, in the same order. */
  private async withKmsDetails(keys: readonly KmsKeyAgeRow[]): Promise<KmsKeyAge[]> {
    const details = new Map<number, { resource: unknown; message: string }>();
    for (let i = 0; i < keys.length; i += 500) {
      const rows = await findingsQb(this.ds, 'f')
        .select('f.id', 'id')
        .addSelect('f.resource', 'resource')
        .addSelect('f.message', 'message')
        .where('f.id IN (:...ids)', { ids: keys.slice(i, i + 500).map((k) => k.id) })
        .getRawMany<{ id: number | string; resource: unknown; message: string }>();
      for (const r of rows) details.set(toNum(r.id), r);
    }
    return keys.map(({ id, ...k }) => ({
      cluster: k.cluster,
      platform: k.platform,
      outcome: k.outcome,
      resource: parseJson<ResourceRef>(details.get(id)?.resource) ?? { kind: 'unknown' },
      provider: k.provider,
      apiVersion: k.apiVersion,
      keyId: k.keyId,
      firstSeen: k.firstSeen,
      rotatedAt: k.rotatedAt,
      ageDays: k.ageDays,
      ageExact: k.ageExact,
      maxAgeDays: k.maxAgeDays,
      message: details.get(id)?.message ?? '',
    }));
  }

  /**
   * IMDS exposure across the fleet from the typed facts of `netpol-imds-egress`'s namespace results: namespaces
   * (not exempt) where a new pod can reach 169.254.169.254, and running pods that can.
   */
  async imdsExposure(): Promise<FleetSummary['imdsExposure']> {
    const exposed = `(${this.factsTrue('newPodsReach')} AND NOT (${this.factsTrue('exempt')}))`;
    const rows = await findingsQb(this.ds, 'f')
      .select('f.clusterName', 'cluster')
      .addSelect(`SUM(CASE WHEN ${exposed} THEN 1 ELSE 0 END)`, 'namespaces')
      .addSelect(
        `SUM(CASE WHEN NOT (${this.factsTrue('exempt')}) THEN CAST(${this.factsText('podsReaching')} AS INTEGER) ELSE 0 END)`,
        'pods',
      )
      .where('f.checkId = :imds', { imds: IMDS_EGRESS_CHECK_ID })
      .andWhere('f.resolvedAt IS NULL')
      .andWhere(`${this.factsText('type')} = 'imds-exposure'`)
      .groupBy('f.clusterName')
      .getRawMany<{ cluster: string; namespaces: string | number | null; pods: string | number | null }>();
    let namespaces = 0;
    let pods = 0;
    let clusters = 0;
    for (const r of rows) {
      const n = toNum(r.namespaces ?? 0);
      namespaces += n;
      pods += toNum(r.pods ?? 0);
      if (n > 0) clusters += 1;
    }
    return {
      clustersReporting: rows.length,
      clustersExposed: clusters,
      namespacesExposed: namespaces,
      podsReaching: pods,
    };
  }
}

/**
 * `a.localeCompare(b)` (the same default locale and options, so the same order), without the per-call collator
 * lookup: the sorts here compare thousands of names.
 */
const collate = new Intl.Collator().compare;

/** The ages of KMS keys, oldest first, keys of unknown age last. */
function kmsKeyAgesOf(rows: readonly KmsRow[], platformOf: PlatformOf, now: number): KmsKeyAgeRow[] {
  const out = rows.map((r) =>
    kmsKeyAgeRow(r, platformOf, r.sinceMs === null ? null : daysBetween(now, r.sinceMs)),
  );
  out.sort(
    (a, b) =>
      (b.ageDays ?? -1) - (a.ageDays ?? -1) ||
      collate(a.cluster, b.cluster) ||
      collate(a.provider, b.provider),
  );
  return out;
}

/** A cluster's platform by name. */
type PlatformOf = Pick<ReadonlyMap<string, Platform>, 'get'>;

/** One KMS key as ranked. */
function kmsKeyAgeRow(
  { id, cluster, outcome, facts }: KmsRow,
  platformOf: PlatformOf,
  ageDays: number | null,
): KmsKeyAgeRow {
  return {
    id,
    cluster,
    platform: platformOf.get(cluster) ?? null,
    outcome,
    provider: facts.provider,
    apiVersion: facts.apiVersion,
    keyId: facts.keyId ?? null,
    firstSeen: facts.firstSeen ?? null,
    rotatedAt: facts.rotatedAt ?? null,
    ageDays,
    ageExact: facts.ageExact,
    maxAgeDays: Math.round(facts.maxAgeSeconds / 86_400),
  };
}

/** A KMS key row with its age at a read. */
interface KmsAge {
  row: KmsRow;
  ageDays: number | null;
}

/** `kmsKeyAgesOf`'s order: oldest first, unknown age last, then by cluster and provider. */
function compareKmsAge(a: KmsAge, b: KmsAge): number {
  return (
    (b.ageDays ?? -1) - (a.ageDays ?? -1) ||
    collate(a.row.cluster, b.row.cluster) ||
    collate(a.row.facts.provider, b.row.facts.provider)
  );
}

/**
 * Adds `item` to `first`, the first `limit` items in `compare`'s order of those given so far, where a stable sort
 * of them all would put them: after the equal ones given before it, and not at all when `limit` equal or
 * earlier ones are there already.
 */
function keepFirst<T>(first: T[], item: T, compare: (a: T, b: T) => number, limit: number): void {
  if (first.length >= limit && compare(item, first[first.length - 1]) >= 0) return;
  let lo = 0;
  let hi = first.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(item, first[mid]) < 0) hi = mid;
    else lo = mid + 1;
  }
  first.splice(lo, 0, item);
  if (first.length > limit) first.pop();
}

/** An open certificate problem as kept for ranking (facts parsed, not yet checked in full). */
interface CertRow {
  id: number;
  cluster: string;
  outcome: Outcome;
  facts: unknown;
  /** What it is ranked by at any clock (`rankBase`), or null when it never ranks. */
  rank: RankBase | null;
}

/** A current KMS key row as kept for ranking (facts checked), with `firstSeen` parsed. */
interface KmsRow {
  id: number;
  cluster: string;
  outcome: Outcome;
  facts: KmsKeyFactsV1;
  sinceMs: number | null;
}

/** What a replica keeps of one cluster, at the `posture_revision` it was read at (`keptClusters`). */
interface KeptCluster extends KeptEntry {
  /** Its `scores` by `AREAS` index, NaN where it has none. */
  scores: Float64Array;
  /** Its `posture_counts` as `flatCounts`, or null when there is none of this layout (counted live). */
  counts: Float64Array | null;
  cert: CertRow[];
  kms: KmsRow[];
  /** Its platform as last read. */
  platform: Platform;
  /** Its `last_received_at` as last read, and that parsed. */
  receivedAt: string | null;
  receivedMs: number | null;
}

/** Number of `flatCounts` entries: outcomes per area in `AREAS` order, then open problems by severity. */
const FLAT_COUNTS = AREAS.length * COUNT_OUTCOMES.length + COUNT_SEVERITIES.length;

/**
 * A roll-up as numbers in a fixed layout (areas outside `AREAS` left out, as the summary has no place for them),
 * so a read adds 10,000 of them without a property lookup per number.
 */
function flatCounts(c: PostureCounts): Float64Array {
  const out = new Float64Array(FLAT_COUNTS);
  AREAS.forEach((area, ai) => {
    const byOutcome = c.a[area];
    if (byOutcome)
      COUNT_OUTCOMES.forEach((_, i) => (out[ai * COUNT_OUTCOMES.length + i] = byOutcome[i] ?? 0));
  });
  COUNT_SEVERITIES.forEach((_, i) => (out[AREAS.length * COUNT_OUTCOMES.length + i] = c.s[i] ?? 0));
  return out;
}

/** `into += from`, entry by entry. */
function addFlat(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < into.length; i++) into[i] += from[i];
}

/** Scores by `AREAS` index, NaN where there is none (other areas left out: the summary has no place for them). */
function flatScores(scores: Partial<Record<Area, number>> | null): Float64Array {
  const out = new Float64Array(AREAS.length).fill(NaN);
  if (scores) AREAS.forEach((area, i) => area in scores && (out[i] = Number(scores[area])));
  return out;
}

/** A cluster without scores. */
const NO_SCORES = flatScores(null);

/** Sorts numbers (none NaN) ascending in place, as `sort((a, b) => a - b)` does, without a call per comparison. */
function sortNumbers(list: number[]): void {
  const sorted = Float64Array.from(list).sort();
  for (let i = 0; i < sorted.length; i++) list[i] = sorted[i];
}

/** A KMS key as ranked, before its resource and message are read. */
type KmsKeyAgeRow = Omit<KmsKeyAge, 'resource' | 'message'> & { id: number };

/** `kmsKeyFactsV1Schema` compiled, on first use. */
let kmsFactsCheck: ReturnType<typeof compileZod> | undefined;

/** How many open certificate problems are ranked at most (far more than any list shows). */
const MAX_RANKED_PROBLEMS = 10_000;

const OUTCOME_RANK: Record<Outcome, number> = { fail: 0, warn: 1, error: 2, pass: 3, not_applicable: 5 };

interface RankedCertificate {
  row: Omit<ExpiringCertificate, 'platform' | 'node'> & { node: string | null };
  agentId: string;
  tier: number;
  shareLeft: number;
  notAfterMs: number;
}

/** A certificate row's columns besides its facts. */
interface CertificateRowFields {
  cluster: string;
  agentId: string;
  checkId: string;
  outcome: Outcome;
  severity: Severity;
  resource: string | ResourceRef;
  message: string;
}

function certificateRow(r: CertificateRowFields, facts: CertificateFactsV1, now: number): RankedCertificate {
  const notAfterMs = Date.parse(facts.notAfter);
  const lifetimeMs = facts.lifetimeSeconds * 1000;
  const shareLeft = lifetimeMs > 0 ? (notAfterMs - now) / lifetimeMs : -1;
  const tier = OUTCOME_RANK[r.outcome] + (r.outcome === 'pass' && facts.renewedAutomatically ? 1 : 0);
  return {
    agentId: r.agentId,
    tier,
    shareLeft,
    notAfterMs,
    row: {
      cluster: r.cluster,
      node: facts.node ?? null,
      checkId: r.checkId,
      outcome: r.outcome,
      severity: r.severity,
      resource: parseJson<ResourceRef>(r.resource) ?? { kind: 'unknown' },
      source: facts.source,
      subject: facts.subject,
      issuer: facts.issuer,
      serial: facts.serial,
      notBefore: facts.notBefore,
      notAfter: new Date(notAfterMs).toISOString(),
      expiresInDays: daysBetween(notAfterMs, now),
      lifetimeDays: Math.round((facts.lifetimeSeconds / 86_400) * 10) / 10,
      lifetimeLeftPercent: Math.round(Math.max(-1, shareLeft) * 1000) / 10,
      renewedAutomatically: facts.renewedAutomatically,
      renewedBy: facts.renewedBy ?? null,
      renewalDueAt: facts.renewalDueAt,
      message: r.message,
      remediation: catalogueEntry(r.checkId)?.remediation ?? null,
    },
  };
}

/** What a certificate is ranked by, read from its stored facts before they are checked in full. */
interface RankKeys {
  tier: number;
  shareLeft: number;
  notAfterMs: number;
  cluster: string;
  locator: string;
}

/** What a stored certificate row is ranked by, the clock aside (`rankKeysFrom` adds the share of life left). */
interface RankBase {
  tier: number;
  notAfterMs: number;
  lifetimeMs: number;
  locator: string;
}

/**
 * The clock-free ranking keys of a stored certificate row's facts (the same arithmetic as `certificateRow`), or
 * null when the fields it ranks by are not there or not well-formed (such facts never pass the full check either).
 */
function rankBase(outcome: Outcome, facts: unknown): RankBase | null {
  if (typeof facts !== 'object' || facts === null) return null;
  const f = facts as Partial<Record<keyof CertificateFactsV1, unknown>>;
  const notAfterMs = typeof f.notAfter === 'string' ? Date.parse(f.notAfter) : NaN;
  const source = f.source as { locator?: unknown } | undefined;
  if (
    !Number.isFinite(notAfterMs) ||
    typeof f.lifetimeSeconds !== 'number' ||
    !Number.isFinite(f.lifetimeSeconds) ||
    typeof source?.locator !== 'string'
  )
    return null;
  return {
    tier: OUTCOME_RANK[outcome] + (outcome === 'pass' && f.renewedAutomatically === true ? 1 : 0),
    notAfterMs,
    lifetimeMs: f.lifetimeSeconds * 1000,
    locator: source.locator,
  };
}

/** The ranking keys of a stored certificate row at `now`, or none when it does not rank (`rankBase`). */
function rankKeys<R extends { cluster: string; outcome: Outcome }>(
  row: R,
  facts: unknown,
  now: number,
): (RankKeys & { row: R; facts: unknown })[] {
  return rankKeysFrom(row, facts, rankBase(row.outcome, facts), now);
}

/** `rankKeys` from the row's `rankBase`. */
function rankKeysFrom<R extends { cluster: string }>(
  row: R,
  facts: unknown,
  base: RankBase | null,
  now: number,
): (RankKeys & { row: R; facts: unknown })[] {
  if (base === null) return [];
  return [
    {
      row,
      facts,
      tier: base.tier,
      shareLeft: base.lifetimeMs > 0 ? (base.notAfterMs - now) / base.lifetimeMs : -1,
      notAfterMs: base.notAfterMs,
      cluster: row.cluster,
      locator: base.locator,
    },
  ];
}

/** Needs action first (see `expiringCertificates`). */
function compareExpiryRisk(a: RankKeys, b: RankKeys): number {
  if (a.tier !== b.tier) return a.tier - b.tier;
  if (a.tier < OUTCOME_RANK.pass && a.shareLeft !== b.shareLeft) return a.shareLeft - b.shareLeft;
  return a.notAfterMs - b.notAfterMs || collate(a.cluster, b.cluster) || collate(a.locator, b.locator);
}
