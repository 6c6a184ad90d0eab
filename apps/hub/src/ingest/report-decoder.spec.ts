import { afterAll, describe, expect, it } from '@jest/globals';
import type { CheckResult } from '@watchpost/shared';
import { gzipSync } from 'node:zlib';
import {
  decodeReport,
  decodeReportInline,
  decodeReports,
  decoderCounters,
  decodeWorkerReady,
  stopDecodeWorker,
  WORKER_DECODE_BYTES,
} from './report-decoder.js';
import { encodeEnvelope, sampleEnvelope } from './sample-envelope.js';

const LIMITS = { maxReportBytes: 4 * 1024 * 1024, maxDecompressedBytes: 64 * 1024 * 1024 };
const AT = new Date('2026-11-23T10:00:05.000Z');

afterAll(() => stopDecodeWorker());

/** A report of 3,000 failing results: above `WORKER_DECODE_BYTES` on the wire, so decoded in a job of its own. */
function largeEnvelope(agentId: string, seq: number) {
  return sampleEnvelope(agentId, seq, {
    results: Array.from({ length: 3_000 }, (_, i) => ({
      checkId: 'pod-privileged',
      area: 'workload',
      severity: 'critical',
      outcome: 'fail',
      resource: { kind: 'Pod', namespace: 'ns', name: `web-${i}-${'x'.repeat(i % 13)}` },
      message: `privileged ${i}`,
    })),
  });
}

