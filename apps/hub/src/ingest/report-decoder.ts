import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { gunzip, gunzipSync } from 'node:zlib';
import {
  catalogueEntry,
  MAX_ENVELOPE_RESULTS,
  SCANNED_AT_WINDOW,
  type ReportEnvelopeV1,
} from '@watchpost/shared';
import { validateEnvelope } from './envelope-validator.js';

const gunzipAsync = promisify(gunzip);

/** Why the ingest refused a message. The value is stored in `quarantine.reason` and sent in the ack. */
export enum IngestRejection {
  BadTopic = 'bad-topic',
  TooLarge = 'too-large',
  DecompressedTooLarge = 'decompressed-too-large',
  BadCompression = 'bad-compression',
  BadEncoding = 'bad-encoding',
  MalformedJson = 'malformed-json',
  UnsupportedSchemaVersion = 'unsupported-schema-version',
  SchemaInvalid = 'schema-invalid',
  TooManyResults = 'too-many-results',
  TimestampOutOfRange = 'timestamp-out-of-range',
  /** Not a refusal of the report: its results with check ids (or areas) the catalogue does not know. */
  UnknownCheckId = 'unknown-check-id',
  IdentityMismatch = 'identity-mismatch',
  SeqOutOfRange = 'seq-out-of-range',
  UnknownAgent = 'unknown-agent',
  Revoked = 'revoked',
  CertificateExpired = 'certificate-expired',
  ClusterMismatch = 'cluster-mismatch',
  SeqConflict = 'seq-conflict',
  StoreFailed = 'store-failed',
}

/** Limits applied before anything is parsed. */
export interface DecodeLimits {
  maxReportBytes: number;
  maxDecompressedBytes: number;
}

/** A decoded report, or the reason it was refused (with the seq and agent id when they could be read). */
export type DecodedReport =
  | { ok: true; envelope: ReportEnvelopeV1; unknownChecks?: UnknownChecks }
  | { ok: false; reason: IngestRejection; detail: string; seq?: number; envelopeAgentId?: string };

/** Results taken out of a report because the catalogue does not know their check id (or not in that area). */
export interface UnknownChecks {
  /** How many results were taken out. */
  count: number;
  /** The distinct `checkId (area)` pairs, first 20. */
  ids: string[];
}

/** Largest seq the store keeps (a 32-bit integer column on both databases). */
export const MAX_SEQ = 2_147_483_647;

const GZIP_MAGIC = [0x1f, 0x8b];
/**
 * Payloads above this (on the wire, gzip) are decoded in the worker thread. About 2,000 results: below it the
 * inline decode takes a few ms, above it the copy to and from the worker is cheaper than the stall.
 */
export const WORKER_DECODE_BYTES = 16 * 1024;
const SYNC_GUNZIP_BYTES = 64 * 1024;

/**
 * Turns a report payload into a validated envelope. Order matters: size before decompression, decompression
 * with a hard output cap (a zip bomb stops at the cap, it is never inflated in full), then JSON, schema
 * version, schema, and the topic's agent id against the envelope's. Never throws.
 */
export async function decodeReport(
  payload: Buffer,
  topicAgentId: string,
  limits: DecodeLimits,
  receivedAt: Date = new Date(),
): Promise<DecodedReport> {
  // Large reports are decoded in a worker thread: parse and schema of 20,000 results take hundreds of ms.
  if (isLarge(payload, limits)) {
    const viaWorker = await decodeInWorker(payload, topicAgentId, limits, receivedAt);
    if (viaWorker) {
      decoderCounters.worker++;
      return viaWorker;
    }
    decoderCounters.workerUnavailable++;
  }
  decoderCounters.inline++;
  return decodeReportInline(payload, topicAgentId, limits, receivedAt);
}

/** One report of a batch to decode: its payload, the agent id of its topic, the hub's receive time. */
export interface ReportToDecode {
  payload: Buffer;
  topicAgentId: string;
  receivedAt: Date;
}

/**
 * A decoded report of a batch. `resultsDropped` is set (to how many there were) when its results were let go
 * because a newer report of the same agent is in the batch (`keepResultsOfNewest`).
 */
export interface BatchDecodedReport {
  agentId: string;
  decoded: DecodedReport;
  resultsDropped?: number;
}

