import { afterAll, describe, expect, test } from '@jest/globals';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eachListItem } from './list-items.js';
import { jsonDepthExceeds } from './safe-read.js';

const dir = mkdtempSync(join(tmpdir(), 'watchpost-list-items-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** What `eachListItem` makes of `bytes` (undefined: it gives the file back to be read whole). */
function streamed(bytes: Buffer | string, maxDepth = 256, maxBytes = 1 << 30): unknown[] | undefined {
  const file = join(dir, `list-${n++}.json`);
  writeFileSync(file, bytes);
  const fd = openSync(file, 'r');
  try {
    const items: unknown[] = [];
    return eachListItem(fd, { maxBytes, maxDepth }, (item) => (items.push(item), true)) ? items : undefined;
  } finally {
    closeSync(fd);
  }
}

/** What reading the file whole makes of it: its items, or undefined for any error the reader would report. */
function whole(bytes: Buffer, maxDepth = 256): unknown[] | undefined {
  if (jsonDepthExceeds(bytes, maxDepth)) return undefined;
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const items = (parsed as Record<string, unknown>)['items'];
    return Array.isArray(items) ? items : undefined;
  } catch {
    return undefined;
  }
}

/** A seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['web', 'é', '日本', '🔐', 'a\\"b', '\\\\', '\\u0041', '{[', ']}', ',:', ' ', '\\n'];

function value(rnd: () => number, depth: number): string {
  const pick = Math.floor(rnd() * (depth > 4 ? 4 : 7));
  if (pick === 0) return String(Math.floor(rnd() * 1e6) - 5e5) + (rnd() < 0.3 ? '.5e-3' : '');
  if (pick === 1) return ['true', 'false', 'null'][Math.floor(rnd() * 3)];
  if (pick <= 3)
    return `"${Array.from({ length: Math.floor(rnd() * 4) }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join('')}"`;
  const ws = () => [' ', '', '\n  ', '\t', '\r\n'][Math.floor(rnd() * 5)];
  const len = Math.floor(rnd() * 4);
  if (pick === 4)
    return `[${ws()}${Array.from({ length: len }, () => value(rnd, depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
  const entries = Array.from(
    { length: len },
    (_, i) => `"k${i}${WORDS[i % 4]}"${ws()}:${ws()}${value(rnd, depth + 1)}`,
  );
  return `{${ws()}${entries.join(`,${ws()}`)}${ws()}}`;
}

function list(rnd: () => number, items: number): string {
  const item = () => `{"metadata":{"name":"p${Math.floor(rnd() * 1e6)}"},"spec":${value(rnd, 3)}}`;
  return `{\n "apiVersion": "v1", "items" : [ ${Array.from({ length: items }, item).join(',\n')} ],\n "kind":"List","metadata":{"resourceVersion":""}}\n`;
}

describe('eachListItem', () => {
  test('the items of a List, whatever its whitespace, escapes and characters, as JSON.parse reads them', () => {
    const rnd = random(15);
    for (let i = 0; i < 200; i++) {
      const text = list(rnd, Math.floor(rnd() * 5));
      expect(streamed(text)).toEqual(whole(Buffer.from(text)));
      expect(whole(Buffer.from(text))).toBeDefined();
    }
  });

  test('items across the 256 KB reads, and one item longer than a read', () => {
    const rnd = random(7);
    const text = list(rnd, 15_000);
    expect(text.length).toBeGreaterThan(600 * 1024);
    expect(streamed(text)).toEqual(whole(Buffer.from(text)));
    const long = `{"items":[{"metadata":{"name":"big"},"data":"${'é\\"x'.repeat(200_000)}"},1]}`;
    expect(streamed(long)).toEqual(whole(Buffer.from(long)));
  });

  test('anything else is given back to be read whole', () => {
    const cases = [
      '',
      '[]',
      '{}',
      '{"items":{}}',
      '{"items":[1,]}',
      '{"items":[1 2]}',
      '{"items":[1],}',
      '{"items":[1]} x',
      '{"items":[1]}{}',
      '{"items":[1],"items":[2]}',
      '{"items":[1], "kind": tru}',
      '{"items":[{"a":1]}]}',
      '{"items":["unterminated]}',
      '{"items":[1]',
      '{items:[1]}',
      '\uFEFF{"items":[1]}',
      '{"items":[1],"x":"\u0001"}',
    ];
    for (const text of cases) expect([text, streamed(text)]).toEqual([text, undefined]);
  });

  test('a file nested past the limit or over the byte cap is given back (the whole read reports it)', () => {
    expect(streamed('{"items":[[[1]]]}', 4)).toEqual([[[1]]]);
    expect(streamed('{"items":[[[1]]]}', 3)).toBeUndefined();
    expect(streamed('{"a":[[[1]]],"items":[]}', 3)).toBeUndefined();
    expect(streamed(`{"items":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}`)).toBeUndefined();
    expect(streamed('{"items":[1,2,3]}', 256, 17)).toEqual([1, 2, 3]);
    expect(streamed('{"items":[1,2,3]}', 256, 16)).toBeUndefined();
  });

  test('a refused item stops the read', () => {
    const file = join(dir, 'refused.json');
    writeFileSync(file, '{"items":[1,2,3]}');
    const fd = openSync(file, 'r');
    const seen: unknown[] = [];
    expect(eachListItem(fd, { maxBytes: 100, maxDepth: 10 }, (item) => (seen.push(item), item !== 2))).toBe(
      false,
    );
    closeSync(fd);
    expect(seen).toEqual([1, 2]);
  });

  test('never says yes where the whole read would not, nor with other items (seeded mutations)', () => {
    const rnd = random(Number(process.env['WATCHPOST_FUZZ_SEED'] ?? 42));
    const bytes = [0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x5c, 0x2c, 0x3a, 0x20, 0x0a, 0x31, 0x61, 0xc3, 0xa9, 0xff];
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      const base = Buffer.from(list(rnd, 1 + Math.floor(rnd() * 3)));
      const at = Math.floor(rnd() * base.length);
      const b = bytes[Math.floor(rnd() * bytes.length)];
      const mutated = [
        Buffer.concat([base.subarray(0, at), base.subarray(at + 1)]),
        Buffer.concat([base.subarray(0, at), Buffer.from([b]), base.subarray(at)]),
        Buffer.concat([base.subarray(0, at), Buffer.from([b]), base.subarray(at + 1)]),
      ];
      for (const m of mutated) {
        const depth = 3 + Math.floor(rnd() * 6);
        const fast = streamed(m, depth);
        if (fast === undefined) refused++;
        else {
          accepted++;
          expect(fast).toEqual(whole(m, depth));
        }
      }
    }
    // Both answers came up often enough for the comparison to mean something.
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});
