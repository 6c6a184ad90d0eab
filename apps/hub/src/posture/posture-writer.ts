import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { In, type EntityManager, type QueryDeepPartialEntity } from 'typeorm';
import {
  emptyCounts,
  type Area,
  type Outcome,
  type OutcomeCounts,
  type Platform,
  type ReportEnvelopeV1,
  type ReportSummary,
  type ResourceRef,
} from '@watchpost/shared';
import {
  effectiveFinding,
  loadPostureRules,
  sameEffect,
  type EffectiveFinding,
} from '../exemptions/posture-rules.js';
import { ClusterEntity } from '../persistence/cluster.entity.js';
import { executeCountingRows } from '../persistence/data-source.js';
import { FindingEntity } from '../persistence/finding.entity.js';
import { refreshPostureCounts } from './posture-counts.js';
import { areaScores, scoreOf } from './scoring.js';

/** Outcomes that are open problems (the rest are pass / not_applicable). */
export const PROBLEM_OUTCOMES: readonly Outcome[] = ['fail', 'warn', 'error'];
const isProblem = (o: Outcome): boolean => PROBLEM_OUTCOMES.includes(o);

const MAX_KEY = 2048;

/**
 * Key of a resource inside a cluster: `kind|namespace|name|path`, plus `@<agentId>` for host files (they live on
 * one node; the same path on two nodes is two resources). Over-long keys become a hash so the unique index holds.
 */