/**
 * Decodes a batch of reports, in the worker thread when it is available: the small ones in one job (one copy of
 * their bytes there, one structured clone of the answers back), the large ones each in its own job with results
 * streamed back in slices (`decodeReport`). The main thread is free meanwhile (the ingest commits the batch
 * before). Only the newest report of each agent keeps its results (the others' reach history only). When the
 * worker cannot be had or fails mid-job, the reports it had are decoded inline: same verdicts. Never rejects.
 */
export async function decodeReports(
  reports: ReportToDecode[],
  limits: DecodeLimits,
): Promise<BatchDecodedReport[]> {
  const out = new Array<BatchDecodedReport>(reports.length);
  const small: number[] = [];
  const large: number[] = [];
  reports.forEach((r, i) => (isLarge(r.payload, limits) ? large : small).push(i));
  const fromWorker =
    small.length > 0
      ? decodeBatchInWorker(
          small.map((i) => reports[i]),
          limits,
        )
      : undefined;
  const newest = new Map<string, BatchDecodedReport>();
  // Decodes report i here (each large one in its own worker job, small ones inline when the worker failed).
  const decodeHere = async (
    i: number,
    decode: (payload: Buffer, agentId: string, limits: DecodeLimits, at: Date) => Promise<DecodedReport>,
  ): Promise<void> => {
    const r = reports[i];
    out[i] = {
      agentId: r.topicAgentId,
      decoded: await decode(r.payload, r.topicAgentId, limits, r.receivedAt),
    };
    keepResultsOfNewest(out[i], newest);
  };
  for (const i of large) await decodeHere(i, decodeReport);
  const decoded = fromWorker ? await fromWorker : undefined;
  if (decoded) {
    decoderCounters.worker += small.length;
    small.forEach((i, k) => (out[i] = decoded[k]));
  } else {
    if (fromWorker) decoderCounters.workerUnavailable += small.length;
    decoderCounters.inline += small.length;
    for (const i of small) await decodeHere(i, decodeReportInline);
  }
  // Across the worker's reports and the others, in arrival order (the worker already kept its own newest).
  newest.clear();
  for (const item of out) keepResultsOfNewest(item, newest);
  return out;
}

/**
 * Keeps the results of the newest (highest seq) decoded report of each agent seen so far in a batch, and lets go
 * of the others' (recording how many there were): only the newest can reach posture.
 */
export function keepResultsOfNewest(
  item: { agentId: string; decoded: DecodedReport; resultsDropped?: number },
  newest: Map<string, { decoded: DecodedReport; resultsDropped?: number }>,
): void {
  if (!item.decoded.ok) return;
  const seq = item.decoded.envelope.seq;
  const best = newest.get(item.agentId);
  if (best?.decoded.ok && best.decoded.envelope.seq >= seq) {
    dropResults(item);
    return;
  }
  if (best) dropResults(best);
  newest.set(item.agentId, item);
}

function dropResults(item: { decoded: DecodedReport; resultsDropped?: number }): void {
  if (!item.decoded.ok || item.resultsDropped !== undefined) return;
  item.resultsDropped = item.decoded.envelope.results.length;
  item.decoded.envelope.results = [];
}

function isLarge(payload: Buffer, limits: DecodeLimits): boolean {
  return payload.length > WORKER_DECODE_BYTES && payload.length <= limits.maxReportBytes;
}

/**
 * `decodeReport` on the calling thread. `sync` inflates synchronously (the worker, which has no loop to keep
 * free).
 */
