import { describe, expect, test } from '@jest/globals';
import { cidrContains, parseCidr, parseIp } from './cidr.js';

describe('parseIp (IPv4)', () => {
  test.each([
    ['10.0.0.1', 0x0a000001n],
    ['0.0.0.0', 0n],
    ['255.255.255.255', 0xffffffffn],
    ['169.254.169.254', 0xa9fea9fen],
    ['010.001.0.1', 0x0a010001n],
    [' 10.0.0.1 ', 0x0a000001n],
  ])('%s', (text, value) => {
    expect(parseIp(text)).toEqual({ family: 4, value, text: text.trim() });
  });

  test.each([
    '256.0.0.1',
    '1.2.3',
    '1.2.3.4.5',
    '1..2.3',
    '.1.2.3',
    '1.2.3.',
    '1.2.3.4444',
    '+1.2.3.4',
    '1.2.3.-4',
    'a.b.c.d',
    '1.2.3.4x',
    '',
  ])('%j is not an address', (text) => expect(parseIp(text)).toBeUndefined());

  test('IPv6 with an embedded dotted quad', () => {
    expect(parseIp('::ffff:10.0.0.1')?.value).toBe(0xffff0a000001n);
    expect(parseIp('::ffff:10.0.0.256')).toBeUndefined();
  });

  test('CIDRs and containment', () => {
    const c = parseCidr('10.64.0.0/10')!;
    expect(c).toMatchObject({ family: 4, bits: 10, base: 0x0a400000n });
    expect(cidrContains(c, parseIp('10.127.255.255')!)).toBe(true);
    expect(cidrContains(c, parseIp('10.128.0.0')!)).toBe(false);
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
  });
});
