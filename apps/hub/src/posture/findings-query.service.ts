import { Injectable } from '@nestjs/common';
import { catalogueEntry, OUTCOMES, SEVERITIES, type Platform } from '@watchpost/shared';
import { Brackets, DataSource, type SelectQueryBuilder } from 'typeorm';
import { decodeCursor, encodeCursor } from '../api/cursor.js';
import { ClusterEntity } from '../persistence/cluster.entity.js';
import type { FindingEntity } from '../persistence/finding.entity.js';
import { findingExemptionView } from '../exemptions/posture-rules.js';
import { findingsQb, platformsOf } from './posture-store.js';
import type { FindingFilters, FindingView, Page } from './posture.types.js';

/** Findings (current posture rows: cluster × check × resource), filtered and paged; exports stream them. */
@Injectable()
export class FindingsQueryService {
  constructor(private readonly ds: DataSource) {}

  /** One page of findings in a stable order (cluster, check, resource key: the unique key of the table). */
  async findings(filters: FindingFilters, limit: number, cursor?: string): Promise<Page<FindingView>> {
    const after = cursor
      ? (decodeCursor('findings', cursor, ['string', 'string', 'string']) as string[])
      : null;
    const { rows: page, next } = bucketed(filters)
      ? await this.bucketPage(filters, limit, after)
      : await this.plainPage(filters, limit, after);
    const platforms = await platformsOf(
      this.ds,
      page.map((r) => r.clusterName),
    );
    return {
      items: page.map((r) => findingView(r, platforms.get(r.clusterName) ?? null)),
      nextCursor: next ? encodeCursor('findings', next) : null,
    };
  }

  /** The page after the cursor, in one query ordered by the unique key. */
  private async plainPage(filters: FindingFilters, limit: number, after: string[] | null): Promise<PageRows> {
    const qb = findingsQb(this.ds, 'f');
    applyFindingFilters(qb, filters);
    if (after) afterCursor(qb, after);
    const rows = await orderedByKey(qb)
      .take(limit + 1)
      .getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { rows: page, next: rows.length > limit && last ? keyOf(last) : null };
  }

  /**
   * The same rows as `plainPage` for a severity and/or outcome filter, found through `ix_findings_page` (severity,
   * outcome, cluster, check, resource key, resolved at). Each severity × outcome pair is one range of that index
   * already in page order, so each pair gives its first `limit + 1` keys after the cursor without a sort and the
   * database merges those few (a sort of at most pairs × (limit + 1) keys); only the page's rows are then read, by
   * id. One query ordered by the key over `severity IN (…) AND outcome IN (…)` instead reads every matching row
   * and sorts them all (SQLite: ~300-700 ms a page at 10,000 clusters; docs/hub.md, fourth round).
   */
  private async bucketPage(
    filters: FindingFilters,
    limit: number,
    after: string[] | null,
  ): Promise<PageRows> {
    const severities = filters.severity?.length ? filters.severity : SEVERITIES;
    const outcomes = filters.outcome?.length ? filters.outcome : OUTCOMES;
    const { severity: _s, outcome: _o, ...rest } = filters;
    const parts: string[] = [];
    const params: Record<string, unknown> = {};
    for (const severity of new Set(severities)) {
      for (const outcome of new Set(outcomes)) {
        const n = parts.length;
        const qb = findingsQb(this.ds, 'f')
          .select(['f.id', 'f.clusterName', 'f.checkId', 'f.resourceKey'])
          .where(`f.severity = :bSev${n}`, { [`bSev${n}`]: severity })
          .andWhere(`f.outcome = :bOut${n}`, { [`bOut${n}`]: outcome });
        applyFindingFilters(qb, rest);
        if (after) afterCursor(qb, after);
        orderedByKey(qb).limit(limit + 1);
        parts.push(`SELECT * FROM (${qb.getQuery()}) "b${n}"`);
        Object.assign(params, qb.getParameters());
      }
    }
    const [sql, values] = this.ds.driver.escapeQueryWithParameters(
      `SELECT "f_id" AS "id", "f_cluster_name" AS "c", "f_check_id" AS "k", "f_resource_key" AS "r"` +
        ` FROM (${parts.join(' UNION ALL ')}) "u"` +
        ` ORDER BY "f_cluster_name" ASC, "f_check_id" ASC, "f_resource_key" ASC LIMIT ${limit + 1}`,
      params,
    );
    const keys = await this.ds.query<{ id: number | string; c: string; k: string; r: string }[]>(sql, values);
    const ids = keys.slice(0, limit).map((r) => Number(r.id));
    const last = keys[ids.length - 1];
    const next = keys.length > limit && last ? [last.c, last.k, last.r] : null;
    const byId = new Map<number, FindingEntity>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await findingsQb(this.ds, 'f')
        .where('f.id IN (:...ids)', { ids: ids.slice(i, i + 500) })
        .getMany();
      for (const r of rows) byId.set(r.id, r);
    }
    // A row deleted, or changed so that it no longer matches, between the two reads is left out, as if it had
    // changed a moment earlier; the cursor comes from the keys, so the walk goes on after it. (The filters are
    // tested here, not in the second query: SQLite would then read it through ix_findings_page, not by id.)
    const rows = ids.flatMap((id) => {
      const r = byId.get(id);
      return r && stillMatches(r, filters) ? [r] : [];
    });
    return { rows, next };
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
}

