import { describe, expect, test } from '@jest/globals';
import { CATALOGUE, summarise, type CheckResult, type Report } from '@watchpost/shared';
import { renderTable, wrap } from './table.printer.js';

const def = (id: string) => CATALOGUE.find((c) => c.id === id)!;

function result(
  checkId: string,
  outcome: CheckResult['outcome'],
  name: string,
  message = `${checkId} on ${name}`,
): CheckResult {
  const d = def(checkId);
  return {
    checkId,
    area: d.area,
    severity: d.defaultSeverity,
    outcome,
    resource: { kind: 'Deployment', namespace: 'shop', name },
    message,
  };
}

function report(results: CheckResult[]): Report {
  return {
    schemaVersion: 1,
    scannedAt: '2026-06-01T00:00:00Z',
    evaluatedAt: '2026-06-01T00:00:00Z',
    cluster: { name: 'c1', platform: 'aks', role: 'workload' },
    summary: summarise(results),
    results,
    collectorErrors: [],
  };
}

describe('table output', () => {
  const r = report([
    result('pod-run-as-root', 'fail', 'cart'),
    result('pod-run-as-root', 'warn', 'export'),
    result('pod-seccomp-profile', 'fail', 'cart'),
    result('pod-seccomp-profile', 'fail', 'web'),
    result('pod-privileged', 'error', 'x', 'could not read pods'),
    result('pod-host-path', 'pass', 'web'),
  ]);

  test("a check's results sit under one heading with its title; its remediation follows once", () => {
    const out = renderTable(r);
    const seccomp = def('pod-seccomp-profile');
    expect(out).toContain(`FAIL medium   pod-seccomp-profile: ${seccomp.title} (2)\n`);
    expect(out).toContain('       - Deployment shop/cart\n         pod-seccomp-profile on cart\n');
    const fix = seccomp.remediation
      .split('\n')
      .map((l) => `         ${l}`.trimEnd())
      .join('\n');
    expect(out).toContain(`       fix:\n${fix}\n`);
    expect(out.split(fix).length).toBe(2);
    // Fail and warn of the same check: the remediation once, then a pointer to it.
    expect(out.split(def('pod-run-as-root').remediation.split('\n')[0]).length).toBe(2);
    expect(out).toContain('fix: as for pod-run-as-root above');
    // An error says what is missing itself; passes are counted, not listed.
    expect(out).toMatch(
      /ERR {2}critical pod-privileged: .*\n {7}- Deployment shop\/x\n {9}could not read pods\n/,
    );
    expect(out).not.toContain(def('pod-privileged').remediation.split('\n')[0]);
    expect(out).not.toContain('pod-host-path');
  });

  test('remediation can be turned off; verbose lists passes', () => {
    const out = renderTable(r, { remediation: false, verbose: true });
    expect(out).not.toContain('fix:');
    expect(out).toContain(`ok   ${def('pod-host-path').defaultSeverity.padEnd(8)} pod-host-path`);
  });

  test('wrapping keeps words and "12 %" whole', () => {
    expect(wrap('expires soon (43 days left of a 365 days lifetime, 12 %)', '  ', 32)).toEqual([
      '  expires soon (43 days left of',
      '  a 365 days lifetime, 12 %)',
    ]);
    expect(wrap('left 12 %', '', 7)).toEqual(['left', '12 %']);
    expect(wrap('see /a/very/long/path/that/does/not/fit/anywhere ok', '- ', 20, '  ')).toEqual([
      '- see',
      '  /a/very/long/path/that/does/not/fit/anywhere',
      '  ok',
    ]);
  });
});
