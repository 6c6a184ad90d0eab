import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Evidence } from '@watchpost/shared';
import { azureBundleFiles } from './azure/azure-bundle.js';

/**
 * Writes Evidence as a bundle folder (DESIGN.md section 5) that `scan --bundle` reads back into the same
 * Evidence. Private keys were never in Evidence, so they are not in the bundle either: a key file is
 * written as a note saying so (its mode is kept), and the key/cert checks report what they can.
 */
export async function writeBundle(evidence: Evidence, out: string): Promise<{ files: number }> {
  let files = 0;
  const put = async (rel: string, content: string, mode?: number) => {
    const file = join(out, rel);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    if (mode !== undefined) await chmod(file, mode & 0o777);
    files += 1;
  };
  await put(
    'cluster.json',
    JSON.stringify({ ...evidence.cluster, collectedAt: evidence.collectedAt }, null, 2) + '\n',
  );
  for (const [resource, entry] of Object.entries(evidence.kube)) {
    if (entry.status !== 'ok') continue; // "missing file = not collected"; the reason is in collector-errors.json
    await put(
      `kube/${resource}.json`,
      JSON.stringify(
        { apiVersion: 'v1', kind: 'List', items: entry.items, metadata: { resourceVersion: '' } },
        null,
        2,
      ) + '\n',
    );
  }
  for (const file of Object.values(evidence.host)) {
    // Files that held a key keep only their certificate blocks; the key's facts go to collection.json.
    if (file.content !== undefined)
      await put(`host${file.path}`, file.content, file.privateKey ? 0o600 : file.mode);
  }
  for (const [name, value] of Object.entries(evidence.probes))
    await put(`probes/${name}.json`, JSON.stringify(value, null, 2) + '\n');
  for (const f of azureBundleFiles(evidence.azure)) await put(f.path, f.content);
  if (evidence.history) await put('history.json', JSON.stringify(evidence.history, null, 2) + '\n');
  const notes = {
    source: evidence.source,
    collectorErrors: evidence.collectorErrors,
    notCollected: Object.entries(evidence.kube)
      .filter(([, e]) => e.status !== 'ok')
      .map(([r, e]) => ({ resource: r, status: e.status })),
    privateKeysOmitted: Object.values(evidence.host)
      .filter((f) => f.privateKey)
      .map((f) => ({ path: f.path, mode: f.mode, ...f.privateKey })),
  };
  await put('collection.json', JSON.stringify(notes, null, 2) + '\n');
  return { files };
}
