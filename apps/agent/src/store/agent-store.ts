import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type BetterSqlite3 from 'better-sqlite3';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import type { ObservationHistory } from '@watchpost/shared/evidence';
import type { Report } from '@watchpost/shared/report';
import { MAX_ENVELOPE_GZIP_BYTES, type AckMessage, type ReportEnvelopeV1 } from '@watchpost/shared/wire';
import { boundReport, DEFAULT_ENVELOPE_BOUNDS, type EnvelopeBounds } from './bound-report.js';
import type { ScanObservations } from '../history/observations.js';
import { AgentStateEntity } from './agent-state.entity.js';
import { CertificateHistoryEntity, KmsKeyHistoryEntity } from './history.entity.js';
import { CreatedAgentStore1795448497067 } from './migrations/1795448497067-CreatedAgentStore.js';
import { OutboxEntity, type OutboxState } from './outbox.entity.js';
import { ReportEntity } from './report.entity.js';

/**
 * The agent's local store: one SQLite file through TypeORM on better-sqlite3.
 *
 * Durability: WAL with `synchronous = FULL`. WAL alone (NORMAL) survives `kill -9` but a power cut can roll back
 * the last commits; a rolled-back report whose seq was already published would be re-assigned to a different
 * scan, and the hub would answer `duplicate` to it: a silent loss. FULL fsyncs the WAL on every commit, which at
 * one scan per few minutes costs nothing; the publisher batches its state updates so the drain does not pay an
 * fsync per report.
 *
 * Every write goes through one serial queue: better-sqlite3 is one connection, and TypeORM transactions that
 * overlap on it fail ("cannot start a transaction within a transaction").
 *
 * Transactions are begun, committed and rolled back here on the connection itself, not with TypeORM's
 * `transaction()`: TypeORM (1.1) keeps one shared query runner for better-sqlite3, and when SQLite rolls a
 * transaction back by itself (SQLITE_FULL at COMMIT does), TypeORM's own ROLLBACK fails, the error is swallowed and
 * the runner stays "in a transaction" at depth 1. Every later `transaction()` then runs as a SAVEPOINT, whose
 * RELEASE commits nothing, inside a real transaction that never commits: reports "stored" and published but gone
 * after a restart (issue 11). A write resolves only once SQLite says no transaction is open any more.
 */

/** Every entity of the agent store. */
export const AGENT_STORE_ENTITIES = [
  ReportEntity,
  OutboxEntity,
  CertificateHistoryEntity,
  KmsKeyHistoryEntity,
  AgentStateEntity,
];
/** Every migration, oldest first. */
export const AGENT_STORE_MIGRATIONS = [CreatedAgentStore1795448497067];

/** Retention bounds of the store. */
export interface RetentionBounds {
  maxRows: number;
  maxBytes: number;
}

/** A report ready to publish. */
export interface OutgoingReport {
  seq: number;
  payload: Buffer;
  attempts: number;
}

/** Store-write failures the next stored report announces (envelope `storeFailures`). */
export interface StoreFailureCounters {
  failedCommits: number;
  scansSuperseded: number;
  since: string;
  lastError: string;
}

/** What `resync` did: rows that got a new seq (old → new), and the agent's seq afterwards. */
export interface ResyncResult {
  renumbered: { from: number; to: number }[];
  lastSeq: number;
}

/** What `commitReport` did. */
export interface CommitResult {
  seq: number;
  /** Dropped count this report's envelope announces. */
  announcedDropped: number;
  /** Undelivered reports this commit had to drop for retention. */
  droppedNow: number;
  payloadBytes: number;
  /** Results were folded to fit the envelope bounds: how many the scan had and how many were sent. */
  folded?: { from: number; to: number };
}

/** Certificate and KMS history kept per identity (older serials are pruned). */
const HISTORY_PER_IDENTITY = 20;
const STATE_ID = 1;

/** Data source options of the agent store (WAL, FULL sync, busy timeout), shared by the store and tests. */
export function agentStoreDataSource(path: string, pragmas: readonly string[] = []): DataSource {
  return new DataSource({
    type: 'better-sqlite3',
    database: path,
    entities: AGENT_STORE_ENTITIES,
    migrations: AGENT_STORE_MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Another process (`status`) may read while the daemon writes; wait instead of failing with SQLITE_BUSY.
    timeout: 5000,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      for (const p of pragmas) db.pragma(p);
    },
  });
}

