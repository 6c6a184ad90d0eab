import { isAscii } from 'node:buffer';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { sep } from 'node:path';

/**
 * Reading files the agent does not control (a bundle someone handed over, a host's config files) without being
 * turned against the host: every read is capped, special files are never opened, and inside a bundle a symbolic
 * link is followed only when it stays inside the bundle. Error texts name the file and never carry a byte of it
 * (nor where a refused link points).
 */

/**
 * The UTF-8 text of `data`. Kubernetes JSON is nearly always ASCII, and ASCII bytes are the same text in
 * either decoding: Node's ASCII decoder copies them (~2 ms for a 15 MB pods.json) where the UTF-8 decoder
 * validates every byte (~70 ms). `isAscii` is a vectorised scan; anything else is decoded as UTF-8.
 */
export function utf8Text(data: Buffer): string {
  return isAscii(data) ? data.toString('ascii') : data.toString('utf8');
}

/**
 * Lets the memory of `data` go at the next garbage collection of any kind, not at the next full one. Its
 * ArrayBuffer is handed over (moved, not copied) to a copy nobody holds, which the next collection frees. A
 * buffer that was still in use when a full collection ran has been moved to the old generation, and a scan often
 * ends before the next full one: a 10,000-pod pods.json (15 MB) then stayed resident to the end by chance, a
 * 20,000-pod one (30 MB) in most runs. Only for a buffer that owns its ArrayBuffer alone (readFileSafely's do:
 * at least 64 KB each, never from Node's shared pool of small buffers, which cannot be handed over).
 */
export function releaseBytes(data: Buffer): void {
  const owner = data.buffer;
  if (!(owner instanceof ArrayBuffer) || data.byteOffset !== 0 || owner.byteLength < 1024 * 1024) return;
  try {
    structuredClone(owner, { transfer: [owner] });
  } catch {
    // not transferable after all: the garbage collector frees it in its own time
  }
}

/** Size and shape limits of everything the collectors read. Environment overrides in `readLimitsFromEnv`. */
export interface ReadLimits {
  /** Any host file (live or `host/` in a bundle), and `cluster.json`, `probes/*.json`, `history.json`. */
  maxFileBytes: number;
  /** One `kube/<resource>.json` of a bundle (a whole `kubectl get -A -o json` List). */
  maxKubeJsonBytes: number;
  /** Deepest nesting of a JSON file (Kubernetes objects nest about 20 levels). */
  maxJsonDepth: number;
  /** Most alias references one YAML host file may expand (the `yaml` library's own default is 100). */
  maxYamlAliases: number;
  /** Most files a bundle may hold. */
  maxBundleFiles: number;
}

/** The defaults: no real config file is 2 MiB; 512 MiB holds a 100,000-pod `pods.json` from kubectl. */
export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxFileBytes: 2 * 1024 * 1024,
  maxKubeJsonBytes: 512 * 1024 * 1024,
  maxJsonDepth: 256,
  maxYamlAliases: 100,
  maxBundleFiles: 50_000,
};

/** Environment variable of each limit (documented in docs/agent.md). */
export const READ_LIMIT_ENV: Record<keyof ReadLimits, string> = {
  maxFileBytes: 'WATCHPOST_MAX_FILE_BYTES',
  maxKubeJsonBytes: 'WATCHPOST_MAX_KUBE_JSON_BYTES',
  maxJsonDepth: 'WATCHPOST_MAX_JSON_DEPTH',
  maxYamlAliases: 'WATCHPOST_MAX_YAML_ALIASES',
  maxBundleFiles: 'WATCHPOST_MAX_BUNDLE_FILES',
};

/** The limits with `WATCHPOST_MAX_*` overrides; a value that is not a positive integer is an error naming it. */
export function readLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): ReadLimits {
  const limits = { ...DEFAULT_READ_LIMITS };
  for (const key of Object.keys(READ_LIMIT_ENV) as (keyof ReadLimits)[]) {
    const raw = env[READ_LIMIT_ENV[key]];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new Error(
        `${READ_LIMIT_ENV[key]}=${JSON.stringify(raw)} is not a positive integer (default ${DEFAULT_READ_LIMITS[key]})`,
      );
    }
    limits[key] = n;
  }
  return limits;
}

/** What `readFileSafely` found. `error` names the problem, never the content. */
export type SafeRead =
  | { ok: true; data: Buffer; mode: number; size: number }
  | { ok: false; error: string; mode?: number; size?: number };

