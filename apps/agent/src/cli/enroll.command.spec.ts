import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enrollToken } from './enroll.command.js';

const TOKEN = 'wpe_Z2xhc3MtaGVyb24tNzc0MS1xdWlldC1yaXZlcg';

describe('enroll: the token from --token or --token-file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'watchpost-enroll-token-'));
  const file = (name: string, text: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the token from a file, as a mounted Secret key holds it (with or without a final newline)', () => {
    expect(enrollToken({ tokenFile: file('plain', TOKEN) })).toBe(TOKEN);
    expect(enrollToken({ tokenFile: file('newline', `${TOKEN}\n`) })).toBe(TOKEN);
    expect(enrollToken({ tokenFile: file('crlf', `  ${TOKEN}\r\n`) })).toBe(TOKEN);
    expect(enrollToken({ token: TOKEN })).toBe(TOKEN);
  });

  it('asks for exactly one of the two', () => {
    expect(() => enrollToken({})).toThrow('exactly one of --token or --token-file');
    expect(() => enrollToken({ token: TOKEN, tokenFile: file('both', TOKEN) })).toThrow(
      'exactly one of --token or --token-file',
    );
  });

  it('names the file and what to do when it cannot be used, and never prints what it holds', () => {
    const cases: [string, string][] = [
      [join(dir, 'missing'), `--token-file ${join(dir, 'missing')}: cannot read it (ENOENT)`],
      [file('empty', '\n'), 'the file is empty'],
      [file('two', `${TOKEN}\nwpe_other_token_on_a_second_line\n`), 'more than one word or line'],
      [file('large', Buffer.alloc(5000, 'a')), '5000 bytes is not a token'],
      [dir, `--token-file ${dir}: cannot read it (EISDIR)`],
    ];
    for (const [path, message] of cases) {
      let thrown: Error | undefined;
      try {
        enrollToken({ tokenFile: path });
      } catch (err) {
        thrown = err as Error;
      }
      expect(thrown?.message).toContain(message);
      expect(thrown?.message).not.toContain('wpe_');
      expect(thrown?.message).not.toContain('aaaa');
    }
  });
});
