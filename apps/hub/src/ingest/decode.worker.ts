/**
 * Worker thread of the report decoder: gunzip, JSON.parse and the envelope schema of large reports run here, so
 * a 20,000-result report (seconds of validation on a loaded machine) never stalls the hub's event loop.
 */
import { parentPort } from 'node:worker_threads';
import { decodeReportInline, type DecodeLimits } from './report-decoder.js';

interface Job {
  id: number;
  payload: Uint8Array;
  topicAgentId: string;
  limits: DecodeLimits;
  receivedAt: number;
}

/** Results per message back to the main thread: each message is its own task there, a few ms to read. */
const RESULTS_PER_MESSAGE = 250;

// Decoded results waiting to be pulled by the main thread, by job id.
const outgoing = new Map<number, { results: unknown[]; next: number }>();

parentPort?.on('message', (msg: Job | { id: number; next: true }) => {
  const port = parentPort!;
  if ('next' in msg) {
    // The main thread took the previous slice and had a turn of its loop: send the next one.
    const o = outgoing.get(msg.id);
    if (!o) return;
    const slice = o.results.slice(o.next, o.next + RESULTS_PER_MESSAGE);
    o.next += RESULTS_PER_MESSAGE;
    if (o.next >= o.results.length) outgoing.delete(msg.id);
    port.postMessage({ id: msg.id, results: slice });
    return;
  }
  const job = msg;
  const payload = Buffer.from(job.payload.buffer, job.payload.byteOffset, job.payload.byteLength);
  decodeReportInline(payload, job.topicAgentId, job.limits, new Date(job.receivedAt), true).then(
    (result) => {
      if (!result.ok || result.envelope.results.length === 0) return port.postMessage({ id: job.id, result });
      // The envelope without its results first; the main thread then pulls the results slice by slice.
      const results = result.envelope.results;
      outgoing.set(job.id, { results, next: 0 });
      port.postMessage({
        id: job.id,
        result: { ...result, envelope: { ...result.envelope, results: [] } },
        chunks: Math.ceil(results.length / RESULTS_PER_MESSAGE),
      });
    },
    (err: unknown) =>
      port.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
