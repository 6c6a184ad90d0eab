import { describe, expect, test } from '@jest/globals';
import { summarise, type CheckResult, type Evidence, type Report } from '@watchpost/shared';
import { gatingResults, incompleteReason, parseFailOn } from './gate.js';

function result(
  checkId: string,
  outcome: CheckResult['outcome'],
  severity: CheckResult['severity'],
): CheckResult {
  return {
    checkId,
    area: 'workload',
    severity,
    outcome,
    resource: { kind: 'Pod', name: checkId },
    message: '',
  };
}

function report(results: CheckResult[]): Report {
  return {
    schemaVersion: 1,
    scannedAt: '2026-06-01T00:00:00Z',
    evaluatedAt: '2026-06-01T00:00:00Z',
    cluster: { name: 'c', platform: 'other', role: 'workload' },
    summary: summarise(results),
    results,
    collectorErrors: [],
  };
}

function evidence(source: string, kube: Evidence['kube']): Evidence {
  return {
    schemaVersion: 1,
    collectedAt: '2026-06-01T00:00:00Z',
    cluster: { name: 'c', platform: 'other', role: 'workload' },
    kube,
    host: {},
    probes: {},
    collectorErrors: [],
    source,
  };
}

describe('--fail-on', () => {
  test('forms', () => {
    expect(parseFailOn('high')).toEqual({ severity: 'high', warn: false, error: false });
    expect(parseFailOn('none')).toEqual({ severity: 'none', warn: false, error: false });
    expect(parseFailOn('medium,warn')).toEqual({ severity: 'medium', warn: true, error: false });
    expect(parseFailOn('error')).toEqual({ severity: 'high', warn: false, error: true });
    expect(parseFailOn(' Low , error ,warn')).toEqual({ severity: 'low', warn: true, error: true });
  });
  test('refusals name the value and the accepted forms', () => {
    expect(() => parseFailOn('high,low')).toThrow('--fail-on "high,low" names two severities');
    expect(() => parseFailOn('fail')).toThrow(
      /"fail" is not a severity \(critical, high, medium, low, info\) or none/,
    );
  });
  test('exempted results never gate; an error result does even if something marked it', () => {
    const accepted = { source: 'annotation' as const, reason: 'vendor agent' };
    const r = report([
      { ...result('pod-privileged', 'fail', 'critical'), exemption: accepted },
      { ...result('pod-host-path', 'warn', 'high'), exemption: accepted },
      // The wire contract refuses this; the gate still counts it rather than trusting the mark.
      { ...result('cert-key-mismatch', 'error', 'high'), exemption: accepted },
      result('pod-run-as-root', 'fail', 'medium'),
    ]);
    expect(gatingResults(r, parseFailOn('critical,warn')).map((x) => x.checkId)).toEqual([]);
    expect(gatingResults(r, parseFailOn('medium')).map((x) => x.checkId)).toEqual(['pod-run-as-root']);
    expect(gatingResults(r, parseFailOn('none,error')).map((x) => x.checkId)).toEqual(['cert-key-mismatch']);
  });

  test('what gates', () => {
    const r = report([
      result('a', 'fail', 'medium'),
      result('b', 'warn', 'high'),
      result('c', 'error', 'low'),
      result('d', 'pass', 'critical'),
    ]);
    const ids = (v: string) => gatingResults(r, parseFailOn(v)).map((x) => x.checkId);
    expect(ids('high')).toEqual([]);
    expect(ids('medium')).toEqual(['a']);
    expect(ids('high,warn')).toEqual(['b']);
    expect(ids('critical,warn')).toEqual([]);
    expect(ids('none,error')).toEqual(['c']);
    expect(ids('info,warn,error')).toEqual(['a', 'b', 'c']);
  });
});

describe('incomplete scans', () => {
  const err = (resource: string) => ({
    status: 'error' as const,
    error: { source: `kube/${resource}`, message: `cannot list ${resource}: connect ECONNREFUSED` },
  });
  test('a live scan that listed nothing', () => {
    const ev = evidence('live', { pods: err('pods'), nodes: err('nodes') });
    ev.collectorErrors = [err('pods').error, err('nodes').error];
    expect(incompleteReason(ev, report([result('a', 'pass', 'high')]))).toBe(
      'the Kubernetes API could not be listed at all (2 of 2 resources failed; first: cannot list pods: connect ECONNREFUSED)',
    );
  });
  test('one resource listed (the rest forbidden or not installed) is not "nothing"', () => {
    const ev = evidence('live', {
      pods: { status: 'ok', items: [] },
      nodes: { status: 'forbidden', error: err('nodes').error },
      tiers: { status: 'not-installed' },
    });
    expect(incompleteReason(ev, report([result('a', 'pass', 'high')]))).toBeUndefined();
  });
  test('more than a quarter of the applying checks erred; not-applicable checks do not count', () => {
    const ev = evidence('bundle:/x', {});
    const base = [result('a', 'pass', 'high'), result('b', 'fail', 'high'), result('c', 'pass', 'high')];
    expect(incompleteReason(ev, report([...base, result('d', 'error', 'low')]))).toBeUndefined();
    expect(
      incompleteReason(
        ev,
        report([...base, result('d', 'error', 'low'), result('e', 'not_applicable', 'low')]),
      ),
    ).toBeUndefined();
    expect(
      incompleteReason(
        ev,
        report([...base.slice(0, 2), result('c', 'error', 'low'), result('d', 'error', 'low')]),
      ),
    ).toBe('2 of 4 checks that apply erred (more than 25 %): c, d');
  });
});
