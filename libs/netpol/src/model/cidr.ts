/**
 * IPv4/IPv6 addresses and CIDRs as Calico `nets` and Kubernetes `ipBlock` use them. Addresses are kept as
 * bigints so one code path serves both families.
 */

/** An IP address: family and numeric value. */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
  text: string;
}

/** A CIDR block (`10.0.0.0/8`, `fd00::/8`); a bare address is its /32 or /128. */
export interface Cidr {
  family: 4 | 6;
  base: bigint;
  bits: number;
  text: string;
}

function parseV4(s: string): bigint | undefined {
  // Four dot-separated groups of one to three digits, each at most 255; built as a number, one BigInt at the
  // end (every pod address of a 10,000-pod cluster goes through here).
  let v = 0;
  let group = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (++digits > 3) return undefined;
      group = group * 10 + (c - 0x30);
    } else if (c === 0x2e) {
      if (digits === 0 || group > 255 || ++dots > 3) return undefined;
      v = v * 256 + group;
      group = 0;
      digits = 0;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0 || group > 255) return undefined;
  return BigInt(v * 256 + group);
}

function parseV6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let tail4: bigint | undefined;
  let text = s;
  // An embedded dotted quad (`::ffff:10.0.0.1`) takes the last two groups.
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tail4 = parseV4(text.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0] ?? '');
  const rest = halves.length === 2 ? groups(halves[1] ?? '') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail4 !== undefined) v = (v & ~0xffffffffn) | tail4;
  return v;
}

/** Parses an IPv4 or IPv6 address; undefined when it is not one. */
export function parseIp(text: string): IpAddress | undefined {
  const s = text.trim();
  if (s.includes(':')) {
    const v = parseV6(s);
    return v === undefined ? undefined : { family: 6, value: v, text: s };
  }
  const v = parseV4(s);
  return v === undefined ? undefined : { family: 4, value: v, text: s };
}

/** Parses `addr/bits` (or a bare address); host bits are masked off as Calico and Kubernetes do. */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, bitsText, extra] = text.trim().split('/');
  if (extra !== undefined || addr === undefined) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  let bits = max;
  if (bitsText !== undefined) {
    if (!/^\d{1,3}$/.test(bitsText)) return undefined;
    bits = Number(bitsText);
    if (bits > max) return undefined;
  }
  const hostMask = (1n << BigInt(max - bits)) - 1n;
  return { family: ip.family, base: ip.value & ~hostMask, bits, text: text.trim() };
}

/** Whether the address lies inside the block (families must agree). */
export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  if (cidr.family !== ip.family) return false;
  const max = cidr.family === 4 ? 32 : 128;
  return ip.value >> BigInt(max - cidr.bits) === cidr.base >> BigInt(max - cidr.bits);
}