export async function decodeReportInline(
  payload: Buffer,
  topicAgentId: string,
  limits: DecodeLimits,
  receivedAt: Date,
  sync = false,
): Promise<DecodedReport> {
  if (payload.length > limits.maxReportBytes) {
    return reject(
      IngestRejection.TooLarge,
      `payload is ${payload.length} bytes; the limit is ${limits.maxReportBytes} (WATCHPOST_MAX_REPORT_BYTES)`,
    );
  }
  let text: string;
  if (payload.length >= 2 && payload[0] === GZIP_MAGIC[0] && payload[1] === GZIP_MAGIC[1]) {
    try {
      // Small payloads inflate faster inline than through the thread pool; large ones must not block the loop.
      const opts = { maxOutputLength: limits.maxDecompressedBytes };
      const inflated =
        sync || payload.length <= SYNC_GUNZIP_BYTES
          ? gunzipSync(payload, opts)
          : await gunzipAsync(payload, opts);
      text = inflated.toString('utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        return reject(
          IngestRejection.DecompressedTooLarge,
          `decompressed report exceeds ${limits.maxDecompressedBytes} bytes (WATCHPOST_MAX_DECOMPRESSED_BYTES)`,
        );
      }
      return reject(
        IngestRejection.BadCompression,
        `payload starts like gzip but does not inflate: ${(err as Error).message}`,
      );
    }
  } else {
    // MQTT 3.1.1 has no content type: plain JSON is accepted when it looks like JSON.
    text = payload.toString('utf8');
    if (!/^\s*\{/.test(text))
      return reject(IngestRejection.BadEncoding, 'payload is neither gzip nor a JSON object');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return reject(IngestRejection.MalformedJson, `report is not valid JSON: ${(err as Error).message}`);
  }
  const claims = readClaims(raw);
  if (claims.schemaVersion !== 1) {
    return reject(
      IngestRejection.UnsupportedSchemaVersion,
      `schemaVersion ${JSON.stringify(claims.schemaVersion ?? null)} is not supported (this hub reads 1)`,
      claims,
    );
  }
  // Counted before the schema so that an oversized report costs no validation and gets its own reason.
  const results = (raw as Record<string, unknown>)['results'];
  if (Array.isArray(results) && results.length > MAX_ENVELOPE_RESULTS) {
    return reject(
      IngestRejection.TooManyResults,
      `report carries ${results.length} results; the limit is ${MAX_ENVELOPE_RESULTS} per report (the agent summarises passes to stay below it)`,
      claims,
    );
  }
  // The zod contract, compiled (envelope-validator.ts): same verdicts and issues, a fraction of the time.
  const parsed = validateEnvelope(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    return reject(IngestRejection.SchemaInvalid, `envelope does not match schema v1: ${issues}`, claims);
  }
  const envelope = parsed.data;
  if (envelope.agentId !== topicAgentId) {
    return reject(
      IngestRejection.IdentityMismatch,
      `envelope agentId "${envelope.agentId}" is not the publishing agent "${topicAgentId}"`,
      claims,
    );
  }
  if (envelope.seq > MAX_SEQ)
    return reject(IngestRejection.SeqOutOfRange, `seq ${envelope.seq} exceeds ${MAX_SEQ}`, claims);
  const window = scannedAtWindow(receivedAt);
  const scannedAt = Date.parse(envelope.scannedAt);
  if (!(scannedAt >= window.from && scannedAt <= window.to)) {
    return reject(
      IngestRejection.TimestampOutOfRange,
      `scannedAt ${envelope.scannedAt} is outside ${new Date(window.from).toISOString()} .. ${new Date(window.to).toISOString()} (not before ${SCANNED_AT_WINDOW.notBefore}, at most ${SCANNED_AT_WINDOW.futureDays} day after the hub's receive time); check the agent's clock`,
      claims,
    );
  }
  return withoutUnknownChecks(envelope);
}

// Parsed once: Date.parse of the constant for every report showed up in the hub-ingest profile (~4 % of the CPU).
const NOT_BEFORE_MS = Date.parse(SCANNED_AT_WINDOW.notBefore);

/** The accepted range of `scannedAt` for a report received at `receivedAt`, epoch ms. */
export function scannedAtWindow(receivedAt: Date): { from: number; to: number } {
  const day = 86_400_000;
  return {
    from: NOT_BEFORE_MS,
    to: receivedAt.getTime() + SCANNED_AT_WINDOW.futureDays * day,
  };
}

/**
 * Takes out results whose check id the catalogue does not know, or that claim another area than the catalogue
 * gives the check (either would put rows in posture that no check, score or page can explain). The rest of the
 * report stands: an agent newer than the hub keeps reporting every check the hub knows.
 */
function withoutUnknownChecks(envelope: ReportEnvelopeV1): DecodedReport {
  const unknown = new Set<ReportEnvelopeV1['results'][number]>();
  for (const r of envelope.results) if (catalogueEntry(r.checkId)?.area !== r.area) unknown.add(r);
  if (unknown.size === 0) return { ok: true, envelope };
  const ids = [...new Set([...unknown].map((r) => `${r.checkId} (${r.area})`))];
  return {
    ok: true,
    envelope: { ...envelope, results: envelope.results.filter((r) => !unknown.has(r)) },
    unknownChecks: { count: unknown.size, ids: ids.slice(0, 20) },
  };
}

