import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import {
  builtInSupportDocument,
  compareDataVersion,
  isAzAksGetVersions,
  mergeAzAksGetVersions,
  newestSupportDocument,
  parseSupportDocument,
  supportDataAgeDays,
} from './kubernetes-support.js';

const fixture = (name: string): unknown =>
  JSON.parse(
    readFileSync(new URL(`../../../../test/fixtures/support-data/${name}`, import.meta.url), 'utf8'),
  );

describe('the shipped document', () => {
  const doc = builtInSupportDocument();

  test('validates, is dated and versioned', () => {
    // builtInSupportDocument does not validate at run time: the schema must accept the file and change nothing.
    const parsed = parseSupportDocument(doc);
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    expect(parsed.doc).toEqual(doc);
    expect(doc.dataVersion).toBe('2026.12.0');
    expect(doc.compiledAt).toBe('2026-12-06');
  });

  test('AKS Arc releases ship three consecutive minors, two patches each when listed', () => {
    for (const r of doc.aksArc) {
      const ns = r.minors.map((m) => Number(m.split('.')[1])).sort((a, b) => a - b);
      expect(ns).toEqual([ns[0], ns[0] + 1, ns[0] + 2]);
      if (r.versions)
        for (const m of r.minors) expect(r.versions.filter((v) => v.startsWith(`${m}.`))).toHaveLength(2);
    }
    expect(doc.aksArc.find((r) => r.release === '2510')?.versions).toContain('1.32.6');
  });

  test('AKS entries carry the published calendar (1.33 ends July 2026, 1.37 GA October 2026)', () => {
    expect(doc.aks.find((e) => e.minor === '1.33')?.endOfLifeMonth).toBe('2026-07');
    expect(doc.aks.find((e) => e.minor === '1.37')).toMatchObject({
      gaMonth: '2026-10',
      endOfLifeMonth: '2027-10',
    });
  });
});

describe('parseSupportDocument', () => {
  test('names every bad field', () => {
    const r = parseSupportDocument(fixture('kubernetes-support.invalid-fields.json'));
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors).toContain('compiledAt: must be a day, YYYY-MM-DD');
    expect(errors).toContain('aks.0.endOfLifeMonth: must not be before gaMonth');
    expect(errors.join('\n')).toContain("aksArc.0.versions.6: 1.35.1 is not one of the release's minors");
  });

  test('a document of another kind is refused by its kind', () => {
    const r = parseSupportDocument(fixture('not-support-data.json'));
    expect(r.ok ? [] : r.errors.join('\n')).toContain('kind');
  });
});

describe('ordering', () => {
  test('data versions compare numerically part by part', () => {
    expect(compareDataVersion('2026.12.0', '2026.9.3')).toBeGreaterThan(0);
    expect(compareDataVersion('2027.1.0', '2026.12.9')).toBeGreaterThan(0);
    expect(compareDataVersion('2026.12.10', '2026.12.9')).toBeGreaterThan(0);
    expect(compareDataVersion('2026.12.0', '2026.12.0')).toBe(0);
  });

  test('the newest document wins, whatever the order', () => {
    const a = builtInSupportDocument();
    const b = { ...a, dataVersion: '2027.1.0' };
    expect(newestSupportDocument([b, a, undefined])?.dataVersion).toBe('2027.1.0');
    expect(newestSupportDocument([a, b])?.dataVersion).toBe('2027.1.0');
  });

  test('age in whole days, never negative', () => {
    const a = builtInSupportDocument();
    expect(supportDataAgeDays(a, new Date('2027-04-10T12:00:00Z'))).toBe(125);
    expect(supportDataAgeDays(a, new Date('2026-01-01T00:00:00Z'))).toBe(0);
  });
});

describe('az aks get-versions -o json', () => {
  const base = builtInSupportDocument();
  const now = new Date('2026-12-20T08:00:00Z');

  test('the current values[].patchVersions shape sets AKS patch lists, newest first; previews are skipped', () => {
    const az = fixture('az-aks-get-versions.westeurope.json');
    expect(isAzAksGetVersions(az)).toBe(true);
    const r = mergeAzAksGetVersions(base, az, now);
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.doc.dataVersion).toBe('2026.12.1');
    expect(r.doc.compiledAt).toBe('2026-12-20');
    expect(r.doc.aks.find((e) => e.minor === '1.35')?.patches).toEqual(['1.35.6', '1.35.5']);
    expect(r.summary).toMatchObject({ location: 'westeurope', previews: ['1.38'], unknownMinors: [] });
    expect(r.doc.sources.at(-1)?.name).toBe(
      'az aks get-versions --location westeurope (imported 2026-12-20)',
    );
    // Everything else is kept from the base document.
    expect(r.doc.aksArc).toEqual(base.aksArc);
    expect(r.doc.upstream).toEqual(base.upstream);
  });

  test('the pre-2023 orchestrators[] shape works too', () => {
    const az = fixture('az-aks-get-versions.legacy-orchestrators.json');
    expect(isAzAksGetVersions(az)).toBe(true);
    const r = mergeAzAksGetVersions(base, az, now);
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.doc.aks.find((e) => e.minor === '1.27')?.patches).toEqual(['1.27.3', '1.27.1']);
    expect(r.summary.previews).toEqual(['1.28']);
    expect(r.summary.location).toBe('eastus');
  });

  test('a patch listed under the wrong minor is refused with its field', () => {
    const r = mergeAzAksGetVersions(base, fixture('az-aks-get-versions.bad-patch.json'), now);
    expect(r.ok ? [] : r.errors).toEqual(['values.0.patchVersions: "1.36.1" is not a 1.35 patch version']);
  });

  test('a new month starts a new counter', () => {
    const r = mergeAzAksGetVersions(
      base,
      fixture('az-aks-get-versions.westeurope.json'),
      new Date('2027-02-01T00:00:00Z'),
    );
    expect(r.ok && r.doc.dataVersion).toBe('2027.2.0');
  });
});
