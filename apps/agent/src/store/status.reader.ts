import { existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { readDaemonHealth, type DaemonHealth } from './daemon-health.js';

/**
 * What `watchpost-agent status` shows, read straight from the store file with better-sqlite3, read-only.
 * Deliberately not TypeORM, not the shared library and not the daemon: `status` must answer in well under a
 * second on a VM during an outage (importing TypeORM alone costs ~1 s on a busy host).
 */

/**
 * Overall verdict; exit codes in `STATUS_EXIT` (0 healthy, 1 degraded, 3 no data, 4 stale, 5 failed; 2 is usage).
 * - failed: the daemon's store cannot commit reports (disk full, I/O errors): new scans are not kept or sent.
 * - stale: the daemon has not stored a scan for longer than its interval allows, or was stopped.
 * - degraded: the agent runs but is not doing all its job (backlog, refusals, drops, certificate expiring).
 */
export type AgentHealth = 'healthy' | 'degraded' | 'stale' | 'failed' | 'no-data';

/** Exit code of `status` per verdict. */
export const STATUS_EXIT: Record<AgentHealth, number> = {
  healthy: 0,
  degraded: 1,
  'no-data': 3,
  stale: 4,
  failed: 5,
};

/**
 * A daemon is stale when its last stored scan is older than two intervals plus this allowance (one whole scan
 * missed, whatever the jitter (at most ±50 %) and the scan's own duration).
 */
export const STALE_ALLOWANCE_SECONDS = 60;

/** Outcome counts. */
export type Counts = Record<'pass' | 'fail' | 'warn' | 'error' | 'not_applicable', number>;

/** One failing (or warning / erroring) result of the last scan. */
export interface FailingResult {
  checkId: string;
  area: string;
  severity: string;
  outcome: string;
  resource: string;
  message: string;
}

/** One exempted result of the last scan, with the exemption. */
export interface ExemptedResult extends FailingResult {
  exemption: { source: string; reason: string; ref?: string; expiresAt?: string };
}

/** The whole status. */
export interface AgentStatus {
  health: AgentHealth;
  /** Why not healthy, one line each. */
  problems: string[];
  storePath: string;
  agentId?: string;
  cluster?: { name?: string; platform?: string; role?: string; location?: string };
  brokerUrl?: string;
  lastScan?: {
    seq: number;
    scannedAt: string;
    ageSeconds: number;
    summary: Counts & { byArea: Record<string, Counts> };
  };
  /** Open results of the last scan (exempted ones are in `exempted`), worst first. */
  failing: FailingResult[];
  /** Results of the last scan an exemption hides (they keep their outcome), worst first. */
  exempted: ExemptedResult[];
  outbox: {
    undelivered: number;
    sentAwaitingAck: number;
    rejected: number;
    acked: number;
    oldestUndeliveredAt?: string;
    oldestUndeliveredAgeSeconds?: number;
  };
  lastConnectAt?: string;
  lastAckAt?: string;
  rejectedTotal: number;
  lastRejectionReason?: string;
  droppedTotal: number;
  droppedUnreported: number;
  lastError?: { message: string; at: string };
  certificateNotAfter?: string;
  intervalSeconds?: number;
  /** What the daemon says about itself (health file beside the store), when one has run here. */
  daemon?: DaemonHealth;
}

const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
const OUTCOME_RANK: Record<string, number> = { fail: 0, error: 1, warn: 2 };

interface StateRow {
  agent_id: string | null;
  cluster_json: string | null;
  broker_url: string | null;
  last_connect_at: string | null;
  last_ack_at: string | null;
  dropped_unreported: number;
  dropped_total: number;
  rejected_total: number;
  last_error: string | null;
  last_error_at: string | null;
  cert_not_after: string | null;
  interval_seconds: number | null;
}

/** Reads the store at `path` as of `now`. Never throws for a missing or corrupt store: that is `no-data`. */
export function readAgentStatus(path: string, now: Date): AgentStatus {
  const status: AgentStatus = {
    health: 'no-data',
    problems: [],
    storePath: path,
    failing: [],
    exempted: [],
    outbox: { undelivered: 0, sentAwaitingAck: 0, rejected: 0, acked: 0 },
    rejectedTotal: 0,
    droppedTotal: 0,
    droppedUnreported: 0,
  };
  if (!existsSync(path)) {
    status.problems.push(
      `no store at ${path}: the daemon has not run here yet, or storePath points elsewhere`,
    );
    return status;
  }
  let db: Database.Database | undefined;
  try {
    // Read-only, and without fileMustExist races: a WAL store is read consistently while the daemon writes.
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: 2000 });
    const daemon = readDaemonHealth(path);
    if (daemon) status.daemon = daemon;
    fill(db, status, now);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    status.health = 'no-data';
    status.problems.push(
      `store ${path} cannot be read (${message}): it may be corrupt; move it aside and the daemon starts a new one`,
    );
  } finally {
    db?.close();
  }
  return status;
}

