import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

/**
 * The daemon's health beside the store, for `status`: `<storePath>.health.json`.
 *
 * Why a file of its own: when the store cannot commit (disk full, I/O errors), the store cannot record that
 * either. This file is written once at start-up at a fixed size and afterwards only overwritten in place, which
 * needs no new disk blocks, so it still says "store failing" on a full filesystem. Plain `node:fs` only: `status`
 * reads it on its fast path.
 */

/** Bytes the file always has (JSON padded with spaces): rewritten in place, never grown. */
export const DAEMON_HEALTH_BYTES = 4096;

/** What the daemon says about itself. */
export interface DaemonHealth {
  pid: number;
  startedAt: string;
  /** Set by a clean stop (SIGTERM/SIGINT); cleared by the next start. */
  stoppedAt?: string;
  intervalSeconds: number;
  /** The store's state: `ok`, or `failing` since a commit failed and until one succeeds. */
  store: {
    state: 'ok' | 'failing';
    since?: string;
    failedCommits: number;
    scansSuperseded: number;
    lastError?: string;
    /** When the next commit attempt is due (backoff). */
    nextAttemptAt?: string;
  };
}

/** Path of the health file of a store. */
export function daemonHealthPath(storePath: string): string {
  return `${storePath}.health.json`;
}

/** Reads the health file; undefined when absent or unreadable (an older daemon, or none ever ran). */
export function readDaemonHealth(storePath: string): DaemonHealth | undefined {
  try {
    const parsed = JSON.parse(readFileSync(daemonHealthPath(storePath), 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || !('store' in parsed)) return undefined;
    return parsed as DaemonHealth;
  } catch {
    return undefined;
  }
}

/** Writes the health file at its fixed size, in place when it exists. Throws when it cannot be written. */
export function writeDaemonHealth(storePath: string, health: DaemonHealth): void {
  const text = Buffer.from(JSON.stringify(shorten(health)), 'utf8');
  const buf = Buffer.alloc(DAEMON_HEALTH_BYTES, 0x20);
  text.copy(buf, 0, 0, Math.min(text.length, DAEMON_HEALTH_BYTES - 1));
  buf[DAEMON_HEALTH_BYTES - 1] = 0x0a;
  const path = daemonHealthPath(storePath);
  let fd: number;
  try {
    // r+: overwrite the blocks the file already has (no allocation on a full disk).
    fd = openSync(path, 'r+', 0o600);
  } catch {
    fd = openSync(path, 'w', 0o600);
  }
  try {
    writeSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
}

/** Keeps the JSON under the fixed size whatever the error text is. */
function shorten(h: DaemonHealth): DaemonHealth {
  return h.store.lastError && h.store.lastError.length > 1024
    ? { ...h, store: { ...h.store, lastError: h.store.lastError.slice(0, 1024) } }
    : h;
}
