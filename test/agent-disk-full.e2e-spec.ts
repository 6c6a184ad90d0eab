/* eslint-disable @nx/enforce-module-boundaries -- e2e: starts the hub in-process and reads its store, runs the built agent CLI against it; apps have no package entry points to import instead. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { IngestService } from '../apps/hub/src/ingest/ingest.service.js';
import { ReportEntity } from '../apps/hub/src/persistence/report.entity.js';
import { EnrollmentService } from '../apps/hub/src/pki/enrollment.service.js';
import { smallFilesystem, type SmallFilesystem } from '../apps/agent/src/testing/small-filesystem.js';
import { startTestHub, type TestHub } from './support/hub.js';
import { until } from './support/until.js';

/**
 * Issue 11's store accidents end to end, with the built agent CLI, the hub and its embedded broker:
 * a store that fills up while the daemon runs loses no report and the hub never holds a seq twice; a store
 * restored from an old copy is brought past the hub's seq by the `resync` ack and resends what it had.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const AGENT = join(ROOT, 'apps', 'agent', 'bin', 'watchpost-agent.js');
const BUNDLE = join(ROOT, 'test', 'fixtures', 'bundles', 'aks-hci-management');

interface StoreRow {
  seq: number;
  runId: string;
  state: string;
  storeFailures?: { failedCommits: number; scansSuperseded: number };
}

function storeRows(path: string): { rows: StoreRow[]; lastSeq: number } {
  const db = new Database(path, { readonly: true });
  try {
    const rows = (
      db
        .prepare(
          'SELECT r.seq AS seq, r.run_id AS runId, o.state AS state, r.payload AS payload FROM reports r JOIN outbox o ON o.seq = r.seq ORDER BY r.seq',
        )
        .all() as (Omit<StoreRow, 'storeFailures'> & { payload: Buffer })[]
    ).map(({ payload, ...r }) => {
      const env = JSON.parse(gunzipSync(payload).toString('utf8')) as {
        seq: number;
        storeFailures?: StoreRow['storeFailures'];
      };
      expect(env.seq).toBe(r.seq);
      return env.storeFailures ? { ...r, storeFailures: env.storeFailures } : r;
    });
    const lastSeq = (db.prepare('SELECT last_seq AS s FROM agent_state').get() as { s: number }).s;
    return { rows, lastSeq };
  } finally {
    db.close();
  }
}

const small: SmallFilesystem = smallFilesystem(2048);

describe('agent store accidents through the hub (embedded broker)', () => {
  let t: TestHub;
  let dir: string;
  const running = new Set<ChildProcess>();

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'apps', 'agent', 'dist', 'src', 'cli', 'main.js'))) {
      throw new Error('apps/agent/dist is missing: run `npm run build` before the e2e tests');
    }
    dir = mkdtempSync(join(tmpdir(), 'watchpost-disk-full-'));
    t = await startTestHub();
  });
  afterAll(async () => {
    for (const p of running) {
      if (p.exitCode === null) {
        p.kill('SIGKILL');
        await once(p, 'exit');
      }
    }
    await t?.close();
    small.release();
    rmSync(dir, { recursive: true, force: true });
  });

  function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [AGENT, ...args],
        { env: { ...process.env, TZ: 'UTC' } },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  async function enroll(name: string, agentDir: string, storePath: string): Promise<string> {
    const { token, caHash } = await t.hub.app
      .get(EnrollmentService)
      .createToken({ name, platform: 'aks-hci', role: 'management' });
    mkdirSync(agentDir, { recursive: true });
    const res = await cli([
      'enroll',
      '--hub',
      t.url,
      '--token',
      token,
      '--ca-hash',
      caHash,
      '--dir',
      agentDir,
      '--store-path',
      storePath,
    ]);
    expect(res.code).toBe(0);
    return join(agentDir, 'agent.yaml');
  }

  function run(config: string, env: Record<string, string> = {}): { proc: ChildProcess; log: () => string } {
    const proc = spawn(process.execPath, [AGENT, 'run', '--config', config], {
      env: {
        ...process.env,
        TZ: 'UTC',
        WATCHPOST_EVIDENCE_BUNDLE: BUNDLE,
        WATCHPOST_INTERVAL_SECONDS: '1',
        WATCHPOST_ACK_TIMEOUT_SECONDS: '2',
        WATCHPOST_RECONNECT_MIN_MS: '50',
        WATCHPOST_RECONNECT_MAX_MS: '500',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    running.add(proc);
    let log = '';
    proc.stderr.on('data', (c: Buffer) => (log += c.toString()));
    return { proc, log: () => log };
  }

  async function stop(proc: ChildProcess): Promise<void> {
    proc.kill('SIGTERM');
    const [code] = (await once(proc, 'exit')) as [number | null];
    running.delete(proc);
    expect(code).toBe(0);
  }

  async function hubRows(agentId: string): Promise<{ seq: number; runId: string }[]> {
    const rows = await t.hub.app
      .get(DataSource)
      .getRepository(ReportEntity)
      .find({ select: { seq: true, runId: true }, where: { agentId }, order: { seq: 'ASC' } });
    return rows.map((r) => ({ seq: r.seq, runId: r.runId }));
  }

  /**
   * The hub holds seqs 1..H without a gap, each the same scan (runId) as the store's row; every row above H is
   * still queued (it goes out on the next start), none was given up.
   */
  async function expectAgreement(agentId: string, storePath: string): Promise<{ rows: StoreRow[] }> {
    const { rows, lastSeq } = storeRows(storePath);
    const hub = await hubRows(agentId);
    expect(hub.map((r) => r.seq)).toEqual(Array.from({ length: hub.length }, (_, i) => i + 1));
    expect(hub.length).toBeGreaterThan(lastSeq - 3);
    const hubRun = new Map(hub.map((r) => [r.seq, r.runId]));
    for (const r of rows) {
      if (r.seq <= hub.length)
        expect({ seq: r.seq, runId: hubRun.get(r.seq) }).toEqual({ seq: r.seq, runId: r.runId });
      else
        expect({ seq: r.seq, state: r.state }).toEqual({
          seq: r.seq,
          state: expect.stringMatching(/^(pending|sent)$/),
        });
    }
    expect(rows.filter((r) => r.state === 'rejected')).toEqual([]);
    return { rows };
  }

  it(`fills the store's filesystem while the daemon runs: nothing published that is not stored, status FAILED, no report lost after space returns and a restart (${small.kind === 'tmpfs' ? '2 MiB tmpfs' : 'SQLite max_page_count, tmpfs not mountable here'})`, async () => {
    const storePath = join(small.dir, 'agent.sqlite');
    const config = await enroll('full-disk', join(dir, 'full'), storePath);
    const agentId = 'full-disk';
    const ballast = join(small.dir, 'ballast');

    // Fallback without tmpfs: SQLite's own page limit plays the full disk, set once the first reports are in.
    let daemon = run(config);
    await until(
      async () => ((await hubRows(agentId)).length >= 2 ? true : undefined),
      60_000,
      () => `2 reports at the hub (log:\n${daemon.log()})`,
    );
    if (small.kind === 'tmpfs') {
      // Fill every free block while the daemon runs.
      const fd = openSync(ballast, 'w');
      try {
        const chunk = Buffer.alloc(16 * 1024, 7);
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
      }
    } else {
      await stop(daemon.proc);
      const db = new Database(storePath, { readonly: true });
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.close();
      daemon = run(config, { WATCHPOST_TEST_STORE_PRAGMAS: `max_page_count = ${pages}` });
    }
    const failedLog = await until(
      () =>
        (daemon.log().match(/the store could not commit the report/g) ?? []).length >= 3
          ? daemon.log()
          : undefined,
      60_000,
      () => `three failed commits (log:\n${daemon.log()})`,
    );
    expect(failedLog).toContain('database or disk is full');
    const status = await cli(['status', '--json', '--store', storePath]);
    expect(status.code).toBe(5);
    const parsed = JSON.parse(status.stdout) as { health: string; problems: string[] };
    expect(parsed.health).toBe('failed');
    expect(parsed.problems[0]).toMatch(
      /^FAILED: the store cannot commit reports since .*database or disk is full/,
    );
    // Nothing unstored was published: what the hub holds is exactly what the store holds.
    const whileFull = storeRows(storePath);
    await until(
      async () => ((await hubRows(agentId)).length === whileFull.lastSeq ? true : undefined),
      20_000,
      () => 'the hub to catch up with the store',
    );
    expect((await hubRows(agentId)).map((r) => r.seq)).toEqual(whileFull.rows.map((r) => r.seq));

    // Space returns: the daemon's retry commits, and that report announces the failures.
    if (small.kind === 'tmpfs') rmSync(ballast);
    else {
      await stop(daemon.proc);
      daemon = run(config);
    }
    const before = whileFull.lastSeq;
    await until(
      async () => ((await hubRows(agentId)).length >= before + 2 ? true : undefined),
      60_000,
      () => `2 more reports (log:\n${daemon.log()})`,
    );
    await stop(daemon.proc);
    const healthy = await cli(['status', '--json', '--store', storePath]);
    expect(JSON.parse(healthy.stdout).health).toBe('stale'); // stopped, no longer failed

    // A restart after the accident continues the sequence.
    daemon = run(config);
    await until(
      async () => ((await hubRows(agentId)).length >= before + 4 ? true : undefined),
      60_000,
      () => `reports after the restart (log:\n${daemon.log()})`,
    );
    await stop(daemon.proc);
    const { rows } = await expectAgreement(agentId, storePath);
    const announced = rows.find((r) => r.storeFailures);
    expect(announced?.storeFailures?.failedCommits).toBeGreaterThanOrEqual(3);
    const ingest = t.hub.app.get(IngestService);
    expect(ingest.stats.rejectedByReason['seq-conflict'] ?? 0).toBe(0);
  });

  it('a store restored from an old copy: the hub answers resync, the agent moves past the hub seq and resends, nothing is lost', async () => {
    const agentDir = join(dir, 'restored');
    const storePath = join(agentDir, 'store', 'agent.sqlite');
    const config = await enroll('restored-store', agentDir, storePath);
    const agentId = 'restored-store';
    const conflictsBefore = t.hub.app.get(IngestService).stats.rejectedByReason['seq-conflict'] ?? 0;

    let daemon = run(config);
    await until(
      async () => ((await hubRows(agentId)).length >= 2 ? true : undefined),
      60_000,
      () => `2 reports (log:\n${daemon.log()})`,
    );
    await stop(daemon.proc);
    // A clean close checkpoints the WAL into the file: the file alone is the copy.
    const backup = join(dir, 'old-copy.sqlite');
    copyFileSync(storePath, backup);
    const oldCopy = storeRows(backup);

    daemon = run(config);
    await until(
      async () => ((await hubRows(agentId)).length >= oldCopy.lastSeq + 3 ? true : undefined),
      60_000,
      () => `3 more reports (log:\n${daemon.log()})`,
    );
    await stop(daemon.proc);
    const hubHigh = (await hubRows(agentId)).at(-1)!.seq;

    // The operator restores the old copy.
    for (const suffix of ['', '-wal', '-shm']) rmSync(storePath + suffix, { force: true });
    copyFileSync(backup, storePath);
    daemon = run(config);
    await until(
      async () => ((await hubRows(agentId)).at(-1)!.seq >= hubHigh + 2 ? true : undefined),
      60_000,
      () => `reports above seq ${hubHigh} (log:\n${daemon.log()})`,
    );
    await stop(daemon.proc);
    expect(daemon.log()).toMatch(
      new RegExp(
        `the hub already holds seq ${oldCopy.lastSeq + 1} \\(up to ${hubHigh}\\) from this agent: \\d+ undelivered report\\(s\\) renumbered`,
      ),
    );
    expect(t.hub.app.get(IngestService).stats.rejectedByReason['seq-conflict'] ?? 0).toBeGreaterThan(
      conflictsBefore,
    );

    // Every scan of the restored store's run reached the hub under a seq above the hub's; none was given up.
    const { rows, lastSeq } = storeRows(storePath);
    expect(rows.filter((r) => r.state === 'rejected')).toEqual([]);
    expect(lastSeq).toBeGreaterThan(hubHigh);
    const hub = await hubRows(agentId);
    const hubRun = new Map(hub.map((r) => [r.seq, r.runId]));
    const afterRestore = rows.filter((r) => r.seq > oldCopy.lastSeq);
    expect(afterRestore.length).toBeGreaterThan(0);
    for (const r of afterRestore) {
      expect(r.seq).toBeGreaterThan(hubHigh);
      if (r.state === 'acked') expect(hubRun.get(r.seq)).toBe(r.runId);
    }
    // The hub's seqs have no gap: the renumbering continued right after its high-water mark.
    expect(hub.map((r) => r.seq)).toEqual(Array.from({ length: hub.length }, (_, i) => i + 1));
  });
});