function fill(db: Database.Database, status: AgentStatus, now: Date): void {
  const state = db.prepare('SELECT * FROM agent_state WHERE id = 1').get() as StateRow | undefined;
  if (state) {
    if (state.agent_id) status.agentId = state.agent_id;
    if (state.cluster_json) status.cluster = JSON.parse(state.cluster_json) as AgentStatus['cluster'];
    if (state.broker_url) status.brokerUrl = state.broker_url;
    if (state.last_connect_at) status.lastConnectAt = state.last_connect_at;
    if (state.last_ack_at) status.lastAckAt = state.last_ack_at;
    if (state.last_error && state.last_error_at)
      status.lastError = { message: state.last_error, at: state.last_error_at };
    if (state.cert_not_after) status.certificateNotAfter = state.cert_not_after;
    if (state.interval_seconds) status.intervalSeconds = state.interval_seconds;
    status.rejectedTotal = state.rejected_total;
    status.droppedTotal = state.dropped_total;
    status.droppedUnreported = state.dropped_unreported;
  }
  const counts = db
    .prepare('SELECT state, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox GROUP BY state')
    .all() as { state: string; n: number; oldest: string }[];
  for (const c of counts) {
    if (c.state === 'pending' || c.state === 'sent') {
      status.outbox.undelivered += c.n;
      if (c.state === 'sent') status.outbox.sentAwaitingAck = c.n;
      if (!status.outbox.oldestUndeliveredAt || c.oldest < status.outbox.oldestUndeliveredAt)
        status.outbox.oldestUndeliveredAt = c.oldest;
    } else if (c.state === 'rejected') status.outbox.rejected = c.n;
    else if (c.state === 'acked') status.outbox.acked = c.n;
  }
  if (status.outbox.oldestUndeliveredAt)
    status.outbox.oldestUndeliveredAgeSeconds = ageSeconds(status.outbox.oldestUndeliveredAt, now);
  const rejection = db
    .prepare(`SELECT reason FROM outbox WHERE state = 'rejected' ORDER BY seq DESC LIMIT 1`)
    .get() as { reason: string | null } | undefined;
  if (rejection?.reason) status.lastRejectionReason = rejection.reason;

  const last = db
    .prepare(
      'SELECT seq, scanned_at, created_at, summary_json, payload FROM reports ORDER BY seq DESC LIMIT 1',
    )
    .get() as
    | { seq: number; scanned_at: string; created_at: string; summary_json: string; payload: Buffer }
    | undefined;
  if (!last) {
    status.health = 'no-data';
    status.problems.push('the store holds no report yet: the first scan has not finished');
    storeFailing(status);
    return;
  }
  // The report's own time is what the operator asks about; `created_at` is when this agent stored it.
  status.lastScan = {
    seq: last.seq,
    scannedAt: last.created_at,
    ageSeconds: ageSeconds(last.created_at, now),
    summary: JSON.parse(last.summary_json) as NonNullable<AgentStatus['lastScan']>['summary'],
  };
  const envelope = JSON.parse(gunzipSync(last.payload).toString('utf8')) as {
    cluster?: AgentStatus['cluster'];
    results?: {
      checkId: string;
      area: string;
      severity: string;
      outcome: string;
      resource: { kind: string; namespace?: string; name?: string; path?: string };
      message: string;
      exemption?: ExemptedResult['exemption'];
    }[];
  };
  // Configured identity wins; the last report fills in what the config left to detection.
  if (envelope.cluster) status.cluster = { ...envelope.cluster, ...status.cluster };
  const listed = (envelope.results ?? [])
    .filter((r) => r.outcome in OUTCOME_RANK)
    .sort(
      (a, b) =>
        (SEVERITY_RANK[a.severity] ?? 9) - (SEVERITY_RANK[b.severity] ?? 9) ||
        (OUTCOME_RANK[a.outcome] ?? 9) - (OUTCOME_RANK[b.outcome] ?? 9) ||
        a.checkId.localeCompare(b.checkId),
    );
  const row = (r: (typeof listed)[number]): FailingResult => ({
    checkId: r.checkId,
    area: r.area,
    severity: r.severity,
    outcome: r.outcome,
    resource:
      r.resource.path ??
      [r.resource.kind, [r.resource.namespace, r.resource.name].filter(Boolean).join('/')]
        .filter(Boolean)
        .join(' '),
    message: r.message,
  });
  // An exemption never hides an `error` (the envelope refuses one there); count it open if a report had one.
  status.failing = listed.filter((r) => !r.exemption || r.outcome === 'error').map(row);
  status.exempted = listed
    .filter((r) => r.exemption && r.outcome !== 'error')
    .map((r) => ({ ...row(r), exemption: r.exemption! }));
  judge(status, now);
}