/** A page's rows and the sort key of its last row when more follow. */
interface PageRows {
  rows: FindingEntity[];
  next: string[] | null;
}

function keyOf(r: FindingEntity): string[] {
  return [r.clusterName, r.checkId, r.resourceKey];
}

/**
 * Whether a page goes through `ix_findings_page` (`bucketPage`): a severity or outcome filter, and no cluster or
 * check filter (those name few rows, found by their own indexes).
 */
function bucketed(f: FindingFilters): boolean {
  return Boolean((f.severity?.length || f.outcome?.length) && !f.cluster?.length && !f.check?.length);
}

/** Rows after the cursor's key. `clusterName >= :cc` says nothing new; it lets the database start its range there. */
function afterCursor(qb: SelectQueryBuilder<FindingEntity>, [c, k, r]: string[]): void {
  qb.andWhere('f.clusterName >= :cc', { cc: c }).andWhere(
    new Brackets((w) => {
      w.where('f.clusterName > :cc', { cc: c })
        .orWhere('(f.clusterName = :cc AND f.checkId > :ck)', { ck: k })
        .orWhere('(f.clusterName = :cc AND f.checkId = :ck AND f.resourceKey > :cr)', { cr: r });
    }),
  );
}

/** `applyFindingFilters` on a row read by id (the platform is the cluster's, not the row's: not tested again). */
function stillMatches(r: FindingEntity, f: FindingFilters): boolean {
  return (
    (!f.cluster?.length || f.cluster.includes(r.clusterName)) &&
    (!f.area?.length || f.area.includes(r.area)) &&
    (!f.check?.length || f.check.includes(r.checkId)) &&
    (!f.severity?.length || f.severity.includes(r.severity)) &&
    (!f.outcome?.length || f.outcome.includes(r.outcome)) &&
    (f.resolved === undefined || (r.resolvedAt !== null) === f.resolved) &&
    (f.exempted === undefined || (r.exemptionSource !== null) === f.exempted)
  );
}

/** Page order: the unique key (cluster, check, resource key). */
function orderedByKey(qb: SelectQueryBuilder<FindingEntity>): SelectQueryBuilder<FindingEntity> {
  return qb.orderBy('f.clusterName', 'ASC').addOrderBy('f.checkId', 'ASC').addOrderBy('f.resourceKey', 'ASC');
}

function applyFindingFilters(qb: SelectQueryBuilder<FindingEntity>, f: FindingFilters): void {
  if (f.cluster?.length) qb.andWhere('f.clusterName IN (:...fCluster)', { fCluster: f.cluster });
  if (f.area?.length) qb.andWhere('f.area IN (:...fArea)', { fArea: f.area });
  if (f.check?.length) qb.andWhere('f.checkId IN (:...fCheck)', { fCheck: f.check });
  if (f.severity?.length) qb.andWhere('f.severity IN (:...fSeverity)', { fSeverity: f.severity });
  if (f.outcome?.length) qb.andWhere('f.outcome IN (:...fOutcome)', { fOutcome: f.outcome });
  if (f.resolved === true) qb.andWhere('f.resolvedAt IS NOT NULL');
  if (f.resolved === false) qb.andWhere('f.resolvedAt IS NULL');
  if (f.exempted === true) qb.andWhere('f.exemptionSource IS NOT NULL');
  if (f.exempted === false) qb.andWhere('f.exemptionSource IS NULL');
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

function findingView(r: FindingEntity, platform: Platform | null): FindingView {
  const view: FindingView = {
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
    facts: r.facts,
    firstSeenAt: r.firstSeenAt,
    lastSeenAt: r.lastSeenAt,
    outcomeSince: r.outcomeSince,
    resolvedAt: r.resolvedAt,
  };
  const exemption = findingExemptionView(r);
  if (exemption) view.exemption = exemption;
  if (r.overrideId && r.reportedSeverity)
    view.severityOverride = { id: r.overrideId, from: r.reportedSeverity, expiresAt: r.overrideExpiresAt };
  return view;
}
