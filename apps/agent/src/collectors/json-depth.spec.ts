import { describe, expect, test } from '@jest/globals';
import { jsonDepthExceeds } from './safe-read.js';

// The bundle reader checks a file's depth on its bytes (strings skipped with indexOf); the answer must be the
// text scan's, whatever the strings hold.
const CASES: [string, string, number, boolean][] = [
  ['flat object', '{"a":1}', 1, false],
  ['nested past the limit', '{"a":{"b":[1]}}', 2, true],
  ['at the limit', '{"a":{"b":1}}', 2, false],
  ['brackets inside a string', '{"a":"[[[[{{{{"}', 1, false],
  ['escaped quote inside a string', '{"a":"x\\"[[[["}', 1, false],
  ['escaped backslash ends the string', '{"a":"x\\\\","b":[[1]]}', 2, true],
  ['three backslashes then a quote', '{"a":"\\\\\\"[[","b":1}', 1, false],
  ['multi-byte characters', '{"é":"日本[[[","b":{"c":["ü"]}}', 3, false],
  ['multi-byte characters past the limit', '{"é":{"日":{"本":["ü"]}}}', 3, true],
  ['unterminated string', '{"a":"[[[[', 1, false],
  ['empty', '', 1, false],
];

describe('jsonDepthExceeds', () => {
  test.each(CASES)('%s: bytes and text agree', (_name, json, max, expected) => {
    expect(jsonDepthExceeds(json, max)).toBe(expected);
    expect(jsonDepthExceeds(Buffer.from(json, 'utf8'), max)).toBe(expected);
  });

  test('a deep bomb is caught on bytes', () => {
    const bomb = Buffer.from('['.repeat(100_000) + ']'.repeat(100_000));
    expect(jsonDepthExceeds(bomb, 256)).toBe(true);
  });
});
