import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { renderChecksDoc } from './checks-doc.js';
import { parseAt } from './at-time.js';

describe('--at', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  test('offsets and ISO times', () => {
    expect(parseAt('+30d', now).toISOString()).toBe('2026-07-01T00:00:00.000Z');
    expect(parseAt('-12h', now).toISOString()).toBe('2026-05-31T12:00:00.000Z');
    expect(parseAt('2020-12-15T00:00:00Z', now).toISOString()).toBe('2020-12-15T00:00:00.000Z');
  });
  test('anything else is refused with the accepted forms', () => {
    expect(() => parseAt('next week', now)).toThrow(
      /--at "next week" is not a time: use an ISO time .* or an offset like \+30d/,
    );
    expect(() => parseAt('+30y', now)).toThrow(/not a time/);
  });
  test('offsets beyond 100 years name the flag and the range instead of "Invalid time value"', () => {
    expect(() => parseAt('+99999999999d', now)).toThrow(
      '--at "+99999999999d" is out of range: an offset must be within ±36500d (36500 days;',
    );
    expect(() => parseAt('-900000h', now)).toThrow('an offset must be within ±876000h');
    expect(parseAt('+36500d', now).toISOString()).toBe('2126-05-08T00:00:00.000Z');
  });
});

describe('docs/checks.md', () => {
  test('is generated from the catalogue and up to date (run npm run docs:checks)', () => {
    const file = fileURLToPath(new URL('../../../../docs/checks.md', import.meta.url));
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(renderChecksDoc());
  });
});
