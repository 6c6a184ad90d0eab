import { describe, expect, test } from '@jest/globals';
import { CATALOGUE, type Evidence } from '@watchpost/shared';
import type { RegisteredCheck } from '../checks/check.js';
import { runChecks } from './runner.js';

const evidence: Evidence = {
  schemaVersion: 1,
  collectedAt: '2026-06-01T00:00:00.000Z',
  cluster: { name: 'c', platform: 'aks-hci', role: 'workload' },
  kube: {},
  host: {},
  probes: {},
  collectorErrors: [],
  source: 'test',
};
const definition = CATALOGUE.find((c) => c.area === 'workload')!;
const check = (n: number, failing: number[]): RegisteredCheck => ({
  definition,
  check: {
    id: definition.id,
    run: () =>
      Array.from({ length: n }, (_, i) => ({
        outcome: failing.includes(i) ? ('fail' as const) : ('pass' as const),
        resource: { kind: 'Pod', namespace: `ns${i % 2}`, name: `p${i}` },
        message: 'm',
      })),
  },
});

describe('runner', () => {
  test('many passes are summarised per namespace; every failure stays one result per resource', () => {
    const report = runChecks(evidence, {
      now: new Date(),
      checks: [check(200, [3, 150])],
      passSummaryThreshold: 50,
    });
    const fails = report.results.filter((r) => r.outcome === 'fail');
    expect(fails.map((r) => r.resource.name)).toEqual(['p3', 'p150']);
    const passes = report.results.filter((r) => r.outcome === 'pass');
    expect(passes.map((r) => [r.resource.namespace, r.evidence?.['summarised']])).toEqual([
      ['ns0', 99],
      ['ns1', 99],
    ]);
    expect(passes[0].message).toBe('99 Pod resources in ns0 pass (p0, p2, p4, ...)');
    expect(passes[0].evidence?.['examples']).toEqual(['p0', 'p2', 'p4', 'p6', 'p8']);
    expect(passes[1].severity).toBe(definition.defaultSeverity);
  });

  test('few passes stay one per resource', () => {
    const report = runChecks(evidence, { now: new Date(), checks: [check(10, [])] });
    expect(report.results).toHaveLength(10);
  });

  test('a check that throws becomes an error result, the scan goes on', () => {
    const boom: RegisteredCheck = {
      definition,
      check: {
        id: definition.id,
        run: () => {
          throw new Error('boom');
        },
      },
    };
    const report = runChecks(evidence, { now: new Date(), checks: [boom, check(1, [0])] });
    expect(report.results.map((r) => r.outcome)).toEqual(['error', 'fail']);
    expect(report.results[0].message).toContain('check crashed: boom');
  });

  test('checks that do not apply to the platform are not_applicable', () => {
    const def = { ...definition, appliesTo: { platforms: ['aks' as const] } };
    const report = runChecks(evidence, {
      now: new Date(),
      checks: [{ definition: def, check: check(1, [0]).check }],
    });
    expect(report.results.map((r) => r.outcome)).toEqual(['not_applicable']);
  });

  test('a check that hands its findings to the sink gets the results its returned list would get', () => {
    // Passes past the threshold switch the sink to summarising mid-way: what it held so far must land where
    // it would have, failures in order before the summaries, and below the threshold every finding in order.
    for (const [n, failing, threshold] of [
      [200, [3, 150], 50],
      [10, [0, 4, 9], 50],
      [10, [2, 7], 4],
      [6, [0, 1, 2], 3],
      [7, [0, 1, 2], 3],
    ] as const) {
      const listed = check(n, [...failing]);
      const handed: RegisteredCheck = {
        definition,
        check: {
          id: definition.id,
          run: () => [],
          runInto: (ctx, sink) => {
            for (const f of listed.check.run(ctx)) sink.add(f.resource, f);
          },
        },
      };
      const run = { now: new Date(), passSummaryThreshold: threshold };
      expect(runChecks(evidence, { ...run, checks: [handed] }).results).toEqual(
        runChecks(evidence, { ...run, checks: [listed] }).results,
      );
    }
  });

  test('a check that throws after handing findings over adds none of them', () => {
    const half: RegisteredCheck = {
      definition,
      check: {
        id: definition.id,
        run: () => [],
        runInto: (_ctx, sink) => {
          sink.add({ kind: 'Pod', name: 'p' }, { outcome: 'fail', message: 'm' });
          throw new Error('boom');
        },
      },
    };
    const report = runChecks(evidence, { now: new Date(), checks: [half] });
    expect(report.results.map((r) => r.outcome)).toEqual(['error']);
  });
});
