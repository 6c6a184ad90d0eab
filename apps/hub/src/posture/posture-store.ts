import type { Outcome, Platform, Severity } from '@watchpost/shared';
import { Brackets, type DataSource, type SelectQueryBuilder } from 'typeorm';
import { AgentEntity } from '../persistence/agent.entity.js';
import { ClusterEntity } from '../persistence/cluster.entity.js';
import { FindingEntity } from '../persistence/finding.entity.js';

// Query helpers shared by the read services of the posture module (not exported from the module).

/** Severities in the order every "by severity" object lists them. */
export const SEVERITY_LIST: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
/** Outcomes that are open problems. */
export const PROBLEMS: readonly Outcome[] = ['fail', 'warn', 'error'];

/** A COUNT(*) as it comes back: a number on SQLite, a string on PostgreSQL. */
export function toNum(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

/** Days from `earlier` to `later` (ms), rounded down to a tenth. */
export function daysBetween(later: number, earlier: number): number {
  return Math.floor(((later - earlier) / 86_400_000) * 10) / 10;
}

/** A JSON column read raw: parsed text on SQLite, already an object on PostgreSQL; null when unreadable. */
export function parseJson<T>(v: unknown): T | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') return v as T;
  try {
    return JSON.parse(v) as T;
  } catch {
    return null;
  }
}

export function findingsQb(ds: DataSource, alias = 'f'): SelectQueryBuilder<FindingEntity> {
  return ds.getRepository(FindingEntity).createQueryBuilder(alias);
}

/**
 * "Current" findings: every row except problems that were resolved by disappearing from a newer report (those
 * keep their last outcome and a `resolvedAt`).
 */
export function currentOnly(
  qb: SelectQueryBuilder<FindingEntity>,
  alias = 'f',
): SelectQueryBuilder<FindingEntity> {
  return qb.andWhere(
    new Brackets((w) => {
      w.where(`${alias}.resolvedAt IS NULL`).orWhere(`${alias}.outcome IN (:...curOk)`, {
        curOk: ['pass', 'not_applicable'],
      });
    }),
  );
}

/**
 * Rows that count: not covered by an exemption (docs/exemptions.md). Exempted rows stay listed as findings but
 * count toward no score, open count, metric or ranking.
 */
export function countedOnly(
  qb: SelectQueryBuilder<FindingEntity>,
  alias = 'f',
): SelectQueryBuilder<FindingEntity> {
  return qb.andWhere(`${alias}.exemptionSource IS NULL`);
}

/** Platform of each named cluster (batched IN lists). */
export async function platformsOf(ds: DataSource, names: readonly string[]): Promise<Map<string, Platform>> {
  const out = new Map<string, Platform>();
  const unique = [...new Set(names)];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await ds
      .getRepository(ClusterEntity)
      .createQueryBuilder('c')
      .select(['c.name', 'c.platform'])
      .where('c.name IN (:...names)', { names: unique.slice(i, i + 500) })
      .getMany();
    for (const r of rows) out.set(r.name, r.platform);
  }
  return out;
}

/** Agents of each named cluster (batched IN lists). */
export async function agentsByCluster(
  ds: DataSource,
  names: readonly string[],
): Promise<Map<string, AgentEntity[]>> {
  const out = new Map<string, AgentEntity[]>();
  for (let i = 0; i < names.length; i += 500) {
    const rows = await ds
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
