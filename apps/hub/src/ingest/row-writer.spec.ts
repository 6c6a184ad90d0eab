import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { In, type DataSource } from 'typeorm';
import { AgentEntity, ClusterEntity } from '../persistence/index.js';
import { migratedThrowawayDatabase } from '../persistence/throwaway-database.js';
import { selectRowsByKey, updateByKey } from './row-writer.js';

// The ingest's plain-SQL reads and writes give and store what TypeORM's find and update do, on both databases.
describe.each(['sqlite', 'postgres'] as const)('row writer on %s', (kind) => {
  let ds: DataSource;
  let closeDb: () => Promise<void>;

  beforeEach(async () => {
    ({ ds, close: closeDb } = await migratedThrowawayDatabase(kind));
    const at = '2026-11-01T00:00:00.000Z';
    await ds
      .getRepository(ClusterEntity)
      .insert([{ name: 'c1', platform: 'aks-hci', role: 'workload', createdAt: at, updatedAt: at }]);
    await ds.getRepository(AgentEntity).insert([
      { id: 'b', clusterName: 'c1', enrolledAt: at, revoked: true, revokedAt: at, lastSeq: 7 },
      { id: 'a', clusterName: 'c1', enrolledAt: at, certNotAfter: '2026-12-01T00:00:00.000Z' },
      { id: 'c', clusterName: 'c1', enrolledAt: at },
    ]);
  });
  afterEach(() => closeDb());

  it('selects whole rows by key in key order, as find does', async () => {
    const rows = await ds.transaction((m) => selectRowsByKey(m, AgentEntity, ['b', 'a', 'x'], true));
    const found = await ds
      .getRepository(AgentEntity)
      .find({ where: { id: In(['a', 'b']) }, order: { id: 'ASC' } });
    expect(rows).toEqual(found);
    expect(rows.map((r) => [r.id, r.revoked, r.lastSeq, r.droppedTotal])).toEqual([
      ['a', false, null, 0],
      ['b', true, 7, 0],
    ]);
  });

  it('updates the given properties by key (JSON columns as update stores them) and says whether a row matched', async () => {
    const summary = { pass: 1, fail: 0, warn: 0, error: 0, not_applicable: 0, byArea: {} };
    const n = await ds.transaction((m) =>
      updateByKey(m, ClusterEntity, 'c1', { scores: { workload: 50 }, score: 50, summary, lastSeq: 3 }),
    );
    expect(n).toBe(1);
    expect(await ds.transaction((m) => updateByKey(m, ClusterEntity, 'nope', { score: 1 }))).toBe(0);
    const c = await ds.getRepository(ClusterEntity).findOneByOrFail({ name: 'c1' });
    expect(c).toMatchObject({
      scores: { workload: 50 },
      score: 50,
      summary,
      lastSeq: 3,
      platform: 'aks-hci',
    });
  });
});