/**
 * Degraded when the agent is not doing its job: no recent scan, reports not reaching the hub, reports refused
 * or dropped, or its own certificate about to expire. Failing checks are the cluster's posture, not the
 * agent's health, and do not change the exit code.
 */
function judge(status: AgentStatus, now: Date): void {
  const interval = status.daemon?.intervalSeconds ?? status.intervalSeconds ?? 300;
  const scanStaleAfter = 2 * interval + STALE_ALLOWANCE_SECONDS;
  const staleAfter = Math.max(3 * interval, 15 * 60);
  let stale = false;
  const stopped = status.daemon?.stoppedAt;
  if (stopped) {
    stale = true;
    status.problems.push(
      `STALE: the daemon was stopped at ${stopped}; no scans until it runs again (watchpost-agent run)`,
    );
  } else if (status.lastScan && status.lastScan.ageSeconds > scanStaleAfter) {
    stale = true;
    status.problems.push(
      `STALE: last scan stored ${human(status.lastScan.ageSeconds)} ago, but scans run every ${human(interval)} (stale after ${human(scanStaleAfter)}): is the daemon running?`,
    );
  }
  const backlogAge = status.outbox.oldestUndeliveredAgeSeconds;
  if (backlogAge !== undefined && backlogAge > staleAfter) {
    status.problems.push(
      `${status.outbox.undelivered} report(s) not acknowledged by the hub, oldest ${human(backlogAge)} old: broker or hub unreachable?`,
    );
  }
  if (status.outbox.rejected > 0)
    status.problems.push(
      `${status.outbox.rejected} report(s) rejected; last reason: ${status.lastRejectionReason ?? 'unknown'}`,
    );
  if (status.droppedTotal > 0)
    status.problems.push(
      `${status.droppedTotal} undelivered report(s) dropped by retention (${status.droppedUnreported} not yet announced to the hub)`,
    );
  if (status.certificateNotAfter) {
    const left = (Date.parse(status.certificateNotAfter) - now.getTime()) / 1000;
    if (left <= 0)
      status.problems.push(
        `agent certificate EXPIRED ${human(-left)} ago: re-enroll with a new token (watchpost-agent enroll)`,
      );
    else if (left < 86_400)
      status.problems.push(`agent certificate expires in ${human(left)} and has not been renewed`);
  }
  status.health = stale ? 'stale' : status.problems.length > 0 ? 'degraded' : 'healthy';
  storeFailing(status);
}

/** The health file says the store cannot commit: that outranks every other verdict. */
function storeFailing(status: AgentStatus): void {
  const s = status.daemon?.store;
  if (s?.state !== 'failing') return;
  status.health = 'failed';
  status.problems.unshift(
    `FAILED: the store cannot commit reports since ${s.since ?? '?'} (${s.failedCommits} failed commit(s), ${s.scansSuperseded} scan(s) replaced unsent; last error: ${s.lastError ?? 'unknown'}); ` +
      `new scans are neither kept nor sent: free space or fix the disk under ${status.storePath}; the daemon retries by itself${s.nextAttemptAt ? ` (next at ${s.nextAttemptAt})` : ''}`,
  );
}

function ageSeconds(iso: string, now: Date): number {
  return Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
}

/** `3d 4h`, `12m`, `40s`. */
export function human(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}
