import { describe, expect, test } from '@jest/globals';
import type { Report } from '@watchpost/shared';
import { jsonReportChunks, writeJsonReport } from './json-writer.js';

function report(results: Report['results']): Report {
  return {
    schemaVersion: 1,
    scannedAt: '2026-12-06T00:00:00.000Z',
    evaluatedAt: '2026-12-06T00:00:00.000Z',
    cluster: { name: 'c', platform: 'aks-hci', role: 'workload' },
    summary: { pass: 0, fail: 0, warn: 0, error: 0, not_applicable: 0, byArea: {} },
    results,
    collectorErrors: [{ source: 'x', message: 'line one\nline two "results": [' }],
    supportDataVersion: '2026-12-01',
  } as unknown as Report;
}

const result = (i: number): Report['results'][number] =>
  ({
    checkId: 'pod-privileged',
    area: 'workload',
    severity: 'high',
    outcome: i % 2 ? 'pass' : 'fail',
    resource: { kind: 'Pod', namespace: 'ns', name: `p-${i}` },
    message: `multi\nline "quoted" \u0000results\u0000 ${'x'.repeat(i)}`,
    evidence: { nested: { list: [1, { deep: [] }], empty: {} }, n: null },
  }) as unknown as Report['results'][number];

describe('writeJsonReport', () => {
  test.each([0, 1, 2, 50])('%i results: the same bytes as JSON.stringify(report, null, 2)', (n) => {
    const r = report(Array.from({ length: n }, (_, i) => result(i)));
    const chunks: string[] = [];
    writeJsonReport(r, (c) => chunks.push(c), 8 * 1024);
    expect(chunks.join('')).toBe(JSON.stringify(r, null, 2) + '\n');
    if (n === 50) expect(chunks.length).toBeGreaterThan(3);
  });

  test('chunks are made as they are taken: a waiting writer holds one batch, not the report', () => {
    let printed = 0;
    const results = Array.from({ length: 40 }, (_, i) => ({
      ...result(i),
      evidence: {
        toJSON: () => {
          printed++;
          return { i };
        },
      },
    })) as unknown as Report['results'];
    const chunks = jsonReportChunks(report(results), 8 * 1024);
    chunks.next(); // the report's head
    chunks.next(); // the first batch of results
    expect(printed).toBe(8);
    expect([...chunks].length).toBeGreaterThan(3);
    expect(printed).toBe(40);
  });
});
