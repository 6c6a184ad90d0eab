import { fork } from 'node:child_process';
import type { KubernetesSupportDocument, ObservationHistory, Report } from '@watchpost/shared';
import type { CheckOptions } from '../checks/check.js';
import type { AgentPolicy } from '../exemptions/policy.js';
import type { ScanObservations } from '../history/observations.js';
import type { EvidenceSourceOptions } from '../scan/evidence-source.js';
import { SCAN_PROCESS_V8_FLAGS, scanHeapSettingsWanted } from '../scan/heap-settings.js';

/**
 * One daemon scan in a child process (`scan.child.ts`), so the daemon's own heap never holds the collectors, the
 * checks or a scan's evidence: between scans the daemon keeps only its store and MQTT connection (idle RSS, issue
 * 15), and whatever a scan allocated goes back to the system when the child exits. The child only reads evidence
 * and evaluates; the daemon commits the report to its store before anything is published, as before.
 */

/** What the daemon sends the child (structured clone: plain data only). */
export interface ScanRequest {
  evidence: Omit<EvidenceSourceOptions, 'progress' | 'now'>;
  history: ObservationHistory;
  /** Evaluation time, ISO-8601 (checks never read the clock). */
  now: string;
  supportData?: KubernetesSupportDocument;
  platformNamespaces?: readonly string[];
  policy?: AgentPolicy;
  options?: Partial<CheckOptions>;
}

/** What the child answers: the scan, or why it failed. */
export type ScanReply =
  { ok: true; report: Report; observations: ScanObservations } | { ok: false; message: string };

/**
 * Runs `request` in a fresh child process and resolves with its report. Rejects with a message naming what went
 * wrong when the scan failed or the child died without answering (its own stderr, inherited, says more). The
 * child ignores SIGINT/SIGTERM (a Ctrl-C reaches the whole process group): the daemon decides when it stops, and
 * a scan in progress finishes, as it did in-process. It exits by itself when the daemon goes away.
 */
export function scanInChildProcess(
  request: ScanRequest,
): Promise<{ report: Report; observations: ScanObservations }> {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './scan.child.ts' : './scan.child.js', import.meta.url);
  // From source (`npm run agent`, tsx) the child runs the TypeScript entry through tsx; from dist it needs nothing.
  // The child runs one scan and exits: V8's heap is steered for that from its start (scan/heap-settings.ts).
  const execArgv = [
    ...(fromSource ? ['--conditions=watchpost-source', '--import', 'tsx'] : []),
    ...(scanHeapSettingsWanted() ? SCAN_PROCESS_V8_FLAGS : []),
  ];
  return new Promise((resolve, reject) => {
    const child = fork(entry, [], {
      execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let reply: ScanReply | undefined;
    child.once('message', (m: ScanReply) => {
      reply = m;
      child.disconnect();
    });
    child.once('error', (err) => reject(new Error(`the scan process could not start: ${err.message}`)));
    child.once('exit', (code, signal) => {
      if (reply?.ok) resolve({ report: reply.report, observations: reply.observations });
      else if (reply) reject(new Error(reply.message));
      else
        reject(
          new Error(
            `the scan process ended (${signal ? `signal ${signal}` : `exit code ${code}`}) without a report; its error output is above`,
          ),
        );
    });
    child.send(request);
  });
}
