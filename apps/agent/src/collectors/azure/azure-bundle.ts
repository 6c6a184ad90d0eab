import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  AZURE_FILES,
  type AzureDocumentName,
  type AzureEvidence,
  type CollectorError,
} from '@watchpost/shared';

/** One parsed JSON file of a bundle, or the collector error that says why not (never a byte of it). */
export type ReadBundleJson = (
  file: string,
  label: string,
  hint: string,
) => { ok: true; value: unknown } | { ok: false; error: CollectorError };

/**
 * Reads a bundle's `azure/` documents (`az aks show`, `az aksarc show`, `az k8s-extension list` output, or the
 * ARM resources) through the bundle's own reader (`read`: links kept inside the bundle, special files refused,
 * size and depth capped, as for every other bundle file). A missing file means "not collected" (the checks say
 * which command makes it); a file that cannot be read or is not JSON is a collector error naming the file
 * (recorded on the document and in `errors`).
 */
export function readAzureBundle(
  dir: string,
  errors: CollectorError[],
  read: ReadBundleJson,
): AzureEvidence | undefined {
  const azure: AzureEvidence = {};
  for (const [name, rel] of Object.entries(AZURE_FILES) as [AzureDocumentName, string][]) {
    const file = join(dir, rel);
    if (!existsSync(file)) continue; // not collected (or azure/ is not a folder)
    const doc = read(file, rel, 'save it again with `az ... -o json`');
    azure[name] = doc.ok ? { status: 'ok', value: doc.value } : { status: 'error', error: doc.error };
  }
  for (const doc of Object.values(azure)) if (doc.status === 'error') errors.push(doc.error);
  return Object.keys(azure).length ? azure : undefined;
}

/** The files `writeBundle` writes for `Evidence.azure` (errors stay in collection.json). */
export function azureBundleFiles(azure: AzureEvidence | undefined): { path: string; content: string }[] {
  return (Object.entries(azure ?? {}) as [AzureDocumentName, AzureEvidence[AzureDocumentName]][])
    .filter(([, doc]) => doc?.status === 'ok')
    .map(([name, doc]) => ({
      path: AZURE_FILES[name],
      content: JSON.stringify(doc?.status === 'ok' ? doc.value : null, null, 2) + '\n',
    }));
}
