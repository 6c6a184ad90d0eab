import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  builtInSupportDocument,
  compareDataVersion,
  newestSupportDocument,
  parseSupportDocument,
  type KubernetesSupportDocument,
} from '@watchpost/shared/support-data';

/** File name of the support data the agent received from the hub, kept beside its store. */
export const HELD_SUPPORT_DATA_FILE = 'kubernetes-support.json';

/** Where an agent whose store is `storePath` keeps the support data it received. */
export function heldSupportDataPath(storePath: string): string {
  return join(dirname(storePath), HELD_SUPPORT_DATA_FILE);
}

/** The document in `path`, or why it cannot be used (absent is not a problem). */
export function readHeldSupportData(path: string): { doc?: KubernetesSupportDocument; problem?: string } {
  if (!existsSync(path)) return {};
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (err) {
    return {
      problem: `${path} is not readable JSON (${err instanceof Error ? err.message : String(err)}); using the shipped support data`,
    };
  }
  const r = parseSupportDocument(value);
  return r.ok
    ? { doc: r.doc }
    : {
        problem: `${path} is not valid support data (${r.errors.slice(0, 3).join('; ')}); using the shipped support data`,
      };
}

/** The newest support data the agent has: what it received (if valid) or what it shipped with. */
export function newestHeldSupportData(path: string): { doc: KubernetesSupportDocument; problem?: string } {
  const held = readHeldSupportData(path);
  const doc = newestSupportDocument([held.doc, builtInSupportDocument()])!;
  return held.problem ? { doc, problem: held.problem } : { doc };
}

/** What became of a document the hub sent. */
export type AdoptResult =
  { adopted: true; doc: KubernetesSupportDocument; previous: string } | { adopted: false; reason: string };

/**
 * Keeps a document the hub sent when it is valid and newer than the newest the agent has: written to a
 * temporary file and renamed over `path`, so a crash never leaves half a document. Older or equal versions
 * are ignored (acks of in-flight reports can carry the same document several times).
 */
export function adoptSupportData(path: string, value: unknown): AdoptResult {
  const r = parseSupportDocument(value);
  if (!r.ok)
    return {
      adopted: false,
      reason: `support data from the hub is invalid, kept the current data: ${r.errors.slice(0, 3).join('; ')}`,
    };
  const current = newestHeldSupportData(path).doc;
  if (compareDataVersion(r.doc.dataVersion, current.dataVersion) <= 0)
    return {
      adopted: false,
      reason: `support data ${r.doc.dataVersion} is not newer than ${current.dataVersion}`,
    };
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(r.doc, null, 2)}\n`, { mode: 0o644 });
  chmodSync(tmp, 0o644);
  renameSync(tmp, path);
  return { adopted: true, doc: r.doc, previous: current.dataVersion };
}
