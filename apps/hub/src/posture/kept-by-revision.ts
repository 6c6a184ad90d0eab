import { toNum } from './posture-store.js';

/** What a reader keeps of one cluster: the `posture_revision` it was read at, and the read that last found it. */
export interface KeptEntry {
  revision: number;
  read: number;
}

/**
 * Per cluster, what a read service keeps in memory of its findings, as read at the cluster's `posture_revision`.
 * Every writer of a cluster's findings (or scores) bumps that revision in the same transaction
 * (`refreshPostureCounts`), and a read takes the revisions before the rows, so a kept entry is never older than
 * its revision says: a change on any replica is seen at the next read of every replica, and rows read newer than
 * their revision are only read again.
 */
export class KeptByRevision<E extends KeptEntry> {
  readonly entries = new Map<string, E>();
  private reads = 0;

  /**
   * Starts a read of `clusters` (their revisions as just read): entries at the same revision stay, clusters no
   * longer listed are forgotten, and every other cluster gets a fresh entry from `make` (given the entry it had,
   * if any). Returns those to fill; `keep` them once filled.
   */
  stale<C extends { name: string; revision: number | string }>(
    clusters: readonly C[],
    make: (cluster: C, at: KeptEntry, had: E | undefined) => E,
  ): Map<string, E> {
    const read = ++this.reads;
    const stale = new Map<string, E>();
    let known = 0;
    for (const c of clusters) {
      const revision = toNum(c.revision);
      const entry = this.entries.get(c.name);
      if (entry) known += 1;
      if (entry?.revision === revision) entry.read = read;
      else stale.set(c.name, make(c, { revision, read }, entry));
    }
    // Marked and swept in one synchronous pass, so a read running beside this one cannot be swept by it.
    if (this.entries.size > known)
      for (const [name, entry] of this.entries)
        if (entry.read !== read && !stale.has(name)) this.entries.delete(name);
    return stale;
  }

  /** Keeps the filled entries of `stale`. */
  keep(stale: ReadonlyMap<string, E>): void {
    for (const [name, entry] of stale) this.entries.set(name, entry);
  }
}
