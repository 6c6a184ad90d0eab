import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AZURE_FILES,
  type AzureDocumentName,
  type AzureEvidence,
  type CollectorError,
} from '@watchpost/shared';

/**
 * Reads a bundle's `azure/` documents (`az aks show`, `az aksarc show`, `az k8s-extension list` output, or the
 * ARM resources). A missing file means "not collected" (the checks say which command makes it); a file that is
 * not JSON is a collector error naming the file (recorded on the document and in `errors`).
 */
export async function readAzureBundle(
  dir: string,
  errors: CollectorError[],
): Promise<AzureEvidence | undefined> {
  const azure: AzureEvidence = {};
  for (const [name, rel] of Object.entries(AZURE_FILES) as [AzureDocumentName, string][]) {
    let text: string;
    try {
      text = await readFile(join(dir, rel), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      azure[name] = {
        status: 'error',
        error: { source: `bundle/${rel}`, message: `cannot read ${rel}: ${code ?? (err as Error).message}` },
      };
      continue;
    }
    try {
      azure[name] = { status: 'ok', value: JSON.parse(text) as unknown };
    } catch (err) {
      azure[name] = {
        status: 'error',
        error: {
          source: `bundle/${rel}`,
          message: `${rel} is not valid JSON (${(err as Error).message}); save it again with \`az ... -o json\``,
        },
      };
    }
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
