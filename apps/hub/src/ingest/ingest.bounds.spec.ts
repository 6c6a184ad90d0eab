// Bounded reports at the hub (issue 11): the results cap, the scannedAt window, unknown check ids, and a seeded
// fuzz of malformed envelopes, against a real database (SQLite here; the ingest suite runs PostgreSQL too).
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { catalogueEntry, MAX_ENVELOPE_RESULTS, type CheckResult } from '@watchpost/shared';
import type { DataSource } from 'typeorm';
import { loadHubConfig } from '../config/hub-config.js';
import { AgentEntity, FindingEntity, QuarantineEntity, ReportEntity } from '../persistence/index.js';
import { migratedThrowawayDatabase } from '../persistence/throwaway-database.js';
import { IngestService } from './ingest.service.js';
import { IngestRejection } from './report-decoder.js';
import { encodeEnvelope, sampleEnvelope } from './sample-envelope.js';
import type { IngestMessage, IngestOutcome } from './ingest.types.js';

const T0 = new Date('2026-11-23T10:00:05.000Z');
const DAY = 86_400_000;
const topic = (id: string, kind = 'report') => `watchpost/v1/agents/${id}/${kind}`;
const msg = (t: string, payload: Buffer | string, at = T0): IngestMessage => ({
  topic: t,
  payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
  receivedAt: at,
});
const pass = (i: number): CheckResult => ({
  checkId: 'pod-privileged',
  area: 'workload',
  severity: 'critical',
  outcome: 'fail',
  resource: { kind: 'Pod', namespace: `ns-${i % 50}`, name: `web-${i}` },
  message: `container "web" runs privileged`,
});