function kindOf(st: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** A file `openFileSafely` opened: the caller reads `fd` and closes it. */
export type SafeOpen =
  | { ok: true; fd: number; mode: number; size: number }
  | { ok: false; error: string; mode?: number; size?: number };

/** How a file may be read: `root` (a bundle's real path) keeps symbolic links inside it. */
export interface SafeReadOptions {
  maxBytes: number;
  limitName: string;
  root?: string;
}

/**
 * Opens `file` for reading, or says why not.
 * - `root` (a bundle's real path): a symbolic link, anywhere on the way, must resolve inside it.
 * - Devices, FIFOs, sockets and directories are refused before anything opens them (opening a FIFO blocks,
 *   reading `/dev/urandom` never ends, opening some devices has side effects); the open is non-blocking and
 *   checked again with `fstat` (the file may have been swapped since).
 * - A file `stat` says is over `maxBytes` is refused; the caller still caps the bytes it reads (`/proc` files say 0).
 * Synchronous on purpose: these are one-shot processes (`scan`, `collect`, the daemon's scan child; the daemon
 * itself never reads a host or bundle file), and each asynchronous step was a round trip through the thread pool.
 */
export function openFileSafely(file: string, opts: SafeReadOptions): SafeOpen {
  let target = file;
  try {
    const link = lstatSync(file);
    if (opts.root !== undefined) {
      target = realpathSync.native(file);
      if (target !== opts.root && !target.startsWith(opts.root + sep)) {
        return {
          ok: false,
          error: 'is a symbolic link (or under one) that leads outside the bundle; not followed',
        };
      }
    }
    const st = link.isSymbolicLink() ? statSync(target) : link;
    const mode = st.mode & 0o7777;
    if (!st.isFile()) {
      return {
        ok: false,
        error: `is ${kindOf(st)}${link.isSymbolicLink() ? ' (through a symbolic link)' : ''}; not read`,
        mode,
      };
    }
    if (st.size > opts.maxBytes) {
      return {
        ok: false,
        error: `is ${st.size} bytes, over the ${opts.maxBytes}-byte limit (${opts.limitName}); not read`,
        mode,
        size: st.size,
      };
    }
    // O_NONBLOCK: if the file was swapped for a FIFO since stat, open must not hang; fstat below refuses it.
    const fd = openSync(
      target,
      constants.O_RDONLY | constants.O_NONBLOCK | (opts.root !== undefined ? constants.O_NOFOLLOW : 0),
    );
    let fst;
    try {
      fst = fstatSync(fd);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    if (!fst.isFile()) {
      closeSync(fd);
      return { ok: false, error: `is ${kindOf(fst)}; not read`, mode };
    }
    return { ok: true, fd, mode, size: fst.size };
  } catch (err) {
    return { ok: false, error: describeError(err) };
  }
}

/** "ENOENT: no such file or directory": the code and the description, never the path or a byte of the file. */
function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  // "ENOENT: no such file or directory, open '<path>'": keep the code and the description; callers name the
  // file as they want it shown (its host path, not where a bundle sits on this disk).
  const described = /^\w+: ([^,]+)/.exec(e.message)?.[1];
  return e.code ? `${e.code}: ${described ?? 'cannot read'}` : 'cannot read';
}

/**
 * Reads `file` up to `maxBytes`, through `openFileSafely` (links, special files, size). The size is enforced on
 * the bytes read, not on what `stat` claims (`/proc` files say 0).
 */
export function readFileSafely(file: string, opts: SafeReadOptions): SafeRead {
  const opened = openFileSafely(file, opts);
  if (!opened.ok) return opened;
  const { fd, mode } = opened;
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    // The first buffer holds the whole file as fstat sizes it (one byte more, to see it grew): a 15 MB
    // pods.json is read into one buffer, never copied from chunks. Files that say 0 (/proc) or grow are
    // read on in chunks of up to 8 MiB.
    const chunkSize = Math.min(Math.max(opened.size + 1, 64 * 1024), opts.maxBytes + 1, 8 * 1024 * 1024);
    let first: Buffer | undefined = Buffer.allocUnsafe(
      Math.min(Math.max(opened.size + 1, 64 * 1024), opts.maxBytes + 1),
    );
    let filled = 0;
    for (;;) {
      const buf: Buffer = first ?? Buffer.allocUnsafe(Math.min(chunkSize, opts.maxBytes + 1 - total));
      const bytesRead = readSync(fd, buf, filled, buf.length - filled, null);
      if (bytesRead === 0) {
        if (first && filled > 0) chunks.push(first.subarray(0, filled));
        break;
      }
      total += bytesRead;
      if (first) {
        filled += bytesRead;
        if (filled === first.length) {
          chunks.push(first);
          first = undefined;
          filled = 0;
        }
      } else chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      if (total > opts.maxBytes) {
        const error = `holds more than the ${opts.maxBytes}-byte limit (${opts.limitName}); not read`;
        return { ok: false, error, mode, size: opened.size };
      }
    }
    return {
      ok: true,
      data: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total),
      mode,
      size: total,
    };
  } catch (err) {
    return { ok: false, error: describeError(err) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Deepest bracket nesting of a JSON text, stopping as soon as it passes `max` (strings skipped). `JSON.parse`
 * itself copes with any depth, but everything that walks the value afterwards recurses and would overflow.
 * Given the file's bytes, strings are skipped with `indexOf` (UTF-8 never puts an ASCII byte inside a multi-byte
 * character, so the brackets and quotes found are the text's own): a 15 MB pods.json takes a few milliseconds.
 */
export function jsonDepthExceeds(text: string | Buffer, max: number): boolean {
  if (typeof text !== 'string') return bytesDepthExceeds(text, max);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function bytesDepthExceeds(b: Buffer, max: number): boolean {
  let depth = 0;
  const n = b.length;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 0x22) {
      // The closing quote: the next one not escaped (preceded by an even number of backslashes).
      let j = i;
      for (;;) {
        j = b.indexOf(0x22, j + 1);
        if (j < 0) return false; // unterminated: JSON.parse reports it
        let backslashes = 0;
        while (b[j - 1 - backslashes] === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      i = j;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
