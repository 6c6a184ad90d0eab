import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { ackSchema } from '@watchpost/shared';
import type { DataSource } from 'typeorm';
import { loadHubConfig, type HubConfig } from '../config/hub-config.js';
import {
  AgentEntity,
  ClusterEntity,
  FindingEntity,
  QuarantineEntity,
  ReportEntity,
} from '../persistence/index.js';
import { migratedThrowawayDatabase } from '../persistence/throwaway-database.js';
import { IngestService } from './ingest.service.js';
import { decoderCounters, stopDecodeWorker } from './report-decoder.js';
import { encodeEnvelope, sampleEnvelope } from './sample-envelope.js';
import type { IngestMessage } from './ingest.types.js';

const T0 = new Date('2026-11-23T10:00:05.000Z');
const topic = (id: string, kind = 'report') => `watchpost/v1/agents/${id}/${kind}`;
const msg = (t: string, payload: Buffer | string, at = T0, retained = false): IngestMessage => ({
  topic: t,
  payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
  receivedAt: at,
  retained,
});

afterAll(() => stopDecodeWorker());

// The ingest against real databases: SQLite always, PostgreSQL too (same migrations, same outcomes).
describe.each(['sqlite', 'postgres'] as const)('IngestService on %s', (kind) => {
  let ds: DataSource;
  let closeDb: () => Promise<void>;
  let ingest: IngestService;
  let config: HubConfig;

  beforeEach(async () => {
    ({ ds, close: closeDb } = await migratedThrowawayDatabase(kind));
    config = loadHubConfig({
      WATCHPOST_MAX_REPORT_BYTES: '65536',
      WATCHPOST_MAX_DECOMPRESSED_BYTES: '1048576',
    });
    ingest = new IngestService(ds, config);
    const at = '2026-11-01T00:00:00.000Z';
    await ds.getRepository(AgentEntity).insert([
      { id: 'hci-a', clusterName: 'hci-a', enrolledAt: at, certNotAfter: '2026-12-01T00:00:00.000Z' },
      { id: 'hci-b', clusterName: 'hci-b', enrolledAt: at, certNotAfter: '2026-12-01T00:00:00.000Z' },
      { id: 'hci-gone', clusterName: 'hci-gone', enrolledAt: at, revoked: true, revokedAt: at },
      { id: 'hci-old', clusterName: 'hci-old', enrolledAt: at, certNotAfter: '2026-11-20T00:00:00.000Z' },
    ]);
  });
  afterEach(() => closeDb());

  it('stores a report: history, posture, agent and cluster, with receive time, skew and scores; acks stored', async () => {
    const [o] = await ingest.ingestBatch([msg(topic('hci-a'), encodeEnvelope(sampleEnvelope('hci-a', 1)))]);
    expect(o).toEqual({ status: 'stored', ack: { agentId: 'hci-a', message: { seq: 1, status: 'stored' } } });
    const report = await ds.getRepository(ReportEntity).findOneByOrFail({ agentId: 'hci-a', seq: 1 });
    expect(report).toMatchObject({
      receivedAt: T0.toISOString(),
      scannedAt: '2026-11-23T10:00:00.000Z',
      clockSkewMs: 5000,
      appliedToPosture: true,
    });
    const findings = await ds
      .getRepository(FindingEntity)
      .find({ where: { clusterName: 'hci-a' }, order: { checkId: 'ASC' } });
    expect(findings.map((f) => [f.checkId, f.outcome, f.resourceKey])).toEqual([
      ['cert-expiry', 'fail', 'HostFile|||/etc/kubernetes/pki/apiserver.crt@hci-a'],
      ['namespace-pod-security-labels', 'warn', 'Namespace||default|'],
      ['rbac-wildcard-rules', 'pass', 'ClusterRole||view|'],
    ]);
    const cluster = await ds.getRepository(ClusterEntity).findOneByOrFail({ name: 'hci-a' });
    expect(cluster).toMatchObject({
      lastSeq: 1,
      lastReceivedAt: T0.toISOString(),
      clockSkewMs: 5000,
      scores: { certificates: 0, access: 100, workload: 0 },
      score: 33,
    });
    expect(await ds.getRepository(AgentEntity).findOneByOrFail({ id: 'hci-a' })).toMatchObject({
      lastSeq: 1,
      clockSkewMs: 5000,
    });
  });

  it('is idempotent: a resend is a duplicate, a different report under a stored seq is a conflict, nothing changes', async () => {
    const env = sampleEnvelope('hci-a', 1);
    await ingest.ingestBatch([msg(topic('hci-a'), encodeEnvelope(env))]);
    const later = new Date(T0.getTime() + 60_000);
    const [dup, conflict, dupInBatch] = await ingest.ingestBatch([
      msg(topic('hci-a'), encodeEnvelope(env), later),
      msg(topic('hci-a'), encodeEnvelope({ ...env, runId: 'other' }), later),
      msg(topic('hci-a'), encodeEnvelope(env), later),
    ]);
    expect(dup.status).toBe('duplicate');
    expect(dup.ack!.message).toMatchObject({ seq: 1, status: 'duplicate' });
    expect(conflict.status).toBe('rejected');
    expect(conflict.ack!.message.reason).toMatch(/^seq-conflict/);
    expect(dupInBatch.status).toBe('duplicate');
    expect(await ds.getRepository(ReportEntity).count()).toBe(1);
    const f = await ds.getRepository(FindingEntity).findOneByOrFail({ checkId: 'cert-expiry' });
    expect(f.lastSeenAt).toBe(T0.toISOString());
  });

  it('answers a reused seq with a resync ack carrying the hub high-water mark, never a bare rejection', async () => {
    for (const seq of [1, 2, 3])
      await ingest.ingestBatch([msg(topic('hci-a'), encodeEnvelope(sampleEnvelope('hci-a', seq)))]);
    // The agent lost seq 2..3 from its store and numbers a new scan 2 again.
    const [conflict] = await ingest.ingestBatch([
      msg(topic('hci-a'), encodeEnvelope({ ...sampleEnvelope('hci-a', 2), runId: 'after-restore' })),
    ]);
    expect(conflict.status).toBe('rejected');
    expect(conflict.ack!.message).toMatchObject({ seq: 2, status: 'resync', hubSeq: 3 });
    expect(conflict.ack!.message.reason).toMatch(/^seq-conflict: .*resend above seq 3/);
    expect(ackSchema.parse(conflict.ack!.message)).toEqual(conflict.ack!.message);
    // The agent resends under seq 4: stored and applied.
    const [resent] = await ingest.ingestBatch([
      msg(topic('hci-a'), encodeEnvelope({ ...sampleEnvelope('hci-a', 4), runId: 'after-restore' })),
    ]);
    expect(resent.status).toBe('stored');
    expect(resent.reason).toBeUndefined();
  });

  it('keeps conflicts out of the store', async () => {
    const env = sampleEnvelope('hci-a', 1);
    await ingest.ingestBatch([msg(topic('hci-a'), encodeEnvelope(env))]);
    const later = new Date(T0.getTime() + 60_000);
    await ingest.ingestBatch([msg(topic('hci-a'), encodeEnvelope({ ...env, runId: 'other' }), later)]);
    expect(await ds.getRepository(ReportEntity).count()).toBe(1);
    const f = await ds.getRepository(FindingEntity).findOneByOrFail({ checkId: 'cert-expiry' });
    expect(f.lastSeenAt).toBe(T0.toISOString());
  });

  it('newest wins by seq: an older report arriving late goes to history only', async () => {
    const fixed = sampleEnvelope('hci-a', 2, {
      results: [
        {
          checkId: 'cert-expiry',
          area: 'certificates',
          severity: 'high',
          outcome: 'pass',
          resource: { kind: 'HostFile', path: '/etc/kubernetes/pki/apiserver.crt' },
          message: 'valid for 300 days',
        },
      ],
    });
    // seq 1 and 2 in one batch, 2 first: posture must reflect 2.
    await ingest.ingestBatch([
      msg(topic('hci-a'), encodeEnvelope(fixed)),
      msg(topic('hci-a'), encodeEnvelope(sampleEnvelope('hci-a', 1))),
    ]);
    const reports = await ds.getRepository(ReportEntity).find({ order: { seq: 'ASC' } });
    expect(reports.map((r) => [r.seq, r.appliedToPosture])).toEqual([
      [1, false],
      [2, true],
    ]);
    const rows = await ds.getRepository(FindingEntity).find();
    expect(rows.map((r) => [r.checkId, r.outcome])).toEqual([['cert-expiry', 'pass']]);
    // a later, even older-than-newest seq changes nothing either
    const [late] = await ingest.ingestBatch([
      msg(
        topic('hci-a'),
        encodeEnvelope(sampleEnvelope('hci-a', 1, { runId: 'x' })),
        new Date(T0.getTime() + 1),
      ),
    ]);
    expect(late.status).toBe('rejected'); // same seq, other run: conflict
    expect((await ds.getRepository(AgentEntity).findOneByOrFail({ id: 'hci-a' })).lastSeq).toBe(2);
  });

  it('applies the newest accepted report of a batch with its results when a newer one of the agent is refused', async () => {
    // Only the newest report of an agent keeps its results while the batch is decoded; seq 2 is refused here
    // (another cluster), so seq 1 wins and its results must reach posture all the same.
    const [first, other] = await ingest.ingestBatch([
      msg(topic('hci-a'), encodeEnvelope(sampleEnvelope('hci-a', 1))),
      msg(topic('hci-a'), encodeEnvelope(sampleEnvelope('hci-a', 2, { cluster: { name: 'hci-b' } }))),
    ]);
    expect(first.status).toBe('stored');
    expect(other.reason).toMatch(/^cluster-mismatch/);
    const rows = await ds.getRepository(FindingEntity).find({ order: { checkId: 'ASC' } });
    expect(rows.map((r) => [r.checkId, r.outcome, r.lastSeq])).toEqual([
      ['cert-expiry', 'fail', 1],
      ['namespace-pod-security-labels', 'warn', 1],
      ['rbac-wildcard-rules', 'pass', 1],
    ]);
    expect((await ds.getRepository(AgentEntity).findOneByOrFail({ id: 'hci-a' })).lastSeq).toBe(1);
  });

  it('counts the results of every report of a batch in history, also those only the newest keeps', async () => {
    const one = sampleEnvelope('hci-a', 1);
    const two = sampleEnvelope('hci-a', 2, { results: one.results.slice(0, 2) });
    await ingest.ingestBatch([
      msg(topic('hci-a'), encodeEnvelope(one)),
      msg(topic('hci-a'), encodeEnvelope(two)),
      msg(topic('hci-a'), encodeEnvelope(sampleEnvelope('hci-a', 3, { results: one.results.slice(0, 1) }))),
    ]);
    const reports = await ds.getRepository(ReportEntity).find({ order: { seq: 'ASC' } });
    expect(reports.map((r) => [r.seq, r.resultCount, r.appliedToPosture])).toEqual([
      [1, 3, false],
      [2, 2, false],
      [3, 1, true],
    ]);
    const rows = await ds.getRepository(FindingEntity).find();
    expect(rows.map((r) => [r.checkId, r.lastSeq])).toEqual([['cert-expiry', 3]]);
  });

  it('stores every report of a batch exactly once when the decode worker ends while it decodes them', async () => {
    const batch = [1, 2, 3].flatMap((seq) =>
      ['hci-a', 'hci-b'].map((id) => msg(topic(id), encodeEnvelope(sampleEnvelope(id, seq)))),
    );
    const before = { ...decoderCounters };
    const ingesting = ingest.ingestBatch(batch);
    // The batch's job is with the worker now; it ends before answering, as in a crash.
    await stopDecodeWorker();
    const outcomes = await ingesting;
    expect(decoderCounters.workerUnavailable - before.workerUnavailable).toBe(batch.length);
    expect(outcomes.map((o) => o.status)).toEqual(batch.map(() => 'stored'));
    const reports = await ds.getRepository(ReportEntity).find({ order: { agentId: 'ASC', seq: 'ASC' } });
    expect(reports.map((r) => [r.agentId, r.seq, r.appliedToPosture])).toEqual([
      ['hci-a', 1, false],
      ['hci-a', 2, false],
      ['hci-a', 3, true],
      ['hci-b', 1, false],
      ['hci-b', 2, false],
      ['hci-b', 3, true],
    ]);
    expect(await ds.getRepository(FindingEntity).count()).toBe(6);
    // The next batch gets a new worker; the same reports again are answered as duplicates.
    const again = await ingest.ingestBatch(batch);
    expect(again.map((o) => o.status)).toEqual(batch.map(() => 'duplicate'));
    expect(decoderCounters.worker - before.worker).toBe(batch.length);
  });

  it('commits batches handed in together in the order they came, the second one decoded meanwhile', async () => {
    const first = ingest.ingestBatch([msg(topic('hci-a'), encodeEnvelope(sampleEnvelope('hci-a', 1)))]);
    const second = ingest.ingestBatch([msg(topic('hci-a'), encodeEnvelope(sampleEnvelope('hci-a', 2)))]);
    expect((await first)[0].status).toBe('stored');
    expect((await second)[0].status).toBe('stored');
    // Seq 2 committed after seq 1: both reached posture (the other way round seq 1 would be history only).
    const reports = await ds.getRepository(ReportEntity).find({ order: { seq: 'ASC' } });
    expect(reports.map((r) => [r.seq, r.appliedToPosture])).toEqual([
      [1, true],
      [2, true],
    ]);
  });

  it('commits nothing of a batch handed in behind one that could not be stored, and takes it again afterwards', async () => {
    // Neither the reports nor the quarantine can be written: the batch fails as a whole (as with the database down).
    await ds.query('ALTER TABLE "reports" RENAME TO "reports_away"');
    await ds.query('ALTER TABLE "quarantine" RENAME TO "quarantine_away"');
    const one = [msg(topic('hci-a'), encodeEnvelope(sampleEnvelope('hci-a', 1)))];
    const two = [msg(topic('hci-b'), encodeEnvelope(sampleEnvelope('hci-b', 1)))];
    const first = ingest.ingestBatch(one);
    const second = ingest.ingestBatch(two);
    await expect(first).rejects.toThrow();
    await expect(second).rejects.toThrow('the batch before this one could not be stored');
    expect(await ds.getRepository(ClusterEntity).count()).toBe(0);
    await ds.query('ALTER TABLE "reports_away" RENAME TO "reports"');
    await ds.query('ALTER TABLE "quarantine_away" RENAME TO "quarantine"');
    // The retry, handed in after both settled, is stored.
    expect((await ingest.ingestBatch([...one, ...two])).map((o) => o.status)).toEqual(['stored', 'stored']);
    expect(await ds.getRepository(ReportEntity).count()).toBe(2);
  });

  it('tracks first seen, outcome changes and resolution across reports', async () => {
    const t1 = new Date('2026-11-23T11:00:00.000Z');
    const t2 = new Date('2026-11-23T12:00:00.000Z');
    await ingest.ingestBatch([msg(topic('hci-a'), encodeEnvelope(sampleEnvelope('hci-a', 1)))]);
    const r2 = sampleEnvelope('hci-a', 2).results.filter(
      (r) => r.checkId !== 'namespace-pod-security-labels',
    );
    r2[0] = { ...r2[0], outcome: 'pass', message: 'renewed' };
    await ingest.ingestBatch([
      msg(topic('hci-a'), encodeEnvelope(sampleEnvelope('hci-a', 2, { results: r2 })), t1),
    ]);
    const byCheck = async () =>
      Object.fromEntries((await ds.getRepository(FindingEntity).find()).map((f) => [f.checkId, f]));
    let f = await byCheck();
    expect(f['cert-expiry']).toMatchObject({
      outcome: 'pass',
      firstSeenAt: T0.toISOString(),
      outcomeSince: t1.toISOString(),
      resolvedAt: t1.toISOString(),
    });
    expect(f['namespace-pod-security-labels']).toMatchObject({
      outcome: 'warn',
      resolvedAt: t1.toISOString(),
      lastSeenAt: T0.toISOString(),
    });
    expect(f['rbac-wildcard-rules']).toMatchObject({
      outcome: 'pass',
      resolvedAt: null,
      lastSeenAt: t1.toISOString(),
    });
    // the problem comes back: open again
    await ingest.ingestBatch([msg(topic('hci-a'), encodeEnvelope(sampleEnvelope('hci-a', 3)), t2)]);
    f = await byCheck();
    expect(f['cert-expiry']).toMatchObject({
      outcome: 'fail',
      outcomeSince: t2.toISOString(),
      resolvedAt: null,
    });
    expect(f['namespace-pod-security-labels']).toMatchObject({
      resolvedAt: null,
      lastSeenAt: t2.toISOString(),
    });
  });

  it('quarantines bad input with its reason and keeps it out of posture', async () => {
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20)); // 8 MiB of spaces: ~8 KB on the wire
    const cases: [IngestMessage, string][] = [
      [msg(topic('hci-a'), '{"schemaVersion":1,'), 'malformed-json'],
      [
        msg(topic('hci-a'), JSON.stringify({ ...sampleEnvelope('hci-a', 5), schemaVersion: 2 })),
        'unsupported-schema-version',
      ],
      [
        msg(topic('hci-a'), JSON.stringify({ ...sampleEnvelope('hci-a', 6), results: [{ checkId: 'X' }] })),
        'schema-invalid',
      ],
      [msg(topic('hci-a'), Buffer.alloc(70_000, 0x7b)), 'too-large'],
      [msg(topic('hci-a'), bomb), 'decompressed-too-large'],
      [msg(topic('hci-a'), Buffer.from([0x1f, 0x8b, 1, 2, 3])), 'bad-compression'],
      [msg(topic('hci-a'), Buffer.from([0, 1, 2])), 'bad-encoding'],
      [msg(topic('hci-a'), encodeEnvelope(sampleEnvelope('hci-b', 7))), 'identity-mismatch'],
      [msg(topic('hci-nobody'), encodeEnvelope(sampleEnvelope('hci-nobody', 1))), 'unknown-agent'],
      [msg(topic('hci-gone'), encodeEnvelope(sampleEnvelope('hci-gone', 1))), 'revoked'],
      [msg(topic('hci-old'), encodeEnvelope(sampleEnvelope('hci-old', 1))), 'certificate-expired'],
      [
        msg(topic('hci-b'), encodeEnvelope(sampleEnvelope('hci-b', 1, { cluster: { name: 'hci-a' } }))),
        'cluster-mismatch',
      ],
      [msg('watchpost/v1/agents/hci-a/ack', '{}'), 'bad-topic'],
      [msg('watchpost/v1/agents/hci-a/status', '{"state":"dancing"}'), 'schema-invalid'],
    ];
    const outcomes = await ingest.ingestBatch(cases.map(([m]) => m));
    expect(outcomes.map((o) => o.status)).toEqual(cases.map(() => 'rejected'));
    expect(outcomes.map((o) => o.reason!.split(':')[0])).toEqual(cases.map(([, r]) => r));
    const q = await ds.getRepository(QuarantineEntity).find({ order: { id: 'ASC' } });
    expect(q.map((r) => r.reason)).toEqual(cases.map(([, r]) => r));
    expect(q[4].detail).toContain('WATCHPOST_MAX_DECOMPRESSED_BYTES');
    expect(q[7]).toMatchObject({ agentId: 'hci-a', envelopeAgentId: 'hci-b', seq: 7 });
    // rejections with a readable seq are answered, so the agent can stop resending
    expect(outcomes[1].ack!.message).toMatchObject({ seq: 5, status: 'rejected' });
    expect(outcomes[0].ack).toBeUndefined();
    expect(await ds.getRepository(FindingEntity).count()).toBe(0);
    expect(await ds.getRepository(ReportEntity).count()).toBe(0);
    expect(ingest.stats.rejected).toBe(cases.length);
  });

  it('records liveness from status and last will, ignoring a retained replay of the same state', async () => {
    const t1 = new Date('2026-11-23T11:00:00.000Z');
    await ingest.ingestBatch([
      msg(topic('hci-a', 'status'), '{"state":"online","at":"2026-11-23T09:59:00Z","agentVersion":"0.1.0"}'),
    ]);
    expect(await ds.getRepository(AgentEntity).findOneByOrFail({ id: 'hci-a' })).toMatchObject({
      status: 'online',
      statusAt: T0.toISOString(),
      agentVersion: '0.1.0',
    });
    const [replay] = await ingest.ingestBatch([
      msg(topic('hci-a', 'status'), '{"state":"online"}', t1, true),
    ]);
    expect(replay.status).toBe('ignored');
    await ingest.ingestBatch([msg(topic('hci-a', 'status'), '{"state":"offline"}', t1)]);
    expect(await ds.getRepository(AgentEntity).findOneByOrFail({ id: 'hci-a' })).toMatchObject({
      status: 'offline',
      statusAt: t1.toISOString(),
    });
  });

  it('ingests a batch from many agents in one transaction', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `bulk-${i}`);
    await ds
      .getRepository(AgentEntity)
      .insert(ids.map((id) => ({ id, clusterName: id, enrolledAt: T0.toISOString() })));
    const outcomes = await ingest.ingestBatch(
      ids.flatMap((id) => [1, 2].map((seq) => msg(topic(id), encodeEnvelope(sampleEnvelope(id, seq))))),
    );
    expect(outcomes.every((o) => o.status === 'stored')).toBe(true);
    expect(await ds.getRepository(ReportEntity).count()).toBe(60);
    expect(await ds.getRepository(ClusterEntity).count()).toBe(30);
    expect(await ds.getRepository(FindingEntity).count()).toBe(90);
  });
});
