// Per-check fixture harness (Polaris `test/checks` style): every folder
// test/fixtures/checks/<check-id>/<outcome>.<case>/ is a small bundle; the folder name says what the check
// must conclude on it. Contract in docs/development.md.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { readBundle } from '../collectors/bundle.reader.js';
import { runChecks } from '../scan/runner.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/checks', import.meta.url));
const DEFAULT_AT = '2026-06-01T00:00:00Z';
const OUTCOME_PREFIXES = ['pass', 'fail', 'warn', 'error', 'not_applicable'] as const;

interface Expectation {
  at?: string;
  messageIncludes?: string[];
  count?: number;
}

const cases: [string, string, string][] = [];
if (existsSync(FIXTURES)) {
  for (const checkId of readdirSync(FIXTURES).sort()) {
    const dir = join(FIXTURES, checkId);
    if (!statSync(dir).isDirectory()) continue;
    for (const c of readdirSync(dir).sort())
      if (statSync(join(dir, c)).isDirectory()) cases.push([checkId, c, join(dir, c)]);
  }
}

describe('check fixtures', () => {
  test('fixture folder names follow <outcome>.<case>', () => {
    const bad = cases.filter(([, c]) => !OUTCOME_PREFIXES.some((p) => c.startsWith(`${p}.`)));
    expect(bad.map(([id, c]) => `${id}/${c}`)).toEqual([]);
  });

  // test.each refuses an empty table; with no fixtures yet the naming test above still runs.
  (cases.length ? test.each(cases) : test.skip.each([['', '', '']]))(
    '%s / %s',
    async (checkId, caseName, dir) => {
      const expectFile = join(dir, 'expect.json');
      const expectation: Expectation = existsSync(expectFile)
        ? (JSON.parse(readFileSync(expectFile, 'utf8')) as Expectation)
        : {};
      const evidence = await readBundle(dir);
      const report = runChecks(evidence, { now: new Date(expectation.at ?? DEFAULT_AT), only: [checkId] });
      const results = report.results.filter((r) => r.checkId === checkId);
      const outcomes = results.map((r) => r.outcome);
      const detail = JSON.stringify(
        results.map((r) => `${r.outcome}: ${r.message}`),
        null,
        1,
      );
      const expected = caseName.split('.')[0];
      expect(results.length).toBeGreaterThan(0);
      switch (expected) {
        case 'pass':
          expect({ outcomes, detail }).toEqual({ outcomes: outcomes.map(() => 'pass'), detail });
          break;
        case 'fail':
          expect({ hasFail: outcomes.includes('fail'), detail }).toEqual({ hasFail: true, detail });
          break;
        case 'warn':
          expect({ hasWarn: outcomes.includes('warn'), hasFail: outcomes.includes('fail'), detail }).toEqual({
            hasWarn: true,
            hasFail: false,
            detail,
          });
          break;
        case 'error':
          expect({ hasError: outcomes.includes('error'), detail }).toEqual({ hasError: true, detail });
          break;
        case 'not_applicable':
          expect({ outcomes, detail }).toEqual({ outcomes: outcomes.map(() => 'not_applicable'), detail });
          break;
      }
      if (expectation.count !== undefined) expect(results.length).toBe(expectation.count);
      for (const s of expectation.messageIncludes ?? []) {
        expect(results.map((r) => r.message).join('\n')).toContain(s);
      }
    },
  );
});
