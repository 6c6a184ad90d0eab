import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { reportEnvelopeV1Schema } from '@watchpost/shared';
import { validateEnvelope } from './envelope-validator.js';
import { sampleEnvelope } from './sample-envelope.js';

const GOLDEN = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'wire',
  'report.v1.json',
);
const golden = (): Record<string, unknown> =>
  JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, unknown>;

/** The compiled check must say what zod says, with the same issues, for every input. */
function expectSameVerdict(input: unknown): boolean {
  const zod = reportEnvelopeV1Schema.safeParse(input);
  const compiled = validateEnvelope(input);
  expect({ success: compiled.success, issues: compiled.error?.issues }).toEqual({
    success: zod.success,
    issues: zod.error?.issues,
  });
  if (compiled.success) expect(compiled.data).toEqual(zod.data);
  return zod.success;
}

/** Paths (`results.[]`, `results.[].facts`) of every zod refinement in a schema (zod 4's definition tree). */
function refinedPaths(schema: z.ZodType, path = ''): string[] {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  const checks = (def['checks'] as { _zod: { def: { check: string } } }[] | undefined) ?? [];
  const own = checks.some((c) => c._zod.def.check === 'custom') ? [path] : [];
  const child = (s: unknown, p: string): string[] => (s ? refinedPaths(s as z.ZodType, p) : []);
  const shape = (def['shape'] as Record<string, z.ZodType> | undefined) ?? {};
  return [
    ...own,
    ...Object.entries(shape).flatMap(([k, s]) => child(s, path ? `${path}.${k}` : k)),
    ...child(def['element'], `${path}.[]`),
    ...child(def['innerType'], path),
    ...child(def['valueType'], `${path}.{}`),
    ...child(def['catchall'], `${path}.*`),
    ...((def['options'] as z.ZodType[] | undefined) ?? []).flatMap((s) => child(s, path)),
  ];
}

/** Deterministic PRNG (mulberry32), so a failure replays. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53,
  '',
  'x',
  'x'.repeat(129),
  'x'.repeat(8193),
  '😀'.repeat(64),
  '😀'.repeat(65),
  '\ud83d',
  '2026-11-23T10:00:00Z',
  '2026-11-23T10:00:00',
  '2026-02-30T10:00:00Z',
  'UPPER-case',
  'pod-privileged',
  'fail',
  'error',
  'workload',
  'critical',
  [],
  [1],
  {},
  { type: 'certificate', version: 1 },
  { type: 'from-the-future', version: 7, anything: [1, 2] },
  { source: 'config', reason: 'accepted' },
  { source: 'hub', reason: 'accepted' },
  { pass: 0, fail: 0, warn: 0, error: 0, not_applicable: 0 },
];

/** Every path to a value in a JSON value. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return [at, ...v.flatMap((x, i) => paths(x, [...at, i]))];
  if (typeof v === 'object' && v !== null)
    return [at, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, k]))];
  return [at];
}

/** A copy of `base` with one change at a random place: a value replaced, a key removed or added. */
function mutate(base: unknown, all: (string | number)[][], next: () => number): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  const path = all[Math.floor(next() * all.length)];
  let parent = copy;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = path[path.length - 1];
  const roll = next();
  if (roll < 0.15 && !Array.isArray(parent)) delete parent[key];
  else if (roll < 0.25 && !Array.isArray(parent)) parent[`extra${Math.floor(next() * 3)}`] = 1;
  else parent[key] = structuredClone(ODD_VALUES[Math.floor(next() * ODD_VALUES.length)]);
  return copy;
}

describe('compiled envelope validator', () => {
  it('has zod refinements only where it runs zod again: a result and its facts', () => {
    expect(refinedPaths(reportEnvelopeV1Schema).sort()).toEqual(['results.[]', 'results.[].facts']);
  });

  it('accepts what zod accepts: the golden wire sample (facts included) and sample envelopes', () => {
    expect(expectSameVerdict(golden())).toBe(true);
    expect(expectSameVerdict(sampleEnvelope('hci-a', 1))).toBe(true);
    const e = sampleEnvelope('hci-a', 2);
    e.results[0].exemption = { source: 'annotation', reason: 'accepted', expiresAt: '2027-01-01T00:00:00Z' };
    expect(expectSameVerdict(e)).toBe(true);
    // A facts type from a newer agent passes (readers skip it); the golden results are JSON-parsed, not copied.
    const g = golden();
    (g['results'] as Record<string, unknown>[])[0]['facts'] = { type: 'future', version: 9, x: 1 };
    expect(validateEnvelope(g)).toEqual({ success: true, data: g });
  });

  it('refuses what zod refuses, with zod issues: refinements, lengths in code points, patterns, keys', () => {
    type Obj = Record<string, unknown>;
    type Env = Obj & { results: Obj[]; cluster: Obj; summary: { byArea: Obj } };
    const cases: ((e: Env) => void)[] = [
      (e) => (e.results[0]['exemption'] = { source: 'config', reason: 'r' }), // on an outcome `error` below
      (e) => (e.results[3]['facts'] = { type: 'certificate', version: 1 }), // known type, missing fields
      (e) => (e['agentVersion'] = '😀'.repeat(65)), // 65 code points > 64
      (e) => (e['agentVersion'] = ''),
      (e) => (e['agentId'] = 'Hci-A'),
      (e) => (e['scannedAt'] = '2026-11-23 10:00:00Z'),
      (e) => (e['seq'] = 0),
      (e) => (e['seq'] = 1.5),
      (e) => (e.summary.byArea['nowhere'] = e.summary.byArea['access']),
      (e) => (e.cluster['extra'] = 1),
      (e) => (e.results[1]['resource'] = { kind: 'Pod', ['__proto__']: 'x' }),
      (e) => ((e as Obj)['results'] = {}),
      (e) => delete e['dropped'],
    ];
    for (const change of cases) {
      const e = golden() as Env;
      e.results[0]['outcome'] = 'error';
      change(e);
      expect(expectSameVerdict(JSON.parse(JSON.stringify(e)))).toBe(false);
    }
    // Lengths count code points, as zod does: 64 emoji are 128 UTF-16 units and fit in a 64-long field.
    expect(expectSameVerdict({ ...sampleEnvelope('hci-a', 1), agentVersion: '😀'.repeat(64) })).toBe(true);
  });

  it('agrees with zod on 3,000 random one-place changes of real envelopes', () => {
    const next = rng(15);
    // The golden sample cut to 20 results, 10 of them with facts (the schema does not tie summary to results).
    const g = golden();
    const rs = g['results'] as { facts?: unknown }[];
    g['results'] = [...rs.filter((r) => !r.facts).slice(0, 10), ...rs.filter((r) => r.facts).slice(0, 10)];
    const bases = [g, sampleEnvelope('hci-a', 3), { ...sampleEnvelope('hci-b', 4), dropped: 2 }];
    const where = bases.map((b) => paths(b).filter((p) => p.length > 0));
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const b = i % bases.length;
      if (expectSameVerdict(mutate(bases[b], where[b], next))) accepted++;
    }
    // Both verdicts occur: the changes are neither all harmless nor all fatal.
    expect(accepted).toBeGreaterThan(100);
    expect(accepted).toBeLessThan(2900);
  });
});