describe('report decoder', () => {
  it('decodes a large report in the worker thread, handing results back slice by slice between turns of the loop', async () => {
    const results: CheckResult[] = Array.from({ length: 12_000 }, (_, i) => ({
      checkId: 'pod-privileged',
      area: 'workload',
      severity: 'critical',
      outcome: i % 7 === 0 ? 'fail' : 'pass',
      resource: { kind: 'Pod', namespace: `ns-${i % 40}`, name: `web-${i}` },
      message: `container "web" of web-${i} ${i % 7 === 0 ? 'runs privileged' : 'is not privileged'}`,
    }));
    const envelope = sampleEnvelope('hci-a', 9, { results });
    const payload = encodeEnvelope(envelope);
    expect(payload.length).toBeGreaterThan(WORKER_DECODE_BYTES);
    const before = { ...decoderCounters };
    let turns = 0;
    let decoding = true;
    const tick = (): void => {
      turns++;
      if (decoding) setImmediate(tick);
    };
    setImmediate(tick);
    const decoded = await decodeReport(payload, 'hci-a', LIMITS, AT);
    decoding = false;
    expect(decoderCounters.worker).toBe(before.worker + 1);
    expect(decoderCounters.workerUnavailable).toBe(before.workerUnavailable);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    // Every result, in order, equal to what was sent.
    expect(decoded.envelope).toEqual(envelope);
    // The main loop kept turning while the worker decoded and while the results came back (48 slices).
    expect(turns).toBeGreaterThan(48);
  });

  it('says when a new decode worker can decode (the hub subscribes only then), and late when asked not to wait', async () => {
    await stopDecodeWorker();
    // A new thread loads its modules and compiles the envelope check first: not ready at once.
    await expect(decodeWorkerReady(0)).resolves.toBe('late');
    await expect(decodeWorkerReady(60_000)).resolves.toBe('ready');
    const before = { ...decoderCounters };
    const decoded = await decodeReports(
      [{ payload: encodeEnvelope(sampleEnvelope('hci-a', 1)), topicAgentId: 'hci-a', receivedAt: AT }],
      LIMITS,
    );
    expect(decoded[0].decoded.ok).toBe(true);
    expect(decoderCounters.worker).toBe(before.worker + 1);
    await expect(decodeWorkerReady(0)).resolves.toBe('ready');
  });

  it('gives a refusal from the worker like the inline decoder would (with seq and agent id for the ack)', async () => {
    const big = largeEnvelope('hci-b', 4);
    const payload = encodeEnvelope(big);
    expect(payload.length).toBeGreaterThan(WORKER_DECODE_BYTES);
    const decoded = await decodeReport(payload, 'hci-a', LIMITS, AT);
    expect(decoded).toMatchObject({
      ok: false,
      reason: 'identity-mismatch',
      seq: 4,
      envelopeAgentId: 'hci-b',
    });
  });

  it('decodes small reports inline', async () => {
    const before = decoderCounters.inline;
    const decoded = await decodeReport(encodeEnvelope(sampleEnvelope('hci-a', 1)), 'hci-a', LIMITS, AT);
    expect(decoded.ok).toBe(true);
    expect(decoderCounters.inline).toBe(before + 1);
  });

  it('decodes a batch in the worker with the inline verdicts; only the newest report of each agent keeps its results', async () => {
    const large = largeEnvelope('hci-b', 7);
    const reports = [
      { payload: encodeEnvelope(sampleEnvelope('hci-a', 2)), topicAgentId: 'hci-a' },
      { payload: encodeEnvelope(sampleEnvelope('hci-b', 1)), topicAgentId: 'hci-b' },
      { payload: encodeEnvelope(sampleEnvelope('hci-a', 3)), topicAgentId: 'hci-a' },
      // refusals: each with its own reason
      { payload: Buffer.from([0x1f, 0x8b, 1, 2, 3]), topicAgentId: 'hci-a' },
      { payload: gzipSync('{"schemaVersion":1,'), topicAgentId: 'hci-a' },
      { payload: encodeEnvelope(sampleEnvelope('hci-b', 9)), topicAgentId: 'hci-a' },
      {
        payload: Buffer.from(JSON.stringify({ ...sampleEnvelope('hci-a', 4), results: [{}] })),
        topicAgentId: 'hci-a',
      },
      // the same seq again: the first one stays the newest
      { payload: encodeEnvelope(sampleEnvelope('hci-a', 3, { runId: 'again' })), topicAgentId: 'hci-a' },
      { payload: encodeEnvelope(sampleEnvelope('hci-a', 1)), topicAgentId: 'hci-a' },
      // a large one (its own job) is newer than hci-b's small one
      { payload: encodeEnvelope(large), topicAgentId: 'hci-b' },
    ].map((r) => ({ ...r, receivedAt: AT }));
    expect(reports[9].payload.length).toBeGreaterThan(WORKER_DECODE_BYTES);
    const before = { ...decoderCounters };
    const batch = await decodeReports(reports, LIMITS);
    expect(decoderCounters.worker - before.worker).toBe(reports.length);
    expect(decoderCounters.inline).toBe(before.inline);
    const inline = await Promise.all(
      reports.map((r) => decodeReportInline(r.payload, r.topicAgentId, LIMITS, r.receivedAt)),
    );
    // Same verdicts and reasons; same envelopes, but for the results of all but each agent's newest report.
    expect(batch.map((b) => b.agentId)).toEqual(reports.map((r) => r.topicAgentId));
    expect(batch.map((b) => b.resultsDropped)).toEqual([
      3,
      3,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      3,
      3,
      undefined,
    ]);
    batch.forEach((b, i) => {
      const expected = inline[i];
      if (b.resultsDropped !== undefined && expected.ok) expected.envelope.results = [];
      expect(b.decoded).toEqual(expected);
    });
    expect(batch.slice(3, 7).map((b) => (b.decoded.ok ? 'ok' : b.decoded.reason))).toEqual([
      'bad-compression',
      'malformed-json',
      'identity-mismatch',
      'schema-invalid',
    ]);
    expect(batch[9].decoded.ok && batch[9].decoded.envelope.results.length).toBe(3_000);
  });

  it('decodes a batch inline when the worker ends before it answered', async () => {
    const reports = [1, 2].map((seq) => ({
      payload: encodeEnvelope(sampleEnvelope('hci-a', seq)),
      topicAgentId: 'hci-a',
      receivedAt: AT,
    }));
    const before = { ...decoderCounters };
    const decoding = decodeReports(reports, LIMITS);
    await stopDecodeWorker();
    const batch = await decoding;
    expect(decoderCounters.workerUnavailable - before.workerUnavailable).toBe(2);
    expect(decoderCounters.inline - before.inline).toBe(2);
    expect(batch.map((b) => [b.decoded.ok, b.resultsDropped])).toEqual([
      [true, 3],
      [true, undefined],
    ]);
    expect(batch[1].decoded).toEqual({ ok: true, envelope: sampleEnvelope('hci-a', 2) });
  });
});