describe('IngestService bounds', () => {
  let ds: DataSource;
  let closeDb: () => Promise<void>;
  let ingest: IngestService;

  beforeEach(async () => {
    ({ ds, close: closeDb } = await migratedThrowawayDatabase('sqlite'));
    ingest = new IngestService(ds, loadHubConfig({}));
    await ds.getRepository(AgentEntity).insert({
      id: 'hci-a',
      clusterName: 'hci-a',
      enrolledAt: '2026-11-01T00:00:00.000Z',
      certNotAfter: '2027-12-01T00:00:00.000Z',
    });
  });
  afterEach(() => closeDb());

  it('refuses a report above the results cap with its own reason, before any schema work; the cap itself is fine', async () => {
    const over = sampleEnvelope('hci-a', 1, {
      results: Array.from({ length: MAX_ENVELOPE_RESULTS + 1 }, (_, i) => pass(i)),
    });
    const at = sampleEnvelope('hci-a', 2, {
      results: Array.from({ length: MAX_ENVELOPE_RESULTS }, (_, i) => pass(i)),
    });
    const [refused, stored] = await ingest.ingestBatch([
      msg(topic('hci-a'), encodeEnvelope(over)),
      msg(topic('hci-a'), encodeEnvelope(at)),
    ]);
    expect(refused.status).toBe('rejected');
    expect(refused.reason).toMatch(
      new RegExp(
        `^too-many-results: report carries ${MAX_ENVELOPE_RESULTS + 1} results; the limit is ${MAX_ENVELOPE_RESULTS}`,
      ),
    );
    expect(refused.ack!.message).toMatchObject({ seq: 1, status: 'rejected' });
    expect(stored.status).toBe('stored');
    expect(await ds.getRepository(ReportEntity).find({ select: { seq: true } })).toEqual([{ seq: 2 }]);
    expect(await ds.getRepository(FindingEntity).count()).toBe(MAX_ENVELOPE_RESULTS);
    const q = await ds.getRepository(QuarantineEntity).find();
    expect(q.map((r) => [r.reason, r.seq])).toEqual([['too-many-results', 1]]);
  });

  it('refuses scannedAt outside its range (1970, 2019, 9999, two days ahead), keeps a report buffered for two weeks', async () => {
    const cases: [string, string][] = [
      ['1970-01-01T00:00:00.000Z', 'timestamp-out-of-range'],
      ['2019-12-31T23:59:59.000Z', 'timestamp-out-of-range'],
      ['9999-12-31T23:59:59.000Z', 'timestamp-out-of-range'],
      [new Date(T0.getTime() + 2 * DAY).toISOString(), 'timestamp-out-of-range'],
      [new Date(T0.getTime() - 14 * DAY).toISOString(), 'stored'],
      [new Date(T0.getTime() + 60_000).toISOString(), 'stored'],
    ];
    const outcomes = await ingest.ingestBatch(
      cases.map(([scannedAt], i) =>
        msg(topic('hci-a'), encodeEnvelope(sampleEnvelope('hci-a', i + 1, { scannedAt }))),
      ),
    );
    expect(outcomes.map((o) => (o.status === 'rejected' ? o.reason!.split(':')[0] : o.status))).toEqual(
      cases.map(([, want]) => want),
    );
    expect(outcomes[0].reason).toContain('scannedAt 1970-01-01T00:00:00.000Z is outside');
    expect(outcomes[0].reason).toContain("check the agent's clock");
    const stored = await ds.getRepository(ReportEntity).find({ order: { seq: 'ASC' } });
    expect(stored.map((r) => r.seq)).toEqual([5, 6]);
    const q = await ds.getRepository(QuarantineEntity).find({ order: { id: 'ASC' } });
    expect(q.map((r) => [r.reason, r.seq])).toEqual([
      ['timestamp-out-of-range', 1],
      ['timestamp-out-of-range', 2],
      ['timestamp-out-of-range', 3],
      ['timestamp-out-of-range', 4],
    ]);
  });

  it('takes results with unknown check ids (or another area) out of posture into quarantine and stores the rest', async () => {
    const base = sampleEnvelope('hci-a', 1);
    const env = sampleEnvelope('hci-a', 1, {
      results: [
        ...base.results,
        { ...pass(1), checkId: 'no-such-check' },
        { ...pass(2), checkId: 'no-such-check' },
        { ...pass(3), area: 'network' },
      ],
    });
    const [o] = await ingest.ingestBatch([msg(topic('hci-a'), encodeEnvelope(env))]);
    expect(o.status).toBe('stored');
    expect(o.reason).toBe('3 result(s) with unknown check ids quarantined');
    expect(o.ack!.message).toEqual({ seq: 1, status: 'stored' });
    const findings = await ds.getRepository(FindingEntity).find({ order: { checkId: 'ASC' } });
    expect(findings.map((f) => f.checkId)).toEqual(base.results.map((r) => r.checkId).sort());
    const report = await ds.getRepository(ReportEntity).findOneByOrFail({ seq: 1 });
    expect(report.resultCount).toBe(base.results.length);
    const [q] = await ds.getRepository(QuarantineEntity).find();
    expect(q).toMatchObject({ reason: 'unknown-check-id', seq: 1, agentId: 'hci-a' });
    expect(q.detail).toContain('3 result(s) taken out');
    expect(q.detail).toContain('no-such-check (workload)');
    expect(q.detail).toContain('pod-privileged (network)');
  });

  it('deletes resolved findings past the retention (30 days by default) when the cluster reports again', async () => {
    const [a, b, c] = sampleEnvelope('hci-a', 1).results; // cert-expiry fail, rbac pass, psa warn
    const report = (seq: number, days: number, results: CheckResult[]) => {
      const at = new Date(T0.getTime() + days * DAY);
      const scannedAt = new Date(at.getTime() - 5_000).toISOString();
      return msg(topic('hci-a'), encodeEnvelope(sampleEnvelope('hci-a', seq, { results, scannedAt })), at);
    };
    await ingest.ingestBatch([report(1, 0, [a, b, c])]);
    await ingest.ingestBatch([report(2, 1, [b, c])]); // cert-expiry resolved at day 1
    await ingest.ingestBatch([report(3, 20, [b])]); // the warning resolved at day 20
    const before = await ds.getRepository(FindingEntity).find({ order: { checkId: 'ASC' } });
    expect(before.map((f) => [f.checkId, f.resolvedAt !== null])).toEqual([
      [a.checkId, true],
      [c.checkId, true],
      [b.checkId, false],
    ]);
    const [o] = await ingest.ingestBatch([report(4, 32, [b])]);
    expect(o.status).toBe('stored');
    const after = await ds.getRepository(FindingEntity).find({ order: { checkId: 'ASC' } });
    // Resolved 31 days before: gone; resolved 12 days before: kept; open or passing rows untouched.
    expect(after.map((f) => f.checkId)).toEqual([c.checkId, b.checkId]);
    expect(after[0].resolvedAt).toBe(new Date(T0.getTime() + 20 * DAY).toISOString());
  });

  it('survives a seeded fuzz of malformed envelopes: no crash, no bad row stored, a reason for every refusal', async () => {
    const SEED = 20261206;
    const COUNT = 240;
    const first = fuzzCases(SEED, COUNT);
    // Reproducible: the same seed makes the same payloads.
    expect(digest(fuzzCases(SEED, COUNT))).toBe(digest(first));

    const outcomes: IngestOutcome[] = [];
    for (let i = 0; i < first.length; i += 40) {
      outcomes.push(...(await ingest.ingestBatch(first.slice(i, i + 40).map((c) => c.message))));
    }
    expect(outcomes).toHaveLength(COUNT);
    const codes = new Set<string>(Object.values(IngestRejection));
    const refused = outcomes.filter((o) => o.status === 'rejected');
    for (const [i, o] of outcomes.entries()) {
      const c = first[i];
      expect([c.mutation, o.status]).toEqual([c.mutation, expect.stringMatching(/^(rejected|stored)$/)]);
      if (o.status === 'rejected') {
        // Every refusal names a known reason code and says something after it.
        expect([c.mutation, codes.has(o.reason!.split(':')[0])]).toEqual([c.mutation, true]);
        expect(o.reason!.split(':').slice(1).join(':').trim().length).toBeGreaterThan(5);
      }
    }
    // The fuzz must mostly refuse (it mutates valid envelopes into invalid ones), and must exercise many reasons.
    expect(refused.length).toBeGreaterThan(COUNT * 0.6);
    expect(new Set(refused.map((o) => o.reason!.split(':')[0])).size).toBeGreaterThanOrEqual(8);

    const quarantine = await ds.getRepository(QuarantineEntity).find();
    const refusalRows = quarantine.filter((q) => q.reason !== IngestRejection.UnknownCheckId);
    expect(refusalRows).toHaveLength(refused.length);
    for (const q of quarantine) {
      expect(q.reason.length).toBeGreaterThan(0);
      expect(q.detail.length).toBeGreaterThan(0);
    }
    // Stored rows are all good rows: known checks in their areas, sane times, within the cap, only accepted seqs.
    const storedSeqs = new Set(
      outcomes.flatMap((o) => (o.status === 'stored' && o.ack ? [o.ack.message.seq] : [])),
    );
    const reports = await ds.getRepository(ReportEntity).find();
    expect(new Set(reports.map((r) => r.seq))).toEqual(storedSeqs);
    for (const r of reports) {
      expect(Date.parse(r.scannedAt)).toBeGreaterThanOrEqual(Date.parse('2020-01-01T00:00:00Z'));
      expect(Date.parse(r.scannedAt)).toBeLessThanOrEqual(T0.getTime() + DAY);
      expect(r.resultCount).toBeLessThanOrEqual(MAX_ENVELOPE_RESULTS);
    }
    for (const f of await ds.getRepository(FindingEntity).find()) {
      expect([f.checkId, catalogueEntry(f.checkId)?.area]).toEqual([f.checkId, f.area]);
    }
  });
});

