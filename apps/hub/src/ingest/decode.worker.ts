/**
 * Worker thread of the report decoder: gunzip, JSON.parse and the envelope schema run here. A large report is a
 * job of its own, so a 20,000-result report (seconds of validation on a loaded machine) never stalls the hub's
 * event loop; the small reports of a batch are one job, decoded while the main thread commits the batch before.
 */
import { parentPort } from 'node:worker_threads';
import { warmEnvelopeValidator } from './envelope-validator.js';
import {
  decodeReportInline,
  keepResultsOfNewest,
  type BatchDecodedReport,
  type DecodedReport,
  type WorkerBatchJob,
  type WorkerReportJob,
} from './report-decoder.js';

// Compiled at start, not while the first batch waits; then the hub may subscribe (`decodeWorkerReady`).
warmEnvelopeValidator();
parentPort?.postMessage({ ready: true });

/** Results per message back to the main thread: each message is its own task there, a few ms to read. */
const RESULTS_PER_MESSAGE = 250;

// Decoded results waiting to be pulled by the main thread, by job id.
const outgoing = new Map<number, { results: unknown[]; next: number }>();

parentPort?.on('message', (msg: WorkerReportJob | WorkerBatchJob | { id: number; next: true }) => {
  const port = parentPort!;
  if ('batch' in msg) {
    decodeBatch(msg).then(
      (batch) => port.postMessage({ id: msg.id, batch }),
      (err: unknown) =>
        port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) }),
    );
    return;
  }
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

/**
 * The reports of a batch job, in order. Only the newest of each agent keeps its results: the others' are not
 * copied back to the main thread at all (it would let go of them anyway).
 */
async function decodeBatch(job: WorkerBatchJob): Promise<BatchDecodedReport[]> {
  const { bytes, ends, agentIds, receivedAt, limits } = job.batch;
  const out: BatchDecodedReport[] = [];
  const newest = new Map<string, { decoded: DecodedReport; resultsDropped?: number }>();
  let start = 0;
  for (let k = 0; k < ends.length; k++) {
    const payload = Buffer.from(bytes.buffer, bytes.byteOffset + start, ends[k] - start);
    start = ends[k];
    const item: BatchDecodedReport = {
      agentId: agentIds[k],
      decoded: await decodeReportInline(payload, agentIds[k], limits, new Date(receivedAt[k]), true),
    };
    keepResultsOfNewest(item, newest);
    out.push(item);
  }
  return out;
}
