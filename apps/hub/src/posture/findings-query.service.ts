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
    const rows = bucketed(filters)
      ? await this.bucketPage(filters, limit, after)
      : await this.plainPage(filters, limit, after);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const platforms = await platformsOf(
      this.ds,
      page.map((r) => r.clusterName),
    );
    const last = page[page.length - 1];
    return {
      items: page.map((r) => findingView(r, platforms.get(r.clusterName) ?? null)),
      nextCursor:
        more && last ? encodeCursor('findings', [last.clusterName, last.checkId, last.resourceKey]) : null,
    };
  }

  /** Up to `limit + 1` rows after the cursor, in page order, in one query ordered by the unique key. */
  private async plainPage(
    filters: FindingFilters,
    limit: number,
    after: string[] | null,
  ): Promise<FindingEntity[]> {
    const qb = findingsQb(this.ds, 'f');
    applyFindingFilters(qb, filters);
    if (after) afterCursor(qb, after);
    return orderedByKey(qb)
      .take(limit + 1)
      .getMany();
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
  ): Promise<FindingEntity[]> {
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
      `SELECT "f_id" AS "id" FROM (${parts.join(' UNION ALL ')}) "u"` +
        ` ORDER BY "f_cluster_name" ASC, "f_check_id" ASC, "f_resource_key" ASC LIMIT ${limit + 1}`,
      params,
    );
    const ids = (await this.ds.query<{ id: number | string }[]>(sql, values)).map((r) => Number(r.id));
    if (!ids.length) return [];
    const byId = new Map<number, FindingEntity>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await findingsQb(this.ds, 'f')
        .where('f.id IN (:...ids)', { ids: ids.slice(i, i + 500) })
        .getMany();
      for (const r of rows) byId.set(r.id, r);
    }
    // A row deleted between the two reads (its cluster removed) is left out, as if it had gone a moment earlier.
    return ids.flatMap((id) => byId.get(id) ?? []);
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
