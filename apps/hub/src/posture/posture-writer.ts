import { createHash } from 'node:crypto';
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

/** What applying one report did to the current posture. */
export interface PostureDelta {
  inserted: number;
  changed: number;
  touched: number;
  resolved: number;
  removed: number;
}

type Result = ReportEnvelopeV1['results'][number];

type FindingValues = QueryDeepPartialEntity<FindingEntity>;
// TypeORM's deep-partial type cannot express `unknown` JSON members; a simple-json column takes any JSON value.
const json = (v: Record<string, unknown> | null | undefined): FindingValues['evidence'] =>
  (v ?? null) as unknown as FindingValues['evidence'];

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Makes the current posture of `clusterName` reflect the newest report of `agentId` (called only for a report
 * newer than every stored one of that agent). Rows the report carries are inserted or updated; rows this agent
 * reported before and no longer carries are resolved (problems, kept with `resolvedAt`) or removed (passes,
 * so pass rates do not count deleted resources). Rows owned by the cluster's other agents are left alone.
 */
export async function applyReportToPosture(
  m: EntityManager,
  clusterName: string,
  envelope: ReportEnvelopeV1,
  receivedAt: string,
): Promise<PostureDelta> {
  const agentId = envelope.agentId;
  const repo = m.getRepository(FindingEntity);
  const existing = new Map<string, FindingEntity>();
  for (const row of await repo.find({ where: { clusterName } }))
    existing.set(`${row.checkId}\u0000${row.resourceKey}`, row);

  const current = new Map<string, { result: Result; key: string }>();
  for (const result of envelope.results) {
    const key = resourceKey(result.resource, agentId);
    current.set(`${result.checkId}\u0000${key}`, { result, key });
  }

  const delta: PostureDelta = { inserted: 0, changed: 0, touched: 0, resolved: 0, removed: 0 };
  const inserts: FindingValues[] = [];
  const touchIds: number[] = [];
  for (const [k, { result: r, key }] of current) {
    const row = existing.get(k);
    if (!row) {
      inserts.push({
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
        firstSeenAt: receivedAt,
        lastSeenAt: receivedAt,
        outcomeSince: receivedAt,
        resolvedAt: null,
        lastSeq: envelope.seq,
      });
      continue;
    }
    const outcomeChanged = row.outcome !== r.outcome;
    let resolvedAt = row.resolvedAt;
    if (isProblem(r.outcome)) resolvedAt = null;
    else if (isProblem(row.outcome) && row.resolvedAt === null) resolvedAt = receivedAt;
    const unchanged =
      !outcomeChanged &&
      resolvedAt === row.resolvedAt &&
      row.agentId === agentId &&
      row.message === r.message &&
      row.severity === r.severity &&
      row.area === r.area &&
      sameJson(row.evidence, r.evidence) &&
      sameJson(row.resource, r.resource);
    if (unchanged) {
      touchIds.push(row.id);
      continue;
    }
    if (resolvedAt !== null && row.resolvedAt === null) delta.resolved++;
    await repo.update(
      { id: row.id },
      {
        agentId,
        resource: r.resource,
        area: r.area,
        severity: r.severity,
        outcome: r.outcome,
        message: r.message,
        evidence: json(r.evidence),
        lastSeenAt: receivedAt,
        outcomeSince: outcomeChanged ? receivedAt : row.outcomeSince,
        resolvedAt,
        lastSeq: envelope.seq,
      },
    );
    delta.changed++;
  }

  const resolveIds: number[] = [];
  const removeIds: number[] = [];
  for (const [k, row] of existing) {
    if (current.has(k) || row.agentId !== agentId) continue;
    if (!isProblem(row.outcome)) removeIds.push(row.id);
    else if (row.resolvedAt === null) resolveIds.push(row.id);
  }

  for (const chunk of chunks(inserts, 100)) {
    await m.createQueryBuilder().insert().into(FindingEntity).values(chunk).execute();
  }
  for (const ids of chunks(touchIds, 500)) {
    await repo.update({ id: In(ids) }, { lastSeenAt: receivedAt, lastSeq: envelope.seq });
  }
  for (const ids of chunks(resolveIds, 500)) await repo.update({ id: In(ids) }, { resolvedAt: receivedAt });
  for (const ids of chunks(removeIds, 500)) await repo.delete({ id: In(ids) });

  delta.inserted = inserts.length;
  delta.touched = touchIds.length;
  delta.resolved += resolveIds.length;
  delta.removed = removeIds.length;
  return delta;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
