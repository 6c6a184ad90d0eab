import { afterEach, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { ExemptionEventEntity } from '../exemptions/exemption-event.entity.js';
import { createHubDataSource, openAndMigrate } from './data-source.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from './throwaway-database.js';

describe.each(['sqlite', 'postgres'] as const)('hub data source on %s', (kind) => {
  let db: ThrowawayDatabase | undefined;
  let ds: DataSource | undefined;
  afterEach(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it('commits transactions begun at the same moment (an ingest batch and an API change, say)', async () => {
    db = await createThrowawayDatabase(kind);
    ds = createHubDataSource(db.options);
    await openAndMigrate(ds);
    const tick = () => new Promise((r) => setTimeout(r, 5));
    const write = (actor: string) =>
      ds!.transaction(async (m) => {
        const repo = m.getRepository(ExemptionEventEntity);
        await repo.insert({ exemptionId: 'x', action: 'created', actor, at: 'now', detail: '{}' });
        await tick();
        await repo.insert({ exemptionId: 'x', action: 'updated', actor, at: 'now', detail: '{}' });
        return actor;
      });
    const failing = ds.transaction(async () => {
      await tick();
      throw new Error('rolled back');
    });
    const results = await Promise.allSettled([write('a'), failing, write('b'), write('c')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const rows = await ds.getRepository(ExemptionEventEntity).find({ order: { id: 'ASC' } });
    expect(rows).toHaveLength(6);
    // Each transaction's two rows together: nothing interleaved inside one SQLite connection.
    if (kind === 'sqlite') expect(rows.map((r) => r.actor)).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
  });
});
