import { afterAll, describe, expect, it } from '@jest/globals';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { summarise, type Report } from '@watchpost/shared';
import { smallFilesystem } from '../testing/small-filesystem.js';
import { AgentStore } from './agent-store.js';

/** Results with incompressible text, so a few dozen reports fill a 600 KiB filesystem. */
function report(n: number): Report {
  const results: Report['results'] = Array.from({ length: 40 }, (_, i) => ({
    checkId: 'cert-expiry',
    area: 'certificates' as const,
    severity: 'high' as const,
    outcome: 'fail' as const,
    resource: { kind: 'File', path: `/etc/kubernetes/pki/node-${i}.crt` },
    message: `scan ${n}: ${Buffer.from(Array.from({ length: 60 }, (_, k) => (n * 7919 + i * 104729 + k * 31) % 256)).toString('base64')}`,
  }));
  const at = '2026-11-23T12:00:00.000Z';
  return {
    schemaVersion: 1,
    scannedAt: at,
    evaluatedAt: at,
    cluster: { name: 'hci-01', platform: 'aks-hci', role: 'workload' },
    summary: summarise(results),
    results,
    collectorErrors: [],
  };
}

const fs = smallFilesystem(600);
const path = join(fs.dir, 'agent.sqlite');
const ballast = join(fs.dir, 'ballast');

describe(`AgentStore on a full disk (${fs.kind === 'tmpfs' ? '600 KiB tmpfs' : 'SQLite max_page_count, tmpfs not mountable here'})`, () => {
  afterAll(() => fs.release());

  it('never resolves a commit that is not on disk, never reuses a seq, and recovers when space returns', async () => {
    if (fs.kind === 'tmpfs') writeFileSync(ballast, Buffer.alloc(128 * 1024, 1));
    let store = await AgentStore.open({
      path,
      retention: { maxRows: 100_000, maxBytes: 1e9 },
      pragmas: fs.pragmas,
    });
    const resolved: number[] = [];
    const errors: string[] = [];
    let consecutiveFailures = 0;
    for (let n = 1; n <= 400 && consecutiveFailures < 8; n++) {
      try {
        const { seq } = await store.commitReport({
          report: report(n),
          runId: `run-${n}`,
          agentId: 'hci-01',
          agentVersion: '0.1.0',
        });
        resolved.push(seq);
        consecutiveFailures = 0;
      } catch (err) {
        errors.push((err as Error).message);
        consecutiveFailures += 1;
      }
    }
    expect(errors.length).toBeGreaterThanOrEqual(8);
    expect(errors[0]).toMatch(/database or disk is full/);
    // Seqs are consecutive: a failed commit consumed nothing.
    expect(resolved).toEqual(Array.from({ length: resolved.length }, (_, i) => i + 1));
    expect(resolved.length).toBeGreaterThan(3);
    await store.close();

    // What resolved is what is on disk: every row, its payload, the high-water mark.
    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT seq, payload FROM reports ORDER BY seq').all() as {
      seq: number;
      payload: Buffer;
    }[];
    const lastSeq = (db.prepare('SELECT last_seq AS s FROM agent_state').get() as { s: number }).s;
    const outbox = (
      db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'`).get() as { n: number }
    ).n;
    db.close();
    expect(rows.map((r) => r.seq)).toEqual(resolved);
    expect(lastSeq).toBe(resolved.at(-1));
    expect(outbox).toBe(resolved.length);
    const last = JSON.parse(gunzipSync(rows.at(-1)!.payload).toString('utf8')) as {
      seq: number;
      runId: string;
    };
    expect(last.seq).toBe(resolved.at(-1));

    // Space returns: the next seq follows the last durable one.
    if (fs.kind === 'tmpfs') rmSync(ballast);
    const bigger = fs.pragmas.map((p) => p.replace(/\d+$/, (n) => String(Number(n) * 2)));
    store = await AgentStore.open({ path, retention: { maxRows: 100_000, maxBytes: 1e9 }, pragmas: bigger });
    const next = await store.commitReport({
      report: report(1000),
      runId: 'run-after',
      agentId: 'hci-01',
      agentVersion: '0.1.0',
    });
    expect(next.seq).toBe(resolved.length + 1);
    await store.close();
  });
});
