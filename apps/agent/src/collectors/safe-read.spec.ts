import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSafely, releaseBytes, utf8Text } from './safe-read.js';

describe('readFileSafely', () => {
  const dir = mkdtempSync(join(tmpdir(), 'watchpost-safe-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const opts = { maxBytes: 1024 * 1024, limitName: 'WATCHPOST_TEST_LIMIT' };

  test.each([0, 1, 65_535, 65_536, 300_000])('a %i-byte file comes back byte for byte', (size) => {
    const file = join(dir, `f-${size}`);
    const bytes = Buffer.alloc(size, 0).map((_, i) => (i * 31) % 251);
    writeFileSync(file, bytes);
    const read = readFileSafely(file, opts);
    expect(read.ok).toBe(true);
    if (read.ok) {
      expect(read.size).toBe(size);
      expect(Buffer.compare(read.data, bytes)).toBe(0);
    }
  });

  test('a file that says 0 bytes (/proc) is read to its end', () => {
    const read = readFileSafely('/proc/self/status', opts);
    expect(read.ok).toBe(true);
    if (read.ok) expect(read.data.toString('utf8')).toMatch(/^Name:.*\n[\s\S]*VmRSS:/);
  });

  test('over the limit: refused, naming the limit', () => {
    const file = join(dir, 'big');
    writeFileSync(file, Buffer.alloc(2000, 1));
    const read = readFileSafely(file, { ...opts, maxBytes: 1000 });
    expect(read).toMatchObject({ ok: false, error: expect.stringContaining('WATCHPOST_TEST_LIMIT') });
  });
});

describe('utf8Text', () => {
  test.each([
    ['ASCII', '{"items":[{"metadata":{"name":"web-0"}}]}'],
    ['Latin-1 letters', '{"name":"café","note":"Größe ½"}'],
    ['other scripts and emoji', '{"team":"платформа 平台","icon":"🔐"}'],
    ['a BOM', '\uFEFF{"a":1}'],
  ])('%s: the same text as UTF-8 decoding', (_name, text) => {
    const bytes = Buffer.from(text, 'utf8');
    expect(utf8Text(bytes)).toBe(text);
    expect(utf8Text(bytes)).toBe(bytes.toString('utf8'));
  });

  test('bytes that are not valid UTF-8 decode as UTF-8 does (replacement characters), not byte by byte', () => {
    const bytes = Buffer.from([0x7b, 0xe9, 0x7d, 0xff]);
    expect(utf8Text(bytes)).toBe(bytes.toString('utf8'));
    expect(utf8Text(bytes)).toContain('\uFFFD');
  });
});

describe('releaseBytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'watchpost-release-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a large file read gives its memory up: the buffer is emptied, its text kept', () => {
    const file = join(dir, 'big.json');
    const text = JSON.stringify({ items: Array.from({ length: 80_000 }, (_, i) => ({ name: `pod-${i}` })) });
    writeFileSync(file, text);
    const read = readFileSafely(file, { maxBytes: 64 * 1024 * 1024, limitName: 'L' });
    if (!read.ok) throw new Error(read.error);
    expect(read.data.buffer.byteLength).toBeGreaterThanOrEqual(1024 * 1024);
    const decoded = utf8Text(read.data);
    releaseBytes(read.data);
    expect(read.data.buffer.byteLength).toBe(0);
    expect(read.data.length).toBe(0);
    expect(decoded).toBe(text);
  });

  test("small buffers, views into another buffer and Node's shared pool are left alone", () => {
    const pooled = Buffer.from('{"a":1}');
    releaseBytes(pooled);
    expect(pooled.toString()).toBe('{"a":1}');
    const big = Buffer.alloc(2 * 1024 * 1024, 0x20);
    const view = big.subarray(16);
    releaseBytes(view);
    expect(big.length).toBe(2 * 1024 * 1024);
    const small = Buffer.alloc(64 * 1024, 0x20);
    releaseBytes(small);
    expect(small.length).toBe(64 * 1024);
  });
});