function readClaims(raw: unknown): { schemaVersion?: unknown; seq?: number; envelopeAgentId?: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const o = raw as Record<string, unknown>;
  return {
    schemaVersion: o['schemaVersion'],
    seq:
      Number.isInteger(o['seq']) && (o['seq'] as number) > 0 && (o['seq'] as number) <= MAX_SEQ
        ? (o['seq'] as number)
        : undefined,
    envelopeAgentId: typeof o['agentId'] === 'string' ? o['agentId'].slice(0, 128) : undefined,
  };
}

function reject(
  reason: IngestRejection,
  detail: string,
  claims: { seq?: number; envelopeAgentId?: string } = {},
): DecodedReport {
  const out: DecodedReport = { ok: false, reason, detail };
  if (claims.seq !== undefined) out.seq = claims.seq;
  if (claims.envelopeAgentId !== undefined) out.envelopeAgentId = claims.envelopeAgentId;
  return out;
}

// ------------------------------------------------------------------------------------------------ worker

/** A job of one (large) report. */
export interface WorkerReportJob {
  id: number;
  payload: Uint8Array;
  topicAgentId: string;
  limits: DecodeLimits;
  receivedAt: number;
}

/** A batch job: the payloads' bytes one after the other (`ends[k]` is where payload k ends). */
export interface WorkerBatchJob {
  id: number;
  batch: {
    bytes: Uint8Array;
    ends: number[];
    agentIds: string[];
    receivedAt: number[];
    limits: DecodeLimits;
  };
}

interface WorkerReply {
  id: number;
  /** Sent once, with no id, when the worker has loaded its modules and compiled the envelope check. */
  ready?: true;
  /** The decoded report; when ok, its results follow in `chunks` messages of `results`. */
  result?: DecodedReport;
  chunks?: number;
  results?: ReportEnvelopeV1['results'];
  /** The answer to a batch job, in the job's order. */
  batch?: BatchDecodedReport[];
  error?: string;
}

interface PendingJob {
  settle: (r: DecodedReport | BatchDecodedReport[] | undefined) => void;
  result?: Extract<DecodedReport, { ok: true }>;
  chunksLeft: number;
}

/** How reports were decoded (tests and diagnostics). */
export const decoderCounters = { worker: 0, inline: 0, workerUnavailable: 0 };

interface DecodeWorker {
  thread: Worker;
  /** Jobs in flight on this thread: settled with undefined (decode inline) if it fails. */
  pending: Map<number, PendingJob>;
  /** Gives up on this thread: its jobs in flight are answered undefined (decoded inline by their callers). */
  fail: () => void;
  /** Settles once the thread can decode (it said so), or once it failed: whichever comes first. */
  ready: Promise<void>;
}

let worker: DecodeWorker | undefined;
let workerBroken = false;
let nextJob = 1;

/** The decode worker, started on first use; from source (tests, tsx) it runs the TypeScript file through tsx. */
function decodeWorker(): DecodeWorker | undefined {
  if (worker || workerBroken) return worker;
  try {
    const fromSource = import.meta.url.endsWith('.ts');
    const file = new URL(fromSource ? './decode.worker.ts' : './decode.worker.js', import.meta.url);
    // From source (jest, tsx) the worker registers tsx itself first: Node 20 loads a worker's entry before the
    // hooks of an `--import` in its execArgv are in place.
    const w = fromSource
      ? new Worker(
          `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(file.href)}); });`,
          { eval: true, execArgv: ['--conditions=watchpost-source'] },
        )
      : new Worker(file);
    w.unref();
    const pending = new Map<number, PendingJob>();
    let isReady!: () => void;
    const self: DecodeWorker = {
      thread: w,
      pending,
      ready: new Promise((resolve) => (isReady = resolve)),
      fail: () => {
        isReady();
        // Whatever was in flight is decoded inline by its caller; the next report starts a new worker.
        if (worker === self) worker = undefined;
        const jobs = [...pending.values()];
        pending.clear();
        for (const job of jobs) job.settle(undefined);
      },
    };
    w.on('message', (m: WorkerReply) => {
      if (m.ready) return isReady();
      const job = pending.get(m.id);
      if (!job) return;
      if (m.results && job.result) {
        for (const r of m.results) job.result.envelope.results.push(r);
        job.chunksLeft--;
      } else if (m.result?.ok && m.chunks) {
        job.result = m.result;
        job.chunksLeft = m.chunks;
      } else {
        pending.delete(m.id);
        job.settle(m.batch ?? m.result);
        return;
      }
      if (job.chunksLeft === 0) {
        pending.delete(m.id);
        job.settle(job.result);
      } else {
        // Pull the next slice only after the loop had a turn: one slice per task, never the whole report.
        setImmediate(() => w.postMessage({ id: m.id, next: true }));
      }
    });
    w.on('error', self.fail);
    w.on('exit', self.fail);
    worker = self;
  } catch {
    workerBroken = true;
  }
  return worker;
}

