import { randomUUID } from 'node:crypto';
import { loadEvidence } from '../scan/evidence-source.js';
import { runChecks } from '../scan/runner.js';
import type { AgentConfig } from '../config/agent-config.js';
import { observe } from '../history/observations.js';
import { Publisher, type PublisherEvent } from '../publisher/publisher.js';
import { AgentStore } from '../store/agent-store.js';
import { renewalDue, renewCertificate } from './renewal.js';
import { installRenewedCertificate, readTlsFiles, TlsFilesError, type AgentTlsFiles } from './tls-files.js';

/**
 * `watchpost-agent run`: scan on a jittered interval, commit each report to the store before anything is sent,
 * publish the outbox, renew the agent certificate. Stops cleanly on the abort signal (SIGTERM): the scan or write
 * in progress finishes, the connection closes with an offline status.
 */
export interface DaemonOptions {
  config: AgentConfig;
  agentVersion: string;
  signal: AbortSignal;
  log: (message: string) => void;
  /** Override the broker reconnect backoff (tests). */
  backoff?: { minMs: number; maxMs: number };
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
  const store = await AgentStore.open({ path: config.storePath, retention: config.retention });
  const cluster = definedOnly(config.cluster);
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
    onEvent: (e) => logEvent(log, e),
  });
  publisher.start();

  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  opts.signal.addEventListener('abort', () => {
    clearTimeout(timer);
    wake?.();
  });

  try {
    while (!opts.signal.aborted) {
      try {
        await scanOnce();
      } catch (err) {
        const message = `scan failed: ${err instanceof Error ? err.message : String(err)}`;
        log(message);
        await store.recordError(message);
      }
      if (config.hubUrl && renewalDue(tls, config.renewAtLifetimeShare, new Date())) {
        try {
          tls = await renew(config.hubUrl, tls);
          publisher.reloadTls(tls);
        } catch (err) {
          const message = `certificate renewal failed (will retry next cycle; it expires ${tls.notAfter.toISOString()}): ${err instanceof Error ? err.message : String(err)}`;
          log(message);
          await store.recordError(message);
        }
      }
      if (opts.signal.aborted) break;
      const waitMs = config.intervalSeconds * 1000 * (1 + config.jitter * (2 * Math.random() - 1));
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, waitMs);
      });
    }
  } finally {
    log('stopping: closing the broker connection and the store');
    await publisher.stop();
    await store.close();
  }

  async function scanOnce(): Promise<void> {
    const evidence = await loadEvidence({
      ...(config.evidence.bundle ? { bundle: config.evidence.bundle } : {}),
      ...(config.evidence.kubeconfig ? { kubeconfig: config.evidence.kubeconfig } : {}),
      ...(config.evidence.hostRoot ? { hostRoot: config.evidence.hostRoot } : {}),
      ...(config.evidence.apiOnly ? { apiOnly: true } : {}),
      ...(Object.keys(cluster).length > 0 ? { cluster: cluster } : {}),
    });
    evidence.history = await store.history();
    const report = runChecks(evidence, { now: new Date(), ...(config.checks ? { options: config.checks } : {}) });
    const committed = await store.commitReport({
      report,
      runId: randomUUID(),
      agentId: config.agentId,
      agentVersion: opts.agentVersion,
      observations: observe(evidence),
    });
    log(
      `report ${committed.seq} stored (${report.results.length} results, ${committed.payloadBytes} bytes gzip` +
        `${committed.droppedNow > 0 ? `; retention dropped ${committed.droppedNow} undelivered` : ''})`,
    );
    publisher.kick();
  }

  async function renew(hubUrl: string, current: AgentTlsFiles): Promise<AgentTlsFiles> {
    log(`renewing the agent certificate (expires ${current.notAfter.toISOString()})`);
    const material = await renewCertificate(hubUrl, current);
    installRenewedCertificate(config.tls, material);
    const next = readTlsFiles(config.tls);
    await store.recordIdentity({ agentId: config.agentId, brokerUrl: config.broker.url, certNotAfter: next.notAfter.toISOString() });
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
    default:
      return;
  }
}

function definedOnly(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined));
}
