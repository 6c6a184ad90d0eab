import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from '@jest/globals';
import { builtInSupportDocument } from '@watchpost/shared';
import { createHubDataSource, openAndMigrate } from '../persistence/data-source.js';
import { SupportDataEntity } from '../persistence/support-data.entity.js';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../persistence/throwaway-database.js';
import { SupportDataService } from './support-data.service.js';
import { currentSupportDocument, importSupportData } from './support-data.store.js';

const file = (name: string): string =>
  fileURLToPath(new URL(`../../../../test/fixtures/support-data/${name}`, import.meta.url));
const NOW = new Date('2027-01-20T09:00:00Z');

describe.each(['sqlite', 'postgres'] as const)('support data import on %s', (kind) => {
  let db: ThrowawayDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it('imports a document, then az aks get-versions output on top of it, and hands out the newest', async () => {
    db = await createThrowawayDatabase(kind);
    const ds = createHubDataSource(db.options);
    try {
      await openAndMigrate(ds);
      // Nothing imported: the hub hands out the document its build ships.
      expect((await currentSupportDocument(ds)).dataVersion).toBe(builtInSupportDocument().dataVersion);

      const doc = await importSupportData(ds, file('kubernetes-support.2027.1.0.json'), NOW);
      expect(doc).toMatchObject({
        ok: true,
        format: 'document',
        previous: builtInSupportDocument().dataVersion,
      });

      const az = await importSupportData(ds, file('az-aks-get-versions.westeurope.json'), NOW);
      if (!az.ok) throw new Error(az.message);
      expect(az).toMatchObject({ format: 'az aks get-versions', previous: '2027.1.0' });
      expect(az.doc.dataVersion).toBe('2027.1.1');
      // The merge keeps the imported document's AKS Arc data and adds the AKS patch lists.
      expect(az.doc.aksArc.map((r) => r.release)).toContain('2512');
      expect(az.doc.aks.find((e) => e.minor === '1.36')?.patches).toEqual(['1.36.3', '1.36.2']);

      const rows = await ds.getRepository(SupportDataEntity).find({ order: { dataVersion: 'ASC' } });
      expect(rows.map((r) => [r.dataVersion, r.source])).toEqual([
        ['2027.1.0', 'kubernetes-support.2027.1.0.json (document)'],
        ['2027.1.1', 'az-aks-get-versions.westeurope.json (az aks get-versions)'],
      ]);
      expect((await currentSupportDocument(ds)).dataVersion).toBe('2027.1.1');

      const svc = new SupportDataService(ds);
      expect((await svc.newerThan('2026.12.0'))?.dataVersion).toBe('2027.1.1');
      expect(await svc.newerThan('2027.1.1')).toBeUndefined();
      const ack = await svc.attach({ seq: 7, status: 'stored' }, '2026.12.0');
      expect((ack.supportData as { dataVersion?: string } | undefined)?.dataVersion).toBe('2027.1.1');
      // An agent that does not say which data it has predates delivery: its ack stays as it was.
      expect(await svc.attach({ seq: 9, status: 'stored' }, undefined)).toEqual({ seq: 9, status: 'stored' });
      expect(await svc.attach({ seq: 8, status: 'rejected', reason: 'x' }, '2026.12.0')).toEqual({
        seq: 8,
        status: 'rejected',
        reason: 'x',
      });
    } finally {
      await ds.destroy();
    }
  });

  it('refuses bad files with the file and the problem, and stores nothing', async () => {
    db = await createThrowawayDatabase(kind);
    const ds = createHubDataSource(db.options);
    try {
      await openAndMigrate(ds);
      const refused = async (name: string): Promise<string> => {
        const r = await importSupportData(ds, name.startsWith('/') ? name : file(name), NOW);
        if (r.ok) throw new Error(`${name} was imported`);
        return r.message;
      };
      expect(await refused('truncated.json')).toMatch(
        /truncated\.json is not valid JSON \(.+\); export it with `-o json`/,
      );
      expect(await refused('not-support-data.json')).toContain('it has kind "ConfigMap"');
      expect(await refused('kubernetes-support.invalid-fields.json')).toContain(
        'compiledAt: must be a day, YYYY-MM-DD',
      );
      expect(await refused('az-aks-get-versions.bad-patch.json')).toContain(
        'values.0.patchVersions: "1.36.1" is not a 1.35 patch version',
      );
      expect(await refused('/nonexistent/versions.json')).toBe(
        'cannot read /nonexistent/versions.json: no such file',
      );
      await importSupportData(ds, file('kubernetes-support.2027.1.0.json'), NOW);
      expect(await refused('kubernetes-support.2027.1.0.json')).toContain(
        'holds data version 2027.1.0, not newer than 2027.1.0 which the hub already hands out; nothing imported',
      );
      expect(await ds.getRepository(SupportDataEntity).count()).toBe(1);
    } finally {
      await ds.destroy();
    }
  });
});
