import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { In, type EntityManager, type QueryDeepPartialEntity } from 'typeorm';
import type { Outcome, ReportEnvelopeV1, ResourceRef } from '@watchpost/shared';
import { FindingEntity } from '../persistence/finding.entity.js';

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
}

type FindingValues = QueryDeepPartialEntity<FindingEntity>;
// TypeORM's deep-partial type cannot express `unknown` JSON members; a simple-json column takes any JSON value.
const json = (v: Record<string, unknown> | null | undefined): FindingValues['evidence'] =>
  (v ?? null) as unknown as FindingValues['evidence'];

/** Columns a newer report overwrites; `first_seen_at` is kept from the first report that carried the row. */
const OVERWRITE = [
  'agent_id',
  'resource',
  'area',
  'severity',
  'outcome',
  'message',
  'evidence',
  'facts',
  'last_seen_at',
  'outcome_since',
  'resolved_at',
  'last_seq',
];
const CONFLICT = ['cluster_name', 'check_id', 'resource_key'];
const CHUNK = 100;

/**
 * Makes the current posture of `clusterName` reflect the newest report of `agentId` (called only for a report
 * newer than every stored one of that agent). Every row the report carries is written with one multi-row
 * upsert per hundred rows (SQLite and PostgreSQL both speak `ON CONFLICT DO UPDATE`); rows this agent reported
 * before and no longer carries are resolved (problems, kept with `resolvedAt`) or removed (passes, so pass rates
 * do not count deleted resources). Rows owned by the cluster's other agents are left alone.
 */
export async function applyReportToPosture(
  m: EntityManager,
  clusterName: string,
  envelope: ReportEnvelopeV1,
  receivedAt: string,
): Promise<PostureDelta> {
  const agentId = envelope.agentId;
  const repo = m.getRepository(FindingEntity);
  const existing = new Map<
    string,
    Pick<FindingEntity, 'id' | 'agentId' | 'outcome' | 'outcomeSince' | 'resolvedAt'>
  >();
  const rows = await repo.find({
    select: {
      id: true,
      checkId: true,
      resourceKey: true,
      agentId: true,
      outcome: true,
      outcomeSince: true,
      resolvedAt: true,
    },
    where: { clusterName },
  });
  for (const row of rows) existing.set(`${row.checkId}\u0000${row.resourceKey}`, row);

  const values = new Map<string, FindingValues>();
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
    values.set(k, {
      clusterName,
      agentId,
      checkId: r.checkId,
      resourceKey: key,
      resource: r.resource,
      area: r.area,
      severity: r.severity,
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

  for (const chunk of chunks([...values.values()], CHUNK)) await upsertFindings(m, chunk);
  for (const ids of chunks(resolveIds, 500)) await repo.update({ id: In(ids) }, { resolvedAt: receivedAt });
  for (const ids of chunks(removeIds, 500)) await repo.delete({ id: In(ids) });

  return { upserted: values.size, resolved: resolved + resolveIds.length, removed: removeIds.length };
}

const COLUMNS: [string, keyof FindingEntity][] = [
  ['cluster_name', 'clusterName'],
  ['agent_id', 'agentId'],
  ['check_id', 'checkId'],
  ['resource_key', 'resourceKey'],
  ['resource', 'resource'],
  ['area', 'area'],
  ['severity', 'severity'],
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
const JSON_COLUMNS = new Set(['resource', 'evidence', 'facts']);

/**
 * One multi-row `INSERT ... ON CONFLICT DO UPDATE` (SQLite and PostgreSQL share the syntax). Plain SQL because
 * TypeORM's query builder spent more time on its parameter bookkeeping than the database spent on the rows.
 */
async function upsertFindings(m: EntityManager, rows: FindingValues[]): Promise<void> {
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
  const set = OVERWRITE.map((c) => `"${c}" = excluded."${c}"`).join(', ');
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
  const r = await m
    .createQueryBuilder()
    .delete()
    .from(FindingEntity)
    .where('cluster_name = :clusterName AND resolved_at IS NOT NULL AND resolved_at < :resolvedBefore', {
      clusterName,
      resolvedBefore,
    })
    .execute();
  return r.affected ?? 0;
}
