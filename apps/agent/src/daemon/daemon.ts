import { randomUUID } from 'node:crypto';
import type { AgentConfig } from '../config/agent-config.js';
import type { ScanObservations } from '../history/observations.js';
import { Publisher, type PublisherEvent } from '../publisher/publisher.js';
import { AgentStore, type StoreFailureCounters } from '../store/agent-store.js';
import { readDaemonHealth, writeDaemonHealth, type DaemonHealth } from '../store/daemon-health.js';
import type { Report } from '@watchpost/shared';
import {
  adoptSupportData,
  heldSupportDataPath,
  newestHeldSupportData,
} from '../support-data/held-support-data.js';
import { renewalDue, renewCertificate } from './renewal.js';
import { scanInChildProcess } from './scan-process.js';
import { installRenewedCertificate, readTlsFiles, TlsFilesError, type AgentTlsFiles } from './tls-files.js';

/**
 * `watchpost-agent run`: scan on a jittered interval, commit each report to the store before anything is sent,
 * publish the outbox, renew the agent certificate. Stops cleanly on the abort signal (SIGTERM): the scan or write
 * in progress finishes, the connection closes with an offline status.
 *
 * A report whose commit fails (disk full, I/O error) is never published: it is kept in memory and its commit
 * retried with exponential backoff until it succeeds or the next scan replaces it (counted as superseded). The
 * failure shows in `status` through the health file (`daemon-health.ts`) and in the next stored report's
 * `storeFailures`. Reports already committed keep being delivered meanwhile.
 */
export interface DaemonOptions {
  config: AgentConfig;
  agentVersion: string;
  signal: AbortSignal;
  log: (message: string) => void;
  /** Override the broker reconnect backoff (tests). */
  backoff?: { minMs: number; maxMs: number };
  /** Extra store pragmas (tests: `max_page_count` to simulate a full disk). */
  storePragmas?: string[];
}

/** First retry of a failed commit; doubles up to the scan interval (at most COMMIT_RETRY_MAX_MS). */
export const COMMIT_RETRY_MIN_MS = 5_000;
/** Longest wait between commit retries. */
export const COMMIT_RETRY_MAX_MS = 5 * 60_000;

interface PendingScan {
  report: Report;
  runId: string;
  observations: ScanObservations;
}

