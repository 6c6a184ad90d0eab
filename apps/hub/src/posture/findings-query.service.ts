import { Injectable } from '@nestjs/common';
import { catalogueEntry, type Platform } from '@watchpost/shared';
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
    const qb = findingsQb(this.ds, 'f');
    applyFindingFilters(qb, filters);
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
