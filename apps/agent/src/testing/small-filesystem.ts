import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A really small filesystem for disk-full tests: a tmpfs of `kib` KiB mounted on a fresh folder when this
 * process may mount (root, or a CI container with CAP_SYS_ADMIN), otherwise a plain temp folder plus SQLite's
 * own `max_page_count` limit of the same size. `kind` says which one ran; tests put it in their output.
 */
export interface SmallFilesystem {
  dir: string;
  kind: 'tmpfs' | 'max_page_count';
  /** Store pragmas that enforce the limit (empty on tmpfs). */
  pragmas: string[];
  release(): void;
}

/** Mounts (or simulates) a small filesystem. Synchronous so test titles can name the kind. */
export function smallFilesystem(kib: number): SmallFilesystem {
  const dir = mkdtempSync(join(tmpdir(), 'watchpost-small-fs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k,mode=0700`, 'tmpfs', dir], { stdio: 'ignore' });
    return {
      dir,
      kind: 'tmpfs',
      pragmas: [],
      release: () => {
        try {
          // Lazy: a test that failed with the store still open must not leave the mount behind.
          execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch {
    return {
      dir,
      kind: 'max_page_count',
      pragmas: [`max_page_count = ${Math.max(8, Math.floor(kib / 4))}`],
      release: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
}
