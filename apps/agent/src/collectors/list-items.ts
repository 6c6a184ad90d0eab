import { readSync } from 'node:fs';

/**
 * Reads a `kubectl get -A -o json` List item by item from an open file, so that no whole-file buffer or text
 * (15 MB each for 10,000 pods) is ever made and each item is parsed, cleaned and shared while it is young: what
 * it drops dies before a collection has to copy it. Fresh memory is what costs here: the first touch of each
 * page of a new 15 MB buffer or string costs ~50 ms on the VMs we run on, more than decoding or reading it.
 *
 * Only the shape kubectl prints takes this way: an object whose `items` is an array, each item any JSON value.
 * Everything between the values (brackets, commas, colons, whitespace) is checked here byte by byte; each value
 * is handed to `JSON.parse` alone, which checks the rest. Anything else (invalid JSON, a file nested past the
 * limit or over the byte cap, a second `items`, no `items`, an item the caller refuses) gives `false`, and the
 * caller reads the file whole as before, which says exactly what is wrong: every message stays the same. A
 * `true` answer means the whole file is valid JSON nested within the limit, and its `items` are those handed
 * over, in order.
 */

/** Bytes read at a time (grown only for a value longer than this). */
const CHUNK = 256 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Thrown inside the reader to give up (the caller falls back to reading the file whole). */
class GiveUp extends Error {}

class ByteReader {
  buf = Buffer.allocUnsafe(CHUNK);
  /** Bytes held: [0, end). */
  end = 0;
  /** Next byte to look at. */
  pos = 0;
  /** Start of the value being read (kept across reads), or -1. */
  mark = -1;
  private total = 0;
  private eof = false;

  constructor(
    private readonly fd: number,
    private readonly maxBytes: number,
  ) {}

  /** Reads more bytes after `end`; false at the end of the file. Throws past the byte cap. */
  more(): boolean {
    if (this.eof) return false;
    const keep = this.mark >= 0 ? this.mark : this.pos;
    if (keep > 0) {
      this.buf.copyWithin(0, keep, this.end);
      this.end -= keep;
      this.pos -= keep;
      if (this.mark >= 0) this.mark -= keep;
    }
    if (this.end === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    const n = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
    if (n === 0) {
      this.eof = true;
      return false;
    }
    this.total += n;
    if (this.total > this.maxBytes) throw new GiveUp();
    this.end += n;
    return true;
  }

  /** The next byte that is not JSON whitespace (not taken), or -1 at the end of the file. */
  next(): number {
    for (;;) {
      if (this.pos === this.end && !this.more()) return -1;
      const c = this.buf[this.pos];
      if (!isSpace(c)) return c;
      this.pos++;
    }
  }

  /** Takes byte `c`, which must come next (after whitespace). */
  take(c: number): void {
    if (this.next() !== c) throw new GiveUp();
    this.pos++;
  }

  /**
   * Parses the JSON value that starts at the next byte, nested in `depth` brackets already. Its end is found by
   * counting brackets outside strings (as `jsonDepthExceeds` does, with the same limit); `JSON.parse` checks it.
   */
  value(depth: number, maxDepth: number): unknown {
    const first = this.next();
    if (first < 0) throw new GiveUp();
    this.mark = this.pos;
    if (first === OPEN_BRACE || first === OPEN_BRACKET || first === QUOTE) {
      for (;;) {
        // From the value's start each time: only a value cut by the end of a read is scanned again.
        const stop = skipValue(this.buf, this.mark, this.end, depth, maxDepth);
        if (stop >= 0) {
          this.pos = stop;
          break;
        }
        if (stop === TOO_DEEP) throw new GiveUp();
        this.pos = this.end;
        if (!this.more()) throw new GiveUp();
      }
    } else this.scalar();
    // ASCII bytes are the same text in any decoding; the UTF-8 decoding of a value is the same text as that part
    // of the whole file's (a value starts and ends at an ASCII byte, which never sits inside a multi-byte character).
    const text = this.buf.toString(valueBits < 0x80 ? 'latin1' : 'utf8', this.mark, this.pos);
    this.mark = -1;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new GiveUp();
    }
  }

  /** A number, true, false or null (or anything else: `JSON.parse` refuses it): up to the next delimiter. */
  private scalar(): void {
    let bits = 0;
    for (;;) {
      if (this.pos === this.end && !this.more()) break;
      const c = this.buf[this.pos];
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
      bits |= c;
      this.pos++;
    }
    valueBits = bits;
  }
}

const INCOMPLETE = -1;
const TOO_DEEP = -2;
/** The bits of every byte of the last value `skipValue` or `scalar` went over (>= 0x80: not ASCII). */
let valueBits = 0;

/**
 * Where the string, object or array starting at `buf[start]` ends (the index after it), INCOMPLETE when it does
 * not end before `end`, TOO_DEEP when it nests past `maxDepth`. Kept small and free of anything but the bytes:
 * it runs over every byte of the file, and V8 optimises it soon and for good.
 */
function skipValue(buf: Buffer, start: number, end: number, depth: number, maxDepth: number): number {
  let d = depth;
  let bits = 0;
  let pos = start;
  do {
    if (pos >= end) return INCOMPLETE;
    const c = buf[pos++];
    bits |= c;
    if (c === QUOTE) {
      for (;;) {
        if (pos >= end) return INCOMPLETE;
        const s = buf[pos++];
        bits |= s;
        if (s === QUOTE) break;
        if (s === BACKSLASH) {
          if (pos >= end) return INCOMPLETE;
          bits |= buf[pos++];
        }
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++d > maxDepth) return TOO_DEEP;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) d--;
  } while (d > depth);
  valueBits = bits;
  return pos;
}

/**
 * Hands each item of the List in `fd` (read from where it stands, at most `maxBytes`) to `onItem` in order;
 * `onItem` returns false to give up. True when the whole file was read this way (see above), false when the
 * caller must read it whole.
 */
export function eachListItem(
  fd: number,
  limits: { maxBytes: number; maxDepth: number },
  onItem: (item: unknown, index: number) => boolean,
): boolean {
  const r = new ByteReader(fd, limits.maxBytes);
  const { maxDepth } = limits;
  try {
    if (maxDepth < 2) return false;
    r.take(OPEN_BRACE);
    let items = false;
    if (r.next() === CLOSE_BRACE) return false;
    for (;;) {
      if (r.next() !== QUOTE) return false;
      const key = r.value(1, maxDepth);
      r.take(COLON);
      if (key === 'items') {
        if (items) return false; // JSON.parse keeps the last one: leave that to it
        items = true;
        r.take(OPEN_BRACKET);
        if (r.next() === CLOSE_BRACKET) r.pos++;
        else {
          for (let i = 0; ; i++) {
            if (!onItem(r.value(2, maxDepth), i)) return false;
            const c = r.next();
            r.pos++;
            if (c === CLOSE_BRACKET) break;
            if (c !== COMMA) return false;
          }
        }
      } else r.value(1, maxDepth);
      const c = r.next();
      r.pos++;
      if (c === CLOSE_BRACE) break;
      if (c !== COMMA) return false;
    }
    return items && r.next() === -1;
  } catch (err) {
    if (err instanceof GiveUp) return false;
    throw err;
  }
}
