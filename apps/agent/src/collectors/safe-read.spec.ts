import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSafely, utf8Text } from './safe-read.js';

describe('readFileSafely', () => {
  const dir = mkdtempSync(join(tmpdir(), 'watchpost-safe-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const opts = { maxBytes: 1024 * 1024, limitName: 'WATCHPOST_TEST_LIMIT' };

  test.each([0, 1, 65_535, 65_536, 300_000])('a %i-byte file comes back byte for byte', async (size) => {
    const file = join(dir, `f-${size}`);
    const bytes = Buffer.alloc(size, 0).map((_, i) => (i * 31) % 251);
    writeFileSync(file, bytes);
    const read = await readFileSafely(file, opts);
    expect(read.ok).toBe(true);
    if (read.ok) {
      expect(read.size).toBe(size);
      expect(Buffer.compare(read.data, bytes)).toBe(0);
    }
  });

  test('a file that says 0 bytes (/proc) is read to its end', async () => {
    const read = await readFileSafely('/proc/self/status', opts);
    expect(read.ok).toBe(true);
    if (read.ok) expect(read.data.toString('utf8')).toMatch(/^Name:.*\n[\s\S]*VmRSS:/);
  });

  test('over the limit: refused, naming the limit', async () => {
    const file = join(dir, 'big');
    writeFileSync(file, Buffer.alloc(2000, 1));
    const read = await readFileSafely(file, { ...opts, maxBytes: 1000 });
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