export function resourceKey(resource: ResourceRef, agentId: string): string {
  const key =
    `${resource.kind}|${resource.namespace ?? ''}|${resource.name ?? ''}|${resource.path ?? ''}` +
    (resource.path ? `@${agentId}` : '');
  return key.length <= MAX_KEY ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/**
 * The write side of posture, used by ingest inside its batch transaction: everything a stored report changes in
 * the posture tables goes through here (roll-ups kept at ingest belong here too).
 */
@Injectable()
export class PostureWriter {
  /** See `applyReportToPosture`. */
  applyReport(
    m: EntityManager,
    clusterName: string,
    envelope: ReportEnvelopeV1,
    receivedAt: string,
  ): Promise<PostureDelta> {
    return applyReportToPosture(m, clusterName, envelope, receivedAt);
  }

  /** See `reevaluateCluster`. */
  reevaluate(m: EntityManager, clusterName: string, now: Date): Promise<number> {
    return reevaluateCluster(m, clusterName, now);
  }

  /** See `pruneResolvedFindings`. */
  pruneResolved(m: EntityManager, clusterName: string, resolvedBefore: string): Promise<number> {
    return pruneResolvedFindings(m, clusterName, resolvedBefore);
  }
}

/** What applying one report did to the current posture. */
export interface PostureDelta {
  /** Rows written from the report (new or updated). */
  upserted: number;
  /** Problems that turned pass/not_applicable or vanished from this agent's report. */
  resolved: number;
  /** Passing rows that vanished (resource gone). */
  removed: number;
  /**
   * The report's summary without the results an exemption covers (left out like not_applicable): what the
   * cluster's scores are computed from (`countedScores`).
   */
  counted: ReportSummary;
  /** Results of the report an exemption covers. */
  exempted: number;
}

type FindingValues = QueryDeepPartialEntity<FindingEntity>;
// TypeORM's deep-partial type cannot express `unknown` JSON members; a simple-json column takes any JSON value.
const json = (v: Record<string, unknown> | null | undefined): FindingValues['evidence'] =>
  (v ?? null) as unknown as FindingValues['evidence'];

/** Columns a newer report overwrites; `first_seen_at` is kept from the first report that carried the row. */
export const OVERWRITE = [
  'agent_id',
  'resource',
  'area',
  'severity',
  'reported_severity',
  'override_id',
  'override_expires_at',
  'agent_exemption',
  'exemption_source',
  'exemption_id',
  'exemption_reason',
  'exemption_author',
  'exemption_ref',
  'exemption_expires_at',
  'outcome',
  'message',
  'evidence',
  'facts',
  'last_seen_at',
  'outcome_since',
  'resolved_at',
  'last_seq',
];
/**
 * The overwritten columns that an index of `findings` holds (besides the conflict key). An upsert that sets one of
 * them rewrites that index's entry even when the value stays the same: SQLite decides which indexes an UPDATE
 * touches from its SET list, and PostgreSQL can make a heap-only update only when no indexed column is set. A row
 * whose indexed columns keep their values is upserted with OVERWRITE_UNINDEXED instead, which leaves the indexes
 * alone: the same row results. At 45 rows a report, a third of the SQLite time of the full upsert. Keep this list
 * in step with the indexes on `findings` (the posture writer's spec checks it against the database's own list).
 */
export const INDEXED_OVERWRITE = [
  'area',
  'severity',
  'outcome',
  'resolved_at',
  'exemption_expires_at',
  'override_expires_at',
];
const OVERWRITE_UNINDEXED = OVERWRITE.filter((c) => !INDEXED_OVERWRITE.includes(c));
const CONFLICT = ['cluster_name', 'check_id', 'resource_key'];
const CHUNK = 100;

/**
 * Makes the current posture of `clusterName` reflect the newest report of `agentId` (called only for a report
 * newer than every stored one of that agent). Every row the report carries is written with one multi-row
 * upsert per hundred rows (SQLite and PostgreSQL both speak `ON CONFLICT DO UPDATE`); rows this agent reported
 * before and no longer carries are resolved (problems, kept with `resolvedAt`) or removed (passes, so pass rates
 * do not count deleted resources). Rows owned by the cluster's other agents are left alone. Each row carries its
 * effective severity and exemption under the hub's rules as of `receivedAt` (`effectiveFinding`); on PostgreSQL
 * the cluster row is locked first, so a concurrent rule change re-evaluates either before or after this report,
 * never beside it.
 */
export async function applyReportToPosture(
  m: EntityManager,
  clusterName: string,
  envelope: ReportEnvelopeV1,
  receivedAt: string,
): Promise<PostureDelta> {
  const agentId = envelope.agentId;
  const repo = m.getRepository(FindingEntity);
  const platform = (await lockCluster(m, clusterName)) ?? (envelope.cluster.platform as Platform);
  const rules = await loadPostureRules(m, new Date(receivedAt));
  const exempted: ExemptedCount[] = [];
  const existing = new Map<string, ExistingFinding>();
  // Plain SQL: TypeORM's find (query building and entity hydration) cost more than the query, once per report.
  const pg = m.connection.options.type === 'postgres';
  const rows = await m.query<(ExistingFinding & Pick<FindingEntity, 'checkId' | 'resourceKey'>)[]>(
    `SELECT "id", "check_id" AS "checkId", "resource_key" AS "resourceKey", "agent_id" AS "agentId", "outcome",
       "outcome_since" AS "outcomeSince", "resolved_at" AS "resolvedAt", "area", "severity",
       "exemption_expires_at" AS "exemptionExpiresAt", "override_expires_at" AS "overrideExpiresAt"
     FROM "findings" WHERE "cluster_name" = ${pg ? '$1' : '?'}`,
    [clusterName],
  );
  for (const row of rows) existing.set(`${row.checkId}\u0000${row.resourceKey}`, row);

  const values = new Map<string, FindingValues>();
  // Rows already stored whose indexed columns this report leaves as they are (most of them, from one report to the
  // next): see INDEXED.
  const unindexedOnly = new Set<string>();
  let resolved = 0;
  for (const r of envelope.results) {
    const key = resourceKey(r.resource, agentId);
    const k = `${r.checkId}\u0000${key}`;
    const row = existing.get(k);
    let resolvedAt: string | null = null;
    let outcomeSince = receivedAt;
    if (row) {
      if (row.outcome === r.outcome) outcomeSince = row.outcomeSince;
      if (isProblem(r.outcome)) resolvedAt = null;
      else if (isProblem(row.outcome)) resolvedAt = row.resolvedAt ?? receivedAt;
      if (resolvedAt !== null && row.resolvedAt === null) resolved++;
    }
    const effect = effectiveFinding(
      {
        cluster: clusterName,
        platform,
        checkId: r.checkId,
        area: r.area,
        resource: r.resource,
        outcome: r.outcome,
        severity: r.severity,
        agentExemption: r.exemption ?? null,
      },
      rules,
    );
    if (effect.exemptionSource) exempted.push({ area: r.area, outcome: r.outcome, n: 1 });
    if (
      row &&
      row.outcome === r.outcome &&
      row.area === r.area &&
      row.severity === effect.severity &&
      row.resolvedAt === resolvedAt &&
      row.exemptionExpiresAt === (effect.exemptionExpiresAt ?? null) &&
      row.overrideExpiresAt === (effect.overrideExpiresAt ?? null)
    )
      unindexedOnly.add(k);
    values.set(k, {
      clusterName,
      agentId,
      checkId: r.checkId,
      resourceKey: key,
      resource: r.resource,
      area: r.area,
      ...effect,
      agentExemption: json(r.exemption),
      outcome: r.outcome,
      message: r.message,
      evidence: json(r.evidence),
      facts: json(r.facts),
      firstSeenAt: receivedAt,
      lastSeenAt: receivedAt,
      outcomeSince,
      resolvedAt,
      lastSeq: envelope.seq,
    });
  }

  const resolveIds: number[] = [];
  const removeIds: number[] = [];
  for (const [k, row] of existing) {
    if (values.has(k) || row.agentId !== agentId) continue;
    if (!isProblem(row.outcome)) removeIds.push(row.id);
    else if (row.resolvedAt === null) resolveIds.push(row.id);
  }

  const changed: FindingValues[] = [];
  const unchanged: FindingValues[] = [];
  for (const [k, v] of values) (unindexedOnly.has(k) ? unchanged : changed).push(v);
  for (const chunk of chunks(changed, CHUNK)) await upsertFindings(m, chunk, OVERWRITE);
  for (const chunk of chunks(unchanged, CHUNK)) await upsertFindings(m, chunk, OVERWRITE_UNINDEXED);
  for (const ids of chunks(resolveIds, 500)) await repo.update({ id: In(ids) }, { resolvedAt: receivedAt });
  for (const ids of chunks(removeIds, 500)) await repo.delete({ id: In(ids) });
  // The fleet summary's roll-up of this cluster (also covers rows pruned just before this report).
  await refreshPostureCounts(m, [clusterName]);

  return {
    upserted: values.size,
    resolved: resolved + resolveIds.length,
    removed: removeIds.length,
    counted: countedSummary(envelope.summary, exempted),
    exempted: exempted.length,
  };
}

/** What `applyReportToPosture` reads of a stored row: enough to carry its history and compare its indexed columns. */
type ExistingFinding = Pick<
  FindingEntity,
  'id' | 'agentId' | 'outcome' | 'outcomeSince' | 'area' | 'severity'
> & {
  resolvedAt: string | null;
  exemptionExpiresAt: string | null;
  overrideExpiresAt: string | null;
};

/** Exempted results of one area and outcome. */
interface ExemptedCount {
  area: Area;
  outcome: Outcome;
  n: number;
}

/**
 * A report's summary with exempted results left out (as not_applicable results are: neither passed nor
 * evaluated), so an exemption lifts the area's score. Never below zero, whatever the summary said.
 */
export function countedSummary(summary: ReportSummary, exempted: readonly ExemptedCount[]): ReportSummary {
  const out: ReportSummary = { ...summary, byArea: {} };
  for (const [area, c] of Object.entries(summary.byArea) as [Area, OutcomeCounts | undefined][])
    if (c) out.byArea[area] = { ...c };
  for (const e of exempted) {
    const a = (out.byArea[e.area] ??= emptyCounts());
    const n = Math.min(e.n, a[e.outcome]);
    a[e.outcome] -= n;
    out[e.outcome] -= Math.min(n, out[e.outcome]);
  }
  return out;
}

/** The scores of a cluster from its counted summary (see `countedSummary`). */
export function countedScores(counted: ReportSummary): {
  scores: Partial<Record<Area, number>>;
  score: number | null;
} {
  return { scores: areaScores(counted), score: scoreOf(counted) };
}

/** Locks the cluster row (PostgreSQL; SQLite has one writer) and returns its platform; null when not enrolled. */
async function lockCluster(m: EntityManager, clusterName: string): Promise<Platform | null> {
  const pg = m.connection.options.type === 'postgres';
  const rows = await m.query<{ platform: Platform }[]>(
    `SELECT "platform" FROM "clusters" WHERE "name" = ${pg ? '$1 FOR UPDATE' : '?'}`,
    [clusterName],
  );
  return rows[0]?.platform ?? null;
}

const EFFECT_FIELDS: (keyof EffectiveFinding)[] = [
  'severity',
  'reportedSeverity',
  'overrideId',
  'overrideExpiresAt',
  'exemptionSource',
  'exemptionId',
  'exemptionReason',
  'exemptionAuthor',
  'exemptionRef',
  'exemptionExpiresAt',
];

/**
 * Applies the rules in force at `now` to the posture rows of one cluster already stored (an exemption or override was created,
 * changed or revoked, or one expired): rewrites the effective severity and exemption of the rows that change,
 * then the cluster's scores from its newest report's summary without the exempted results of that report.
 * Idempotent, so two hub replicas sweeping the same cluster do no harm; on PostgreSQL the cluster row is locked
 * for the transaction. Returns how many rows changed. Any roll-up kept at ingest that counts findings must be
 * refreshed here too: exemptions and overrides change counts and severities without a report.
 */
export async function reevaluateCluster(m: EntityManager, clusterName: string, now: Date): Promise<number> {
  const platform = await lockCluster(m, clusterName);
  // Read after the lock: a rule change committed by another transaction that held it is seen.
  const rules = await loadPostureRules(m, now);
  const repo = m.getRepository(FindingEntity);
  const rows = await repo.find({
    select: {
      id: true,
      agentId: true,
      lastSeq: true,
      checkId: true,
      area: true,
      resource: true,
      outcome: true,
      resolvedAt: true,
      agentExemption: true,
      ...Object.fromEntries(EFFECT_FIELDS.map((f) => [f, true])),
    },
    where: { clusterName },
  });
  const changed = new Map<string, { effect: EffectiveFinding; ids: number[] }>();
  for (const r of rows) {
    const current = Object.fromEntries(
      EFFECT_FIELDS.map((f) => [f, r[f] ?? null]),
    ) as unknown as EffectiveFinding;
    const effect = effectiveFinding(
      {
        cluster: clusterName,
        platform,
        checkId: r.checkId,
        area: r.area,
        resource: r.resource,
        outcome: r.outcome,
        severity: r.reportedSeverity ?? r.severity,
        agentExemption: r.agentExemption,
      },
      rules,
    );
    Object.assign(r, effect);
    if (sameEffect(current, effect)) continue;
    const k = JSON.stringify(effect);
    const group = changed.get(k) ?? { effect, ids: [] };
    group.ids.push(r.id);
    changed.set(k, group);
  }
  let n = 0;
  for (const { effect, ids } of changed.values()) {
    for (const chunk of chunks(ids, 500)) await repo.update({ id: In(chunk) }, effect);
    n += ids.length;
  }

  const cluster = await m.getRepository(ClusterEntity).findOne({
    select: { name: true, summary: true, lastAgentId: true, lastSeq: true, score: true, scores: true },
    where: { name: clusterName },
  });
  let rescored = false;
  if (cluster?.summary) {
    const exempted = rows
      .filter(
        (r) =>
          r.exemptionSource !== null &&
          r.agentId === cluster.lastAgentId &&
          r.lastSeq === cluster.lastSeq &&
          r.resolvedAt === null,
      )
      .map((r) => ({ area: r.area, outcome: r.outcome, n: 1 }));
    const { scores, score } = countedScores(countedSummary(cluster.summary, exempted));
    rescored = score !== cluster.score || JSON.stringify(scores) !== JSON.stringify(cluster.scores ?? {});
    if (rescored) await m.getRepository(ClusterEntity).update({ name: clusterName }, { scores, score });
  }
  // The fleet summary's roll-up counts only findings no exemption covers, by effective severity; the refresh also
  // bumps the revision the summary keeps scores by.
  if (n > 0 || rescored) await refreshPostureCounts(m, [clusterName]);
  return n;
}

const COLUMNS: [string, keyof FindingEntity][] = [
  ['cluster_name', 'clusterName'],
  ['agent_id', 'agentId'],
  ['check_id', 'checkId'],
  ['resource_key', 'resourceKey'],
  ['resource', 'resource'],
  ['area', 'area'],
  ['severity', 'severity'],
  ['reported_severity', 'reportedSeverity'],
  ['override_id', 'overrideId'],
  ['override_expires_at', 'overrideExpiresAt'],
  ['agent_exemption', 'agentExemption'],
  ['exemption_source', 'exemptionSource'],
  ['exemption_id', 'exemptionId'],
  ['exemption_reason', 'exemptionReason'],
  ['exemption_author', 'exemptionAuthor'],
  ['exemption_ref', 'exemptionRef'],
  ['exemption_expires_at', 'exemptionExpiresAt'],
  ['outcome', 'outcome'],
  ['message', 'message'],
  ['evidence', 'evidence'],
  ['facts', 'facts'],
  ['first_seen_at', 'firstSeenAt'],
  ['last_seen_at', 'lastSeenAt'],
  ['outcome_since', 'outcomeSince'],
  ['resolved_at', 'resolvedAt'],
  ['last_seq', 'lastSeq'],
];
const JSON_COLUMNS = new Set(['resource', 'evidence', 'facts', 'agent_exemption']);

/**
 * One multi-row `INSERT ... ON CONFLICT DO UPDATE` (SQLite and PostgreSQL share the syntax). Plain SQL because
 * TypeORM's query builder spent more time on its parameter bookkeeping than the database spent on the rows.
 */
async function upsertFindings(m: EntityManager, rows: FindingValues[], overwrite: string[]): Promise<void> {
  const pg = m.connection.options.type === 'postgres';
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const marks = COLUMNS.map(([col, prop]) => {
      const v = (row as Record<string, unknown>)[prop] ?? null;
      params.push(JSON_COLUMNS.has(col) && v !== null ? JSON.stringify(v) : v);
      return pg ? `$${params.length}` : '?';
    });
    return `(${marks.join(', ')})`;
  });
  const cols = COLUMNS.map(([c]) => `"${c}"`).join(', ');
  const set = overwrite.map((c) => `"${c}" = excluded."${c}"`).join(', ');
  await m.query(
    `INSERT INTO "findings" (${cols}) VALUES ${tuples.join(', ')} ON CONFLICT (${CONFLICT.map((c) => `"${c}"`).join(', ')}) DO UPDATE SET ${set}`,
    params,
  );
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Deletes the cluster's findings resolved before `resolvedBefore` (ISO time): the retention of resolved problems
 * (`WATCHPOST_RESOLVED_RETENTION`). Called by ingest before a report of the cluster is applied, so a cluster that
 * once reported 100,000 problems does not carry them, and read them back, forever. A problem that returns after
 * that is a new row (new `firstSeenAt`). Returns how many rows went.
 */
export async function pruneResolvedFindings(
  m: EntityManager,
  clusterName: string,
  resolvedBefore: string,
): Promise<number> {
  // Plain SQL (not the query builder): it runs before every applied report.
  const pg = m.connection.options.type === 'postgres';
  const sql = `DELETE FROM "findings" WHERE "cluster_name" = ${pg ? '$1' : '?'} AND "resolved_at" IS NOT NULL AND "resolved_at" < ${pg ? '$2' : '?'}`;
  const params = [clusterName, resolvedBefore];
  return executeCountingRows(m, sql, params);
}