/** The agent store. Open with `AgentStore.open`. */
export class AgentStore {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly ds: DataSource,
    private retention: RetentionBounds,
    private readonly now: () => Date,
    private readonly bounds: EnvelopeBounds,
  ) {}

  /** Opens (creating) the file and applies pending migrations. */
  static async open(opts: {
    path: string;
    retention: RetentionBounds;
    now?: () => Date;
    /** Extra pragmas after the store's own (tests: `max_page_count` to simulate a full disk). */
    pragmas?: string[];
    /** Envelope bounds (default: the wire caps in `@watchpost/shared`; tests use small ones). */
    envelopeBounds?: EnvelopeBounds;
  }): Promise<AgentStore> {
    const file = resolve(opts.path);
    mkdirSync(dirname(file), { recursive: true });
    const ds = agentStoreDataSource(file, opts.pragmas);
    try {
      await ds.initialize();
    } catch (err) {
      throw new Error(
        `agent store ${file} cannot be opened (${err instanceof Error ? err.message : String(err)}): move it aside and restart; a new store is created`,
      );
    }
    try {
      // Touch the schema first so a corrupt file fails here with a clear message, not inside a migration.
      await ds.query('SELECT count(*) FROM sqlite_master');
      await ds.runMigrations({ transaction: 'each' });
    } catch (err) {
      await ds.destroy();
      throw new Error(
        `agent store ${file} is not usable (${err instanceof Error ? err.message : String(err)}): move it aside and restart; a new store is created`,
      );
    }
    const store = new AgentStore(
      ds,
      opts.retention,
      opts.now ?? (() => new Date()),
      opts.envelopeBounds ?? DEFAULT_ENVELOPE_BOUNDS,
    );
    await store.write(async (em) => {
      const existing = await em.findOneBy(AgentStateEntity, { id: STATE_ID });
      if (!existing) await em.insert(AgentStateEntity, { id: STATE_ID, updatedAt: store.iso() });
    });
    return store;
  }

  /** Waits for the write in progress and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.ds.destroy();
  }

  setRetention(bounds: RetentionBounds): void {
    this.retention = bounds;
  }

  /** Records who this agent is (written on every start, for `status`). */
  async recordIdentity(opts: {
    agentId: string;
    brokerUrl: string;
    cluster?: object;
    certNotAfter?: string;
    intervalSeconds?: number;
  }): Promise<void> {
    await this.updateState({
      agentId: opts.agentId,
      brokerUrl: opts.brokerUrl,
      ...(opts.cluster ? { clusterJson: JSON.stringify(opts.cluster) } : {}),
      ...(opts.certNotAfter ? { certNotAfter: opts.certNotAfter } : {}),
      ...(opts.intervalSeconds ? { intervalSeconds: opts.intervalSeconds } : {}),
    });
  }

  async recordConnect(at = this.now()): Promise<void> {
    await this.updateState({ lastConnectAt: at.toISOString() });
  }

  async recordError(message: string, at = this.now()): Promise<void> {
    await this.updateState({ lastError: message.slice(0, 1024), lastErrorAt: at.toISOString() });
  }

  async state(): Promise<AgentStateEntity> {
    return this.ds.manager.findOneByOrFail(AgentStateEntity, { id: STATE_ID });
  }

  /** History for the next scan's `Evidence.history`. */
  async history(): Promise<ObservationHistory> {
    const history: ObservationHistory = { certificates: {}, kmsKeys: {} };
    const certs = await this.ds.manager.find(CertificateHistoryEntity, {
      order: { identity: 'ASC', firstSeen: 'ASC' },
    });
    for (const c of certs) {
      (history.certificates[c.identity] ??= []).push({
        serial: c.serial,
        notBefore: c.notBefore,
        notAfter: c.notAfter,
        firstSeen: c.firstSeen,
        lastSeen: c.lastSeen,
      });
    }
    const keys = await this.ds.manager.find(KmsKeyHistoryEntity, {
      order: { provider: 'ASC', firstSeen: 'ASC' },
    });
    for (const k of keys)
      (history.kmsKeys[k.provider] ??= []).push({
        keyId: k.keyId,
        firstSeen: k.firstSeen,
        lastSeen: k.lastSeen,
      });
    return history;
  }

  /**
   * Stores one scan as the next envelope (seq assigned here) with its outbox row and the scan's observations,
   * in one transaction, then enforces retention. Nothing is published before this resolves.
   */
  async commitReport(opts: {
    report: Report;
    runId: string;
    agentId: string;
    agentVersion: string;
    observations?: ScanObservations;
    /** Failed store writes since the last stored report, announced in this one. */
    storeFailures?: StoreFailureCounters;
  }): Promise<CommitResult> {
    return this.write(async (em) => {
      const state = await em.findOneByOrFail(AgentStateEntity, { id: STATE_ID });
      const seq = state.lastSeq + 1;
      const build = (report: Report, bounded?: ReportEnvelopeV1['bounded']): ReportEnvelopeV1 => ({
        schemaVersion: 1,
        agentId: opts.agentId,
        seq,
        runId: opts.runId,
        scannedAt: report.scannedAt,
        evaluatedAt: report.evaluatedAt,
        agentVersion: opts.agentVersion,
        cluster: report.cluster,
        summary: report.summary,
        results: report.results,
        collectorErrors: report.collectorErrors,
        dropped: state.droppedUnreported,
        ...(bounded ? { bounded } : {}),
        ...(opts.storeFailures
          ? {
              storeFailures: {
                ...opts.storeFailures,
                lastError: opts.storeFailures.lastError.slice(0, 1024),
              },
            }
          : {}),
        ...(report.supportDataVersion ? { supportDataVersion: report.supportDataVersion } : {}),
      });
      let report = opts.report;
      let envelope = build(report);
      let json = Buffer.from(JSON.stringify(envelope), 'utf8');
      let payload = gzipSync(json);
      // Over a wire bound (results, JSON bytes, gzip bytes): fold, counting what was folded (bound-report.ts).
      let bounds = this.bounds;
      for (let attempt = 0; attempt < 8; attempt++) {
        const over =
          report.results.length > bounds.maxResults ||
          report.collectorErrors.length > bounds.maxCollectorErrors ||
          json.length > bounds.maxJsonBytes ||
          payload.length > MAX_ENVELOPE_GZIP_BYTES;
        if (!over) break;
        if (attempt > 0 || payload.length > MAX_ENVELOPE_GZIP_BYTES) {
          // Compressed size only shows after compressing: aim the JSON bound below what produced too much gzip.
          bounds = { ...bounds, maxJsonBytes: Math.floor(Math.min(bounds.maxJsonBytes, json.length) / 2) };
        }
        const bounded = boundReport(
          opts.report,
          bounds,
          json.length - Buffer.byteLength(JSON.stringify(report)),
        );
        report = bounded.report;
        envelope = build(report, bounded.bounded);
        json = Buffer.from(JSON.stringify(envelope), 'utf8');
        payload = gzipSync(json);
      }
      const createdAt = this.iso();
      await em.insert(ReportEntity, {
        seq,
        runId: opts.runId,
        scannedAt: report.scannedAt,
        createdAt,
        summaryJson: JSON.stringify(report.summary),
        payload,
        payloadBytes: payload.length,
        dropped: state.droppedUnreported,
      });
      await em.insert(OutboxEntity, {
        seq,
        state: 'pending',
        attempts: 0,
        createdAt,
        lastSentAt: null,
        ackedAt: null,
        reason: null,
      });
      if (opts.observations) await this.observe(em, opts.observations, report.scannedAt);
      const announcedDropped = state.droppedUnreported;
      await em.update(
        AgentStateEntity,
        { id: STATE_ID },
        { lastSeq: seq, droppedUnreported: 0, updatedAt: createdAt },
      );
      const droppedNow = await this.enforceRetention(em, seq);
      return {
        seq,
        announcedDropped,
        droppedNow,
        payloadBytes: payload.length,
        ...(envelope.bounded
          ? { folded: { from: opts.report.results.length, to: report.results.length } }
          : {}),
      };
    });
  }

  /**
   * Rows still to deliver (pending or sent, not final) with seq > `afterSeq`, oldest first.
   *
   * `+o.state` keeps SQLite off the (state, seq) index: through it, the two states come out as two ranges that
   * need a sort, so every call joined and sorted the payload of *every* undelivered row before the LIMIT (about
   * 1 ms per call on a 2,016-report backlog, called once per ack: most of a drain's CPU). Walking the outbox in
   * seq order (its primary key) stops after `limit` rows and reads only their payloads; finished rows it steps
   * over are small and bounded by retention.
   */
  async undelivered(afterSeq: number, limit: number): Promise<OutgoingReport[]> {
    const rows: { seq: number; payload: Buffer; attempts: number }[] = await this.ds.manager.query(
      `SELECT o.seq AS seq, r.payload AS payload, o.attempts AS attempts FROM outbox o JOIN reports r ON r.seq = o.seq
       WHERE +o.state IN ('pending', 'sent') AND o.seq > ? ORDER BY o.seq LIMIT ?`,
      [afterSeq, limit],
    );
    return rows;
  }

  /** One row to resend. */
  async outgoing(seq: number): Promise<OutgoingReport | undefined> {
    const rows = await this.undelivered(seq - 1, 1);
    return rows[0]?.seq === seq ? rows[0] : undefined;
  }

  /** Marks rows published (one transaction for the batch). */
  async markSent(seqs: readonly number[], at = this.now()): Promise<void> {
    if (seqs.length === 0) return;
    await this.write(async (em) => {
      await em.query(
        `UPDATE outbox SET state = 'sent', attempts = attempts + 1, last_sent_at = ? WHERE state IN ('pending', 'sent') AND seq IN (${seqs.map(() => '?').join(',')})`,
        [at.toISOString(), ...seqs],
      );
    });
  }

  /**
   * Applies the hub's acks (a batch, one transaction). stored/duplicate finish a row; rejected keeps it with the
   * reason and never retries it. Acks for rows already final or gone are ignored, so duplicates are harmless.
   */
  async applyAcks(
    acks: readonly AckMessage[],
    at = this.now(),
  ): Promise<{ acked: number; rejected: number }> {
    if (acks.length === 0) return { acked: 0, rejected: 0 };
    return this.write(async (em) => {
      let acked = 0;
      let rejected = 0;
      const iso = at.toISOString();
      for (const ack of acks) {
        if (ack.status === 'rejected') {
          const n = await exec(
            em,
            `UPDATE outbox SET state = 'rejected', acked_at = ?, reason = ? WHERE seq = ? AND state IN ('pending', 'sent')`,
            [iso, `hub rejected: ${ack.reason ?? 'no reason given'}`.slice(0, 1024), ack.seq],
          );
          rejected += n;
        } else {
          const n = await exec(
            em,
            `UPDATE outbox SET state = 'acked', acked_at = ?, reason = NULL WHERE seq = ? AND state IN ('pending', 'sent')`,
            [iso, ack.seq],
          );
          acked += n;
        }
      }
      await em.query(
        `UPDATE agent_state SET last_ack_at = ?, rejected_total = rejected_total + ?, updated_at = ? WHERE id = ?`,
        [iso, rejected, iso, STATE_ID],
      );
      return { acked, rejected };
    });
  }

  /** A refusal by the broker (MQTT 5 reason code, or repeated closes on 3.1.1): final, with the reason. */
  async markRejected(seq: number, reason: string, at = this.now()): Promise<boolean> {
    return this.write(async (em) => {
      const n = await exec(
        em,
        `UPDATE outbox SET state = 'rejected', acked_at = ?, reason = ? WHERE seq = ? AND state IN ('pending', 'sent')`,
        [at.toISOString(), reason.slice(0, 1024), seq],
      );
      await em.query(
        `UPDATE agent_state SET rejected_total = rejected_total + ?, last_error = ?, last_error_at = ?, updated_at = ? WHERE id = ?`,
        [n, reason.slice(0, 1024), at.toISOString(), at.toISOString(), STATE_ID],
      );
      return n > 0;
    });
  }

  /**
   * The hub answered `resync` for `seq`: it already holds a different report under that seq and holds seqs up to
   * `hubSeq`. Moves this agent's seq past `hubSeq` and gives every undelivered report at or below it a new seq
   * above it (oldest first, envelope rewritten), so each is sent again and none is lost. Undelivered reports above
   * `hubSeq` that were never published move up behind them to keep scan order; ones already published keep their
   * seq (the hub may hold them: a new seq would store the same scan twice).
   */
  async resync(seq: number, hubSeq: number): Promise<ResyncResult> {
    return this.write(async (em) => {
      const state = await em.findOneByOrFail(AgentStateEntity, { id: STATE_ID });
      const rows = await em.query<{ seq: number; attempts: number }[]>(
        `SELECT seq, attempts FROM outbox WHERE state IN ('pending', 'sent') ORDER BY seq`,
      );
      const affected = rows.some((r) => r.seq <= hubSeq);
      const move = affected ? rows.filter((r) => r.seq <= hubSeq || r.attempts === 0) : [];
      let next = Math.max(state.lastSeq, hubSeq);
      const renumbered: { from: number; to: number }[] = [];
      for (const row of move) {
        next += 1;
        await this.renumber(em, row.seq, next);
        renumbered.push({ from: row.seq, to: next });
      }
      const at = this.iso();
      await em.update(
        AgentStateEntity,
        { id: STATE_ID },
        {
          lastSeq: next,
          lastError: `hub already holds seq ${seq} (up to ${hubSeq}) from this agent: ${renumbered.length} report(s) renumbered from seq ${renumbered[0]?.to ?? next} and sent again`,
          lastErrorAt: at,
          updatedAt: at,
        },
      );
      return { renumbered, lastSeq: next };
    });
  }

  private async renumber(em: EntityManager, from: number, to: number): Promise<void> {
    const [row] = await em.query<{ payload: Buffer }[]>(`SELECT payload FROM reports WHERE seq = ?`, [from]);
    if (!row) return;
    const envelope = JSON.parse(gunzipSync(row.payload).toString('utf8')) as ReportEnvelopeV1;
    const payload = gzipSync(Buffer.from(JSON.stringify({ ...envelope, seq: to }), 'utf8'));
    await em.query(
      `INSERT INTO reports (seq, run_id, scanned_at, created_at, summary_json, payload, payload_bytes, dropped)
       SELECT ?, run_id, scanned_at, created_at, summary_json, ?, ?, dropped FROM reports WHERE seq = ?`,
      [to, payload, payload.length, from],
    );
    await em.query(
      `INSERT INTO outbox (seq, state, attempts, created_at, last_sent_at, acked_at, reason)
       SELECT ?, 'pending', attempts, created_at, NULL, NULL, ? FROM outbox WHERE seq = ?`,
      [to, `renumbered from seq ${from}: the hub already held that seq`, from],
    );
    // The outbox row goes with it (ON DELETE CASCADE).
    await em.query(`DELETE FROM reports WHERE seq = ?`, [from]);
  }

  /** Outbox rows by state, and the oldest undelivered row's creation time. */
  async backlog(): Promise<{ byState: Partial<Record<OutboxState, number>>; oldestUndeliveredAt?: string }> {
    const rows: { state: OutboxState; n: number; oldest: string }[] = await this.ds.manager.query(
      `SELECT state, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox GROUP BY state`,
    );
    const byState: Partial<Record<OutboxState, number>> = {};
    let oldest: string | undefined;
    for (const r of rows) {
      byState[r.state] = r.n;
      if ((r.state === 'pending' || r.state === 'sent') && (!oldest || r.oldest < oldest)) oldest = r.oldest;
    }
    return oldest ? { byState, oldestUndeliveredAt: oldest } : { byState };
  }

  /**
   * Runs `fn` in a transaction on the serial write queue. Resolves only after SQLite committed (with
   * synchronous = FULL: on disk); rejects when anything failed, and then nothing of `fn` is in the store.
   */
  write<T>(fn: (em: EntityManager) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('agent store is closed'));
    const run = this.queue.then(() => this.transaction(fn));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async transaction<T>(fn: (em: EntityManager) => Promise<T>): Promise<T> {
    const runner: QueryRunner = this.ds.createQueryRunner();
    const db = (this.ds.driver as unknown as { databaseConnection: BetterSqlite3.Database })
      .databaseConnection;
    // Never expected (every path below ends the transaction), but a write must never nest inside a stale one.
    if (db.inTransaction || runner.isTransactionActive) {
      throw new Error('agent store: a previous transaction was left open; restart the agent');
    }
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn(runner.manager);
      db.exec('COMMIT');
      if (db.inTransaction) throw new Error('agent store: COMMIT left the transaction open');
      return result;
    } catch (err) {
      // SQLite may already have rolled back (SQLITE_FULL, SQLITE_IOERR); roll back only what is still open.
      if (db.inTransaction) {
        try {
          db.exec('ROLLBACK');
        } catch {
          // Reported below through the original error; the check above refuses to write on a stuck connection.
        }
      }
      throw err;
    }
  }

  private async updateState(patch: Partial<AgentStateEntity>): Promise<void> {
    await this.write(async (em) => {
      await em.update(AgentStateEntity, { id: STATE_ID }, { ...patch, updatedAt: this.iso() });
    });
  }

  private async observe(em: EntityManager, obs: ScanObservations, at: string): Promise<void> {
    for (const [identity, cert] of Object.entries(obs.certificates)) {
      await em.query(
        `INSERT INTO certificate_history (identity, serial, not_before, not_after, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (identity, serial) DO UPDATE SET last_seen = MAX(last_seen, excluded.last_seen)`,
        [identity, cert.serial, cert.notBefore, cert.notAfter, at, at],
      );
      await em.query(
        `DELETE FROM certificate_history WHERE identity = ? AND serial NOT IN
           (SELECT serial FROM certificate_history WHERE identity = ? ORDER BY last_seen DESC LIMIT ${HISTORY_PER_IDENTITY})`,
        [identity, identity],
      );
    }
    for (const [provider, keyId] of Object.entries(obs.kmsKeys)) {
      await em.query(
        `INSERT INTO kms_key_history (provider, key_id, first_seen, last_seen) VALUES (?, ?, ?, ?)
         ON CONFLICT (provider, key_id) DO UPDATE SET last_seen = MAX(last_seen, excluded.last_seen)`,
        [provider, keyId, at, at],
      );
      await em.query(
        `DELETE FROM kms_key_history WHERE provider = ? AND key_id NOT IN
           (SELECT key_id FROM kms_key_history WHERE provider = ? ORDER BY last_seen DESC LIMIT ${HISTORY_PER_IDENTITY})`,
        [provider, provider],
      );
    }
  }

  /**
   * Deletes the oldest reports while the store is over its bounds: finished ones (acked, rejected) first, then
   * undelivered ones, which are counted (with whatever drops they themselves announced) into the next report's
   * `dropped`. The report just stored is never the one dropped.
   */
  private async enforceRetention(em: EntityManager, newest: number): Promise<number> {
    let droppedNow = 0;
    for (;;) {
      const [totals] = await em.query<{ n: number; bytes: number }[]>(
        `SELECT COUNT(*) AS n, COALESCE(SUM(payload_bytes), 0) AS bytes FROM reports`,
      );
      if (!totals || (totals.n <= this.retention.maxRows && totals.bytes <= this.retention.maxBytes)) break;
      const victims = await em.query<{ seq: number; dropped: number; state: OutboxState | null }[]>(
        `SELECT r.seq AS seq, r.dropped AS dropped, o.state AS state FROM reports r LEFT JOIN outbox o ON o.seq = r.seq
         WHERE r.seq <> ? ORDER BY CASE WHEN o.state IN ('acked', 'rejected') OR o.state IS NULL THEN 0 ELSE 1 END, r.seq LIMIT 1`,
        [newest],
      );
      const victim = victims[0];
      if (!victim) break;
      await em.query(`DELETE FROM reports WHERE seq = ?`, [victim.seq]);
      if (victim.state === 'pending' || victim.state === 'sent') {
        droppedNow += 1;
        await em.query(
          `UPDATE agent_state SET dropped_unreported = dropped_unreported + ?, dropped_total = dropped_total + 1 WHERE id = ?`,
          [1 + victim.dropped, STATE_ID],
        );
      }
    }
    return droppedNow;
  }

  private iso(): string {
    return this.now().toISOString();
  }
}

/** Runs a statement in the transaction and returns the number of rows it changed. */
async function exec(em: EntityManager, sql: string, params: unknown[]): Promise<number> {
  if (!em.queryRunner) throw new Error('agent store: statement outside a transaction');
  const result = await em.queryRunner.query(sql, params, true);
  return result.affected ?? 0;
}
