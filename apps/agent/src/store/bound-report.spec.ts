import { describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  MAX_ENVELOPE_GZIP_BYTES,
  MAX_ENVELOPE_RESULTS,
  reportEnvelopeV1Schema,
  summarise,
  type CheckResult,
  type Report,
} from '@watchpost/shared';
import { AgentStore } from './agent-store.js';
import { boundReport, DEFAULT_ENVELOPE_BOUNDS } from './bound-report.js';

const at = '2026-11-23T12:00:00.000Z';
function report(results: CheckResult[], collectorErrors: Report['collectorErrors'] = []): Report {
  return {
    schemaVersion: 1,
    scannedAt: at,
    evaluatedAt: at,
    cluster: { name: 'big', platform: 'aks-hci', role: 'workload' },
    summary: summarise(results),
    results,
    collectorErrors,
  };
}
function pods(
  checkId: string,
  outcome: CheckResult['outcome'],
  n: number,
  namespaces: number,
  severity: CheckResult['severity'] = 'high',
): CheckResult[] {
  return Array.from({ length: n }, (_, i) => ({
    checkId,
    area: 'workload' as const,
    severity,
    outcome,
    resource: { kind: 'Pod', namespace: `ns-${i % namespaces}`, name: `pod-${i}` },
    message: `pod-${i}: ${outcome}`,
  }));
}
const weight = (r: CheckResult) =>
  typeof r.evidence?.['summarised'] === 'number' ? r.evidence['summarised'] : 1;
/** Resources per check/outcome/severity, counting folded results by what they stand for. */
function tally(results: CheckResult[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const r of results)
    t[`${r.checkId}/${r.outcome}/${r.severity}`] =
      (t[`${r.checkId}/${r.outcome}/${r.severity}`] ?? 0) + weight(r);
  return t;
}

describe('boundReport: envelopes within the wire caps, nothing dropped silently', () => {
  it('never folds exempted and open results together, nor two different exemptions', () => {
    const accepted = {
      source: 'annotation' as const,
      reason: 'vendor agent',
      expiresAt: '2027-01-01T00:00:00.000Z',
    };
    const other = {
      source: 'config' as const,
      reason: 'lab cluster',
      ref: 'config exemptions[0]',
      expiresAt: '2027-02-01T00:00:00.000Z',
    };
    const results = pods('pod-privileged', 'fail', 300, 3).map((r, i) =>
      i % 3 === 0
        ? r
        : {
            ...r,
            exemption: {
              ...(i % 3 === 1 ? accepted : other),
              ref: i % 3 === 1 ? `Pod ${r.resource.namespace}/${r.resource.name}` : 'config exemptions[0]',
            },
          },
    );
    const { report: out, bounded } = boundReport(report(results), {
      ...DEFAULT_ENVELOPE_BOUNDS,
      maxResults: 20,
    });
    expect(bounded).toBeDefined();
    expect(out.results.length).toBeLessThanOrEqual(20);
    const by = (pick: (r: CheckResult) => boolean) =>
      out.results.filter(pick).reduce((a, r) => a + weight(r), 0);
    // The hub counts exempted resources apart: each kind of group keeps exactly its own members.
    expect(by((r) => !r.exemption)).toBe(100);
    expect(by((r) => r.exemption?.reason === 'vendor agent')).toBe(100);
    expect(by((r) => r.exemption?.reason === 'lab cluster')).toBe(100);
    const folded = out.results.find((r) => r.exemption?.source === 'annotation' && weight(r) > 1)!;
    expect(folded.exemption).toEqual({
      ...accepted,
      ref: expect.stringMatching(/^Pod ns-\d\/pod-\d+ and \d+ more$/),
    });
    expect(out.results.find((r) => r.exemption?.source === 'config' && weight(r) > 1)?.exemption).toEqual(
      other,
    );
    expect(() =>
      reportEnvelopeV1Schema.parse({
        ...out,
        agentId: 'a.b',
        seq: 1,
        runId: '6f1c2d1e-8a3b-4c5d-9e0f-1a2b3c4d5e6f',
        agentVersion: '0.1.0',
        dropped: 0,
        bounded,
      }),
    ).not.toThrow();
  });

  it('leaves a report within the bounds alone', () => {
    const r = report(pods('pod-privileged', 'fail', 10, 2));
    expect(boundReport(r)).toEqual({ report: r });
  });

  it('folds passes first, then fails per check/outcome/severity, keeping every count', () => {
    const results = [
      ...pods('pod-privileged', 'fail', 500, 5),
      ...pods('pod-privileged', 'fail', 7, 1, 'critical'),
      ...pods('pod-run-as-root', 'warn', 50, 50, 'medium'),
      ...pods('pod-host-path', 'pass', 1000, 10, 'medium'),
      ...pods('pod-seccomp', 'error', 3, 1, 'low'),
    ];
    const r = report(results);
    const { report: out, bounded } = boundReport(r, { ...DEFAULT_ENVELOPE_BOUNDS, maxResults: 100 });
    expect(out.results.length).toBeLessThanOrEqual(100);
    expect(tally(out.results)).toEqual(tally(results));
    expect(bounded).toEqual({
      resultCounts: { pass: 1000, fail: 507, warn: 50, error: 3, not_applicable: 0 },
      collectorErrors: 0,
      reason: '1560 results, over the 100-result cap',
    });
    expect(out.summary).toEqual(summarise(out.results));
    const folded = out.results.find((x) => x.checkId === 'pod-privileged' && x.severity === 'high');
    expect(folded?.message).toMatch(
      /^100 Pod resources in ns-0: fail \(pod-0, pod-5, pod-10, \.\.\.\), folded into one result/,
    );
    expect(folded?.evidence).toMatchObject({ summarised: 100, folded: true });
  });

  it('counts collector errors past the cap in one last error', () => {
    const errors = Array.from({ length: 1500 }, (_, i) => ({
      source: `bundle/kube/x${i}.json`,
      message: 'bad',
    }));
    const { report: out, bounded } = boundReport(report([], errors));
    expect(out.collectorErrors).toHaveLength(1000);
    expect(out.collectorErrors.at(-1)?.message).toBe(
      '501 more collector errors not listed (an envelope carries at most 1000); scan locally to see them all',
    );
    expect(bounded?.collectorErrors).toBe(1500);
  });

  it('the store publishes a 200,000-pod scan within the default caps, the fold announced in the envelope', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bound-report-'));
    const store = await AgentStore.open({
      path: join(dir, 'agent.sqlite'),
      retention: { maxRows: 10, maxBytes: 1e9 },
    });
    try {
      const results = [
        ...pods('pod-seccomp', 'fail', 200_000, 2_000, 'medium'),
        ...pods('pod-privileged', 'fail', 3_000, 3_000),
      ];
      const committed = await store.commitReport({
        report: report(results),
        runId: 'big',
        agentId: 'big',
        agentVersion: '0.1.0',
      });
      expect(committed.folded).toEqual({ from: 203_000, to: expect.any(Number) });
      expect(committed.payloadBytes).toBeLessThanOrEqual(MAX_ENVELOPE_GZIP_BYTES);
      const [row] = await store.undelivered(0, 1);
      const env = reportEnvelopeV1Schema.parse(JSON.parse(gunzipSync(row.payload).toString('utf8')));
      expect(env.results.length).toBeLessThanOrEqual(MAX_ENVELOPE_RESULTS);
      expect(env.bounded?.resultCounts.fail).toBe(203_000);
      expect(tally(env.results)).toEqual({
        'pod-seccomp/fail/medium': 200_000,
        'pod-privileged/fail/high': 3_000,
      });
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
