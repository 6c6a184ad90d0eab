// Entry of the daemon's scan process (scan-process.ts): one request, one reply, then exit.
import { observe } from '../history/observations.js';
import { loadEvidence } from '../scan/evidence-source.js';
import { runChecks } from '../scan/runner.js';
import type { ScanReply, ScanRequest } from './scan-process.js';

// The daemon owns this process's lifetime: a Ctrl-C on the terminal reaches the whole group, and the daemon lets
// a scan in progress finish before it stops.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
// The daemon went away (it never waits for an orphan): nothing to report to.
process.on('disconnect', () => process.exit(0));

process.once('message', (request: ScanRequest) => {
  void scan(request).then(
    (reply) => process.send?.(reply),
    (err: unknown) =>
      process.send?.({
        ok: false,
        message: err instanceof Error ? err.message : String(err),
      } satisfies ScanReply),
  );
});

async function scan(request: ScanRequest): Promise<ScanReply> {
  const evidence = await loadEvidence(request.evidence);
  evidence.history = request.history;
  const report = runChecks(evidence, {
    now: new Date(request.now),
    ...(request.supportData ? { supportData: request.supportData } : {}),
    ...(request.platformNamespaces ? { platformNamespaces: request.platformNamespaces } : {}),
    ...(request.policy ? { policy: request.policy } : {}),
    ...(request.options ? { options: request.options } : {}),
  });
  return { ok: true, report, observations: observe(evidence) };
}
