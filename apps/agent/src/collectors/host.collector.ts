import { readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { CollectorError, HostFile } from '@watchpost/shared';
import { readHostFile } from './host-file.js';
import { candidatePaths, type HostLayout } from './layouts.js';
import { readLimitsFromEnv, type ReadLimits } from './safe-read.js';

/** Options of the host collector. */
export interface HostCollectorOptions {
  /** Where the host's `/` is mounted (a DaemonSet mounts it read-only under e.g. `/host`); default `/`. */
  root?: string;
  distributions?: HostLayout['distribution'][];
  /** Extra candidate paths (configuration). */
  extraPaths?: string[];
  maxDepth?: number;
  /** Size caps (default: `readLimitsFromEnv()`). */
  limits?: ReadLimits;
}

function globToRegExp(segment: string): RegExp {
  return new RegExp(
    '^' +
      segment
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]') +
      '$',
  );
}

/** Expands candidate patterns against the filesystem under `root`, returning host paths that exist. */
export async function expandCandidates(
  root: string,
  patterns: readonly string[],
  maxDepth = 4,
): Promise<string[]> {
  const found = new Set<string>();
  const onDisk = (p: string) => join(root, p);
  async function walk(dir: string, depth: number): Promise<void> {
    let entries;
    try {
      entries = await readdir(onDisk(dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = posix.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < maxDepth) await walk(p, depth + 1);
      } else found.add(p);
    }
  }
  for (const pattern of patterns) {
    if (pattern.endsWith('/**')) {
      await walk(pattern.slice(0, -3), 0);
      continue;
    }
    const dir = posix.dirname(pattern);
    const last = posix.basename(pattern);
    if (!last.includes('*') && !last.includes('?')) {
      found.add(pattern);
      continue;
    }
    const re = globToRegExp(last);
    try {
      for (const e of await readdir(onDisk(dir), { withFileTypes: true }))
        if (!e.isDirectory() && re.test(e.name)) found.add(posix.join(dir, e.name));
    } catch {
      // Directory absent on this distribution: nothing to collect there.
    }
  }
  return [...found].sort();
}

/**
 * Reads the candidate host files of the configured distributions, read-only. Paths that do not exist are
 * simply absent from the result ("not on this host"); paths that exist but cannot be read are kept with
 * their error, and reported as collector errors too.
 */
export async function collectHostFiles(
  opts: HostCollectorOptions = {},
): Promise<{ host: Record<string, HostFile>; errors: CollectorError[] }> {
  const root = opts.root ?? '/';
  const patterns = [...candidatePaths(opts.distributions), ...(opts.extraPaths ?? [])];
  const host: Record<string, HostFile> = {};
  const errors: CollectorError[] = [];
  const limits = opts.limits ?? readLimitsFromEnv();
  for (const path of await expandCandidates(root, patterns, opts.maxDepth)) {
    const file = readHostFile(join(root, path), path, { limits });
    if (file.error?.startsWith('ENOENT')) continue;
    host[path] = file;
    if (file.error) errors.push({ source: `host${path}`, message: file.error });
  }
  return { host, errors };
}