/** Posts a job; the promise gets the worker's answer, or undefined when it is unavailable or fails meanwhile. */
function postJob<T, M extends { id: number }>(message: M, transfer: ArrayBuffer[]): Promise<T | undefined> {
  const w = decodeWorker();
  if (!w) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    // A job keeps the worker alive (ref) until its answer; an idle worker never holds the process open.
    w.thread.ref();
    const settle = (r: unknown): void => {
      if (w.pending.size === 0) w.thread.unref();
      resolve(r as T | undefined);
    };
    w.pending.set(message.id, { settle, chunksLeft: 0 });
    w.thread.postMessage(message, transfer);
  });
}

/** Decodes in the worker; undefined when the worker is unavailable (the caller decodes inline, nothing is lost). */
function decodeInWorker(
  payload: Buffer,
  topicAgentId: string,
  limits: DecodeLimits,
  receivedAt: Date,
): Promise<DecodedReport | undefined> {
  // A copy of exactly the payload's bytes, moved (not cloned again) to the worker.
  const bytes = new Uint8Array(payload);
  return postJob<DecodedReport, WorkerReportJob>(
    {
      id: nextJob++,
      payload: bytes,
      topicAgentId,
      limits: { maxReportBytes: limits.maxReportBytes, maxDecompressedBytes: limits.maxDecompressedBytes },
      receivedAt: receivedAt.getTime(),
    },
    [bytes.buffer],
  );
}

/**
 * Decodes small reports in the worker, all in one job: their bytes copied once into one buffer that is moved
 * there (an MQTT payload may be a view into the socket's buffer, which must not be moved). Undefined when the
 * worker is unavailable or failed before answering.
 */
function decodeBatchInWorker(
  reports: ReportToDecode[],
  limits: DecodeLimits,
): Promise<BatchDecodedReport[] | undefined> {
  let total = 0;
  for (const r of reports) total += r.payload.length;
  const bytes = new Uint8Array(total);
  const ends: number[] = [];
  let at = 0;
  for (const r of reports) {
    bytes.set(r.payload, at);
    at += r.payload.length;
    ends.push(at);
  }
  const job: WorkerBatchJob = {
    id: nextJob++,
    batch: {
      bytes,
      ends,
      agentIds: reports.map((r) => r.topicAgentId),
      receivedAt: reports.map((r) => r.receivedAt.getTime()),
      limits: { maxReportBytes: limits.maxReportBytes, maxDecompressedBytes: limits.maxDecompressedBytes },
    },
  };
  return postJob<BatchDecodedReport[], WorkerBatchJob>(job, [bytes.buffer]);
}

/**
 * Starts the decode worker now (start-up) rather than while the first batch waits: loading its modules and
 * compiling the envelope check there take a few hundred ms.
 */
export function startDecodeWorker(): void {
  decodeWorker();
}

/**
 * Starts the decode worker if need be and settles once it can decode: `ready`; `unavailable` when it could not be
 * started or failed (reports are then decoded inline); `late` after `timeoutMs` (a slower worker still takes the
 * jobs posted to it meanwhile, in order).
 */
export async function decodeWorkerReady(timeoutMs: number): Promise<'ready' | 'unavailable' | 'late'> {
  const w = decodeWorker();
  if (!w) return 'unavailable';
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
  const outcome = await Promise.race([w.ready.then(() => (worker === w ? 'ready' : 'unavailable')), late]);
  clearTimeout(timer);
  return outcome;
}

/**
 * Stops the decode worker (tests, shutdown) as if it had crashed: what it was decoding is decoded inline (an
 * answer it may still send is not waited for); a later report starts a new one.
 */
export async function stopDecodeWorker(): Promise<void> {
  const w = worker;
  worker = undefined;
  if (!w) return;
  w.fail();
  await w.thread.terminate();
}