/** Runs until the signal aborts. Throws only for start-up problems (config, files, store). */
export async function runDaemon(opts: DaemonOptions): Promise<void> {
  const { config, log } = opts;
  let tls = readTlsFiles(config.tls);
  if (tls.commonName !== config.agentId) {
    throw new TlsFilesError(
      `client certificate ${config.tls.cert} is for "${tls.commonName}" but agentId is "${config.agentId}": the broker only lets an agent publish as its certificate's CN; fix agentId or re-enroll`,
    );
  }
  const store = await AgentStore.open({
    path: config.storePath,
    retention: config.retention,
    ...(opts.storePragmas ? { pragmas: opts.storePragmas } : {}),
  });
  const supportDataPath = heldSupportDataPath(config.storePath);
  const cluster = definedOnly(config.cluster);
  // Failures a previous run could not announce (it stopped while the store was failing) carry over.
  const previous = readDaemonHealth(config.storePath);
  const health: DaemonHealth = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    intervalSeconds: config.intervalSeconds,
    store:
      previous?.store.state === 'failing'
        ? { ...previous.store, nextAttemptAt: undefined }
        : { state: 'ok', failedCommits: 0, scansSuperseded: 0 },
  };
  const saveHealth = (): void => {
    try {
      writeDaemonHealth(config.storePath, health);
    } catch (err) {
      log(
        `cannot write the health file next to the store: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };
  saveHealth();
  await store.recordIdentity({
    agentId: config.agentId,
    brokerUrl: config.broker.url,
    cluster,
    certNotAfter: tls.notAfter.toISOString(),
    intervalSeconds: config.intervalSeconds,
  });
  const publisher = new Publisher({
    agentId: config.agentId,
    agentVersion: opts.agentVersion,
    brokerUrl: config.broker.url,
    protocolVersion: config.broker.protocolVersion,
    ...(config.broker.servername ? { servername: config.broker.servername } : {}),
    tls,
    store,
    inFlightWindow: config.inFlightWindow,
    ackTimeoutMs: config.ackTimeoutSeconds * 1000,
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
    onEvent: (e) => (e.type === 'support-data' ? keepSupportData(e.document) : logEvent(log, e)),
  });
  publisher.start();

  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  opts.signal.addEventListener('abort', () => {
    clearTimeout(timer);
    wake?.();
  });

  const intervalMs = config.intervalSeconds * 1000;
  const retryMinMs = Math.min(COMMIT_RETRY_MIN_MS, Math.max(50, intervalMs / 4));
  const retryMaxMs = Math.max(retryMinMs, Math.min(COMMIT_RETRY_MAX_MS, intervalMs));
  let retryMs = retryMinMs;
  let pending: PendingScan | undefined;
  let nextScanAt = 0;

  try {
    while (!opts.signal.aborted) {
      let scanned = false;
      if (!pending || Date.now() >= nextScanAt) {
        if (pending) {
          health.store.scansSuperseded += 1;
          log('the report still waiting for the store is replaced by a new scan (counted in storeFailures)');
        }
        pending = undefined;
        scanned = true;
        try {
          pending = await scanOnce();
        } catch (err) {
          const message = `scan failed: ${err instanceof Error ? err.message : String(err)}`;
          log(message);
          await store.recordError(message).catch(() => undefined);
        }
      }
      if (pending) {
        if (await commitPending(pending)) {
          pending = undefined;
          retryMs = retryMinMs;
        }
      }
      if (config.hubUrl && renewalDue(tls, config.renewAtLifetimeShare, new Date())) {
        try {
          tls = await renew(config.hubUrl, tls);
          publisher.reloadTls(tls);
        } catch (err) {
          const message = `certificate renewal failed (will retry next cycle; it expires ${tls.notAfter.toISOString()}): ${err instanceof Error ? err.message : String(err)}`;
          log(message);
          await store.recordError(message).catch(() => undefined);
        }
      }
      if (opts.signal.aborted) break;
      // The interval runs from the end of a scan's work, as before: a scan slower than the interval never
      // makes the daemon scan back to back.
      if (scanned) nextScanAt = Date.now() + intervalMs * (1 + config.jitter * (2 * Math.random() - 1));
      let waitMs = Math.max(0, nextScanAt - Date.now());
      if (pending) {
        waitMs = Math.min(waitMs, retryMs);
        health.store.nextAttemptAt = new Date(Date.now() + waitMs).toISOString();
        saveHealth();
        retryMs = Math.min(retryMaxMs, retryMs * 2);
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, waitMs);
      });
    }
  } finally {
    log('stopping: closing the broker connection and the store');
    await publisher.stop();
    await store.close();
    if (pending) {
      health.store.scansSuperseded += 1;
      log('stopping with a scan the store could not take: it is counted in storeFailures, not sent');
    }
    health.stoppedAt = new Date().toISOString();
    health.store.nextAttemptAt = undefined;
    saveHealth();
  }

  /**
   * One scan, in a child process (scan-process.ts): the collectors, the checks and the evidence never load into
   * the daemon, whose heap stays what it needs between scans; the report comes back to be committed here.
   */
  async function scanOnce(): Promise<PendingScan> {
    const held = newestHeldSupportData(supportDataPath);
    if (held.problem) log(held.problem);
    const { report, observations } = await scanInChildProcess({
      evidence: {
        ...(config.evidence.bundle ? { bundle: config.evidence.bundle } : {}),
        ...(config.evidence.kubeconfig ? { kubeconfig: config.evidence.kubeconfig } : {}),
        ...(config.evidence.hostRoot ? { hostRoot: config.evidence.hostRoot } : {}),
        ...(config.evidence.apiOnly ? { apiOnly: true } : {}),
        ...(Object.keys(cluster).length > 0 ? { cluster: cluster } : {}),
        ...(config.azure ? { azure: config.azure } : {}),
      },
      history: await store.history(),
      now: new Date().toISOString(),
      supportData: held.doc,
      platformNamespaces: config.platformNamespaces,
      policy: {
        ...(config.exemptions ? { exemptions: config.exemptions } : {}),
        ...(config.severityOverrides ? { severityOverrides: config.severityOverrides } : {}),
      },
      options: {
        ...config.checks,
        ...(config.imageProvenance?.allowedRegistries
          ? { allowedRegistries: config.imageProvenance.allowedRegistries }
          : {}),
      },
    });
    return { report, runId: randomUUID(), observations };
  }

  /** Commits the scan; publishes only after the commit. False (and health says failing) when it failed. */
  async function commitPending(scan: PendingScan): Promise<boolean> {
    const failures: StoreFailureCounters | undefined =
      health.store.state === 'failing' || health.store.scansSuperseded > 0
        ? {
            failedCommits: health.store.failedCommits,
            scansSuperseded: health.store.scansSuperseded,
            since: health.store.since ?? new Date().toISOString(),
            lastError: health.store.lastError ?? 'unknown',
          }
        : undefined;
    try {
      const committed = await store.commitReport({
        report: scan.report,
        runId: scan.runId,
        agentId: config.agentId,
        agentVersion: opts.agentVersion,
        observations: scan.observations,
        ...(failures ? { storeFailures: failures } : {}),
      });
      log(
        `report ${committed.seq} stored (${scan.report.results.length} results, ${committed.payloadBytes} bytes gzip` +
          `${committed.droppedNow > 0 ? `; retention dropped ${committed.droppedNow} undelivered` : ''}` +
          `${committed.folded ? `; ${committed.folded.from} results folded into ${committed.folded.to} to fit the envelope bounds` : ''}` +
          `${failures ? `; announces ${failures.failedCommits} failed commit(s) since ${failures.since}` : ''})`,
      );
      if (failures) {
        health.store = { state: 'ok', failedCommits: 0, scansSuperseded: 0 };
        saveHealth();
      }
      publisher.kick();
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (health.store.state !== 'failing') {
        health.store.state = 'failing';
        health.store.since = new Date().toISOString();
      }
      health.store.failedCommits += 1;
      health.store.lastError = message;
      log(
        `the store could not commit the report (${message}); it is not sent and the commit is retried ` +
          `(failed ${health.store.failedCommits} time(s) since ${health.store.since})`,
      );
      saveHealth();
      return false;
    }
  }

  /** Support data from the hub: kept when valid and newer, used from the next scan on. */
  function keepSupportData(document: Record<string, unknown>): void {
    try {
      const r = adoptSupportData(supportDataPath, document);
      if (r.adopted)
        log(
          `support data ${r.doc.dataVersion} (compiled ${r.doc.compiledAt}) received from the hub, replaces ${r.previous}`,
        );
      else if (!r.reason.includes('is not newer')) log(r.reason);
    } catch (err) {
      log(`support data from the hub not kept: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async function renew(hubUrl: string, current: AgentTlsFiles): Promise<AgentTlsFiles> {
    log(`renewing the agent certificate (expires ${current.notAfter.toISOString()})`);
    const material = await renewCertificate(hubUrl, current);
    installRenewedCertificate(config.tls, material);
    const next = readTlsFiles(config.tls);
    await store.recordIdentity({
      agentId: config.agentId,
      brokerUrl: config.broker.url,
      certNotAfter: next.notAfter.toISOString(),
    });
    log(`renewed: new certificate valid until ${next.notAfter.toISOString()}`);
    return next;
  }
}

function logEvent(log: (m: string) => void, e: PublisherEvent): void {
  switch (e.type) {
    case 'connected':
      log('connected to the broker');
      return;
    case 'closed':
      log('broker connection closed');
      return;
    case 'rejected':
      log(`report ${e.seq} rejected: ${e.reason}`);
      return;
    case 'problem':
      log(e.message);
      return;
    case 'resync':
      log(
        `the hub already holds seq ${e.seq} (up to ${e.hubSeq}) from this agent: ${e.renumbered} undelivered report(s) renumbered above it and sent again; next seq ${e.lastSeq + 1}`,
      );
      return;
    default:
      return;
  }
}

function definedOnly(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined));
}