// ------------------------------------------------------------------------------------------------ the fuzzer

interface FuzzCase {
  mutation: string;
  message: IngestMessage;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = Record<string, unknown>;
const WEIRD: unknown[] = [
  null,
  -1,
  0,
  1.5,
  2 ** 53,
  '',
  'x'.repeat(10_000),
  '\u0000',
  '1970-01-01T00:00:00Z',
  [],
  {},
  { __proto__: { polluted: true } },
  true,
  '../../etc/passwd',
  '🙂',
];

/** Mutations of a valid envelope (each one a plausible bug or attack), chosen by the seeded generator. */
const MUTATIONS: [
  string,
  (env: Json, r: () => number, pick: <T>(xs: readonly T[]) => T) => Buffer | string | Json,
][] = [
  ['drop a top-level field', (e, _r, pick) => (delete e[pick(Object.keys(e))], e)],
  ['weird top-level value', (e, _r, pick) => ({ ...e, [pick(Object.keys(e))]: pick(WEIRD) })],
  ['extra top-level field', (e, _r, pick) => ({ ...e, [pick(['admin', 'constructor', 'x'])]: pick(WEIRD) })],
  [
    'weird result field',
    (e, _r, pick) => {
      const results = e['results'] as Json[];
      const res = results[0];
      res[pick(Object.keys(res))] = pick(WEIRD);
      return e;
    },
  ],
  [
    'weird resource',
    (e, _r, pick) => {
      (e['results'] as Json[])[0]['resource'] = pick(WEIRD);
      return e;
    },
  ],
  ['seq out of range', (e, _r, pick) => ({ ...e, seq: pick([0, -5, 2 ** 31, 1.5, '7', null]) })],
  ['schema version', (e, _r, pick) => ({ ...e, schemaVersion: pick([0, 2, '1', null]) })],
  [
    'agent id',
    (e, _r, pick) => ({ ...e, agentId: pick(['hci-b', 'HCI-A', 'hci-a/#', '', 'a'.repeat(300)]) }),
  ],
  [
    'scannedAt',
    (e, _r, pick) => ({
      ...e,
      scannedAt: pick(['1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', 'yesterday', '2026-13-45T99:00:00Z']),
    }),
  ],
  [
    'cluster',
    (e, _r, pick) => ({
      ...e,
      cluster: pick([
        { ...(e['cluster'] as Json), name: 'other' },
        { ...(e['cluster'] as Json), platform: 'mainframe' },
        'hci-a',
      ]),
    }),
  ],
  [
    'summary',
    (e, _r, pick) => ({
      ...e,
      summary: pick([{}, { pass: -1 }, null, { ...(e['summary'] as Json), byArea: { nowhere: {} } }]),
    }),
  ],
  [
    'unknown check id',
    (e, _r, pick) => {
      (e['results'] as Json[])[0]['checkId'] = pick(['no-such-check', 'cert-expiry-v2']);
      return e;
    },
  ],
  [
    'wrong area',
    (e) => {
      (e['results'] as Json[])[0]['area'] = 'network';
      return e;
    },
  ],
  [
    'too many results',
    (e) => ({ ...e, results: Array.from({ length: MAX_ENVELOPE_RESULTS + 1 }, () => ({})) }),
  ],
  [
    'deep nesting',
    (e) => {
      let deep: unknown = 1;
      for (let i = 0; i < 500; i++) deep = { d: deep };
      (e['results'] as Json[])[0]['evidence'] = { deep };
      return e;
    },
  ],
  ['not an object', (_e, _r, pick) => JSON.stringify(pick([[], 'report', 42, null]))],
  [
    'truncated json',
    (e, r) => {
      const s = JSON.stringify(e);
      return s.slice(0, Math.floor(r() * s.length));
    },
  ],
  [
    'random bytes',
    (_e, r) => Buffer.from(Array.from({ length: 1 + Math.floor(r() * 300) }, () => Math.floor(r() * 256))),
  ],
  [
    'gzip header, garbage body',
    (_e, r) => Buffer.from([0x1f, 0x8b, ...Array.from({ length: 40 }, () => Math.floor(r() * 256))]),
  ],
  [
    'truncated gzip',
    (e, r) => {
      const z = gzipSync(JSON.stringify(e));
      return z.subarray(0, 2 + Math.floor(r() * (z.length - 2)));
    },
  ],
];

function fuzzCases(seed: number, count: number): FuzzCase[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const out: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const [mutation, mutate] = MUTATIONS[i % MUTATIONS.length];
    // Each case has its own seq so a stored report can be traced to its case.
    const env = JSON.parse(JSON.stringify(sampleEnvelope('hci-a', 1000 + i))) as Json;
    const mutated = mutate(env, r, pick);
    const payload = Buffer.isBuffer(mutated)
      ? mutated
      : typeof mutated === 'string'
        ? Buffer.from(mutated)
        : r() < 0.5
          ? gzipSync(JSON.stringify(mutated))
          : Buffer.from(JSON.stringify(mutated));
    const t =
      r() < 0.05
        ? pick(['watchpost/v1/agents/hci-a/ack', 'watchpost/v1/agents/+/report', 'x'])
        : topic('hci-a');
    out.push({ mutation, message: msg(t, payload) });
  }
  return out;
}

function digest(cases: FuzzCase[]): string {
  const h = createHash('sha256');
  for (const c of cases) h.update(c.message.topic).update(c.message.payload);
  return h.digest('hex');
}
