import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { reportEnvelopeV1Schema, summarise, type Report } from '@watchpost/shared';
import { AgentStore } from './agent-store.js';

const now = new Date('2026-11-23T12:00:00Z');

function report(n = 0): Report {
  const results: Report['results'] = [
    {
      checkId: 'cert-expiry',
      area: 'certificates',
      severity: 'high',
      outcome: 'fail',
      resource: { kind: 'File', path: '/etc/kubernetes/pki/apiserver.crt' },
      message: `expired ${n}`,
    },
    {
      checkId: 'rbac-wildcard',
      area: 'access',
      severity: 'medium',
      outcome: 'pass',
      resource: { kind: 'ClusterRole', name: 'view' },
      message: 'ok',
    },
  ];
  return {
    schemaVersion: 1,
    scannedAt: now.toISOString(),
    evaluatedAt: now.toISOString(),
    cluster: { name: 'hci-01', platform: 'aks-hci', role: 'workload' },
    summary: summarise(results),
    results,
    collectorErrors: [],
  };
}

describe('AgentStore', () => {
  let dir: string;
  let store: AgentStore;
  const open = (maxRows = 100, maxBytes = 10_000_000) =>
    AgentStore.open({
      path: join(dir, 'sub', 'agent.sqlite'),
      retention: { maxRows, maxBytes },
      now: () => now,
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agent-store-'));
    store = await open();
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const commit = (n = 0) =>
    store.commitReport({
      report: report(n),
      runId: `run-${n}`,
      agentId: 'hci-01',
      agentVersion: '0.1.0',
      observations: {
        certificates: {
          '/etc/kubernetes/pki/ca.crt': {
            serial: `S${n}`,
            notBefore: '2026-01-01T00:00:00Z',
            notAfter: '2027-01-01T00:00:00Z',
          },
        },
        kmsKeys: { kms: `key-${n % 2}` },
      },
    });

  it('uses WAL (synchronous is per connection: set in prepareDatabase)', () => {
    const db = new Database(join(dir, 'sub', 'agent.sqlite'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('assigns monotonic seqs and stores the envelope that goes on the wire', async () => {
    expect((await commit(1)).seq).toBe(1);
    expect((await commit(2)).seq).toBe(2);
    const rows = await store.undelivered(0, 10);
    expect(rows.map((r) => r.seq)).toEqual([1, 2]);
    const env = reportEnvelopeV1Schema.parse(JSON.parse(gunzipSync(rows[1].payload).toString('utf8')));
    expect(env).toMatchObject({ seq: 2, agentId: 'hci-01', runId: 'run-2', dropped: 0 });
  });

  it('finishes rows only by the hub ack; duplicates and acks for unknown seqs are harmless; rejected is final', async () => {
    for (let i = 1; i <= 3; i++) await commit(i);
    await store.markSent([1, 2, 3]);
    expect(await store.applyAcks([{ seq: 1, status: 'stored' }])).toEqual({ acked: 1, rejected: 0 });
    expect(
      await store.applyAcks([
        { seq: 1, status: 'duplicate' },
        { seq: 99, status: 'stored' },
      ]),
    ).toEqual({ acked: 0, rejected: 0 });
    expect(
      await store.applyAcks([{ seq: 2, status: 'rejected', reason: 'schema: results[0].checkId' }]),
    ).toEqual({ acked: 0, rejected: 1 });
    expect(await store.applyAcks([{ seq: 2, status: 'stored' }])).toEqual({ acked: 0, rejected: 0 });
    expect((await store.undelivered(0, 10)).map((r) => r.seq)).toEqual([3]);
    expect((await store.backlog()).byState).toEqual({ acked: 1, rejected: 1, sent: 1 });
    const state = await store.state();
    expect(state.rejectedTotal).toBe(1);
    expect(state.lastAckAt).toBe(now.toISOString());
    expect(await store.markRejected(3, 'broker refused publish: 0x87 not authorised')).toBe(true);
    expect((await store.state()).lastError).toContain('0x87');
  });

  it('drops finished reports first, then the oldest undelivered, counting them into the next envelope', async () => {
    await store.close();
    store = await open(3);
    for (let i = 1; i <= 3; i++) await commit(i);
    await store.markSent([1]);
    await store.applyAcks([{ seq: 2, status: 'stored' }]);
    expect((await commit(4)).droppedNow).toBe(0); // seq 2 (acked) made room
    expect((await commit(5)).droppedNow).toBe(1); // seq 1, sent but never acked
    const sixth = await commit(6);
    expect(sixth).toMatchObject({ seq: 6, announcedDropped: 1, droppedNow: 1 }); // seq 3 dropped now
    // seq 4 is dropped next: it carries nothing; seq 6 announced 1 (seq 1) and is still here.
    const rows = await store.undelivered(0, 10);
    expect(rows.map((r) => r.seq)).toEqual([4, 5, 6]);
    const state = await store.state();
    expect(state.droppedTotal).toBe(2);
    expect(state.droppedUnreported).toBe(1);
    // Dropping a report that itself announced drops re-counts them: nothing is lost silently.
    await commit(7); // drops 4: unreported 1 (seq 3) +1
    await commit(8); // announces 2, drops 5
    await commit(9); // announces 1, drops 6 which announced 1 -> unreported 2
    expect((await store.state()).droppedUnreported).toBe(2);
    const env = JSON.parse(gunzipSync((await store.undelivered(8, 1))[0].payload).toString('utf8'));
    expect(env.dropped).toBe(1);
  });

  it('bounds by bytes too', async () => {
    await store.close();
    store = await open(1000, 1500);
    const sizes: number[] = [];
    for (let i = 1; i <= 6; i++) sizes.push((await commit(i)).payloadBytes);
    const kept = await store.undelivered(0, 100);
    expect(kept.reduce((a, r) => a + r.payload.length, 0)).toBeLessThanOrEqual(1500);
    expect((await store.state()).droppedTotal).toBe(6 - kept.length);
  });

  it('keeps history across scans and reopen, feeding the next scan', async () => {
    await commit(1);
    await commit(2);
    await commit(2);
    await store.close();
    store = await open();
    const h = await store.history();
    expect(h.certificates['/etc/kubernetes/pki/ca.crt'].map((c) => c.serial)).toEqual(['S1', 'S2']);
    expect(Object.keys(h.kmsKeys)).toEqual(['kms']);
    expect(h.kmsKeys['kms'].map((k) => k.keyId).sort()).toEqual(['key-0', 'key-1']);
    expect((await commit(3)).seq).toBe(4);
  });

  it('resync: moves past the hub high-water mark and renumbers what is undelivered, in scan order', async () => {
    for (let i = 1; i <= 6; i++) await commit(i);
    await store.markSent([1, 2, 3, 6]);
    await store.applyAcks([{ seq: 1, status: 'stored' }]);
    // The hub holds 1..4 already (4 from a store this agent lost); 6 was published and may be at the hub.
    const r = await store.resync(2, 4);
    expect(r.renumbered).toEqual([
      { from: 2, to: 7 },
      { from: 3, to: 8 },
      { from: 4, to: 9 },
      { from: 5, to: 10 },
    ]);
    expect(r.lastSeq).toBe(10);
    const rows = await store.undelivered(0, 100);
    expect(rows.map((x) => x.seq)).toEqual([6, 7, 8, 9, 10]);
    const env = reportEnvelopeV1Schema.parse(JSON.parse(gunzipSync(rows[1].payload).toString('utf8')));
    expect(env).toMatchObject({ seq: 7, runId: 'run-2' });
    expect((await store.backlog()).byState).toEqual({ acked: 1, sent: 1, pending: 4 });
    expect((await store.state()).lastError).toMatch(/hub already holds seq 2/);
    expect((await commit(11)).seq).toBe(11);
    // A resync whose seq is already gone (renumbered) still only moves forward.
    expect((await store.resync(3, 5)).renumbered).toEqual([]);
    expect((await commit(12)).seq).toBe(12);
    // Hub far ahead (store restored from an old copy): the next seq is above the hub's.
    expect((await store.resync(12, 500)).lastSeq).toBe(500 + 7);
    expect((await commit(13)).seq).toBe(508);
  });

  it('carries store failures in the next envelope only when there were any', async () => {
    await commit(1);
    const failures = {
      failedCommits: 3,
      scansSuperseded: 1,
      since: now.toISOString(),
      lastError: 'database or disk is full',
    };
    await store.commitReport({
      report: report(2),
      runId: 'run-2',
      agentId: 'hci-01',
      agentVersion: '0.1.0',
      storeFailures: failures,
    });
    const [first, second] = (await store.undelivered(0, 10)).map((r) =>
      reportEnvelopeV1Schema.parse(JSON.parse(gunzipSync(r.payload).toString('utf8'))),
    );
    expect(first.storeFailures).toBeUndefined();
    expect(second.storeFailures).toEqual(failures);
  });

  it('serialises overlapping writes', async () => {
    const seqs = await Promise.all([
      commit(1),
      commit(2),
      store.markSent([1]),
      commit(3),
      store.applyAcks([{ seq: 1, status: 'stored' }]),
    ]);
    expect([seqs[0], seqs[1], seqs[3]].map((s) => (s as { seq: number }).seq)).toEqual([1, 2, 3]);
  });

  it('refuses to open a file that is not a database with a clear error', async () => {
    await store.close();
    const bad = join(dir, 'bad.sqlite');
    await writeFile(bad, 'this is not sqlite at all, just text '.repeat(200));
    await expect(AgentStore.open({ path: bad, retention: { maxRows: 1, maxBytes: 1e6 } })).rejects.toThrow(
      /not a database/,
    );
    store = await open();
  });
});
