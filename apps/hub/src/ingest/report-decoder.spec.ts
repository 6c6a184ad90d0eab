import { afterAll, describe, expect, it } from '@jest/globals';
import type { CheckResult } from '@watchpost/shared';
import { decodeReport, decoderCounters, stopDecodeWorker, WORKER_DECODE_BYTES } from './report-decoder.js';
import { encodeEnvelope, sampleEnvelope } from './sample-envelope.js';

const LIMITS = { maxReportBytes: 4 * 1024 * 1024, maxDecompressedBytes: 64 * 1024 * 1024 };
const AT = new Date('2026-11-23T10:00:05.000Z');

afterAll(() => stopDecodeWorker());

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

  it('gives a refusal from the worker like the inline decoder would (with seq and agent id for the ack)', async () => {
    const big = sampleEnvelope('hci-b', 4, {
      results: Array.from({ length: 3_000 }, (_, i) => ({
        checkId: 'pod-privileged',
        area: 'workload',
        severity: 'critical',
        outcome: 'fail',
        resource: { kind: 'Pod', namespace: 'ns', name: `web-${i}-${'x'.repeat(i % 13)}` },
        message: `privileged ${i}`,
      })),
    });
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
});
