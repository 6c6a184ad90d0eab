import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  SUPPORT_DATA_KIND,
  builtInSupportDocument,
  compareDataVersion,
  isAzAksGetVersions,
  mergeAzAksGetVersions,
  newestSupportDocument,
  parseSupportDocument,
  type AzImportSummary,
  type KubernetesSupportDocument,
} from '@watchpost/shared';
import type { DataSource } from 'typeorm';
import { SupportDataEntity } from '../persistence/support-data.entity.js';

/** The newest document the hub stored, if any. */
export async function newestStoredSupportDocument(
  ds: DataSource,
): Promise<KubernetesSupportDocument | undefined> {
  const rows = await ds
    .getRepository(SupportDataEntity)
    .find({ select: { dataVersion: true, document: true } });
  const newest = rows.sort((a, b) => compareDataVersion(b.dataVersion, a.dataVersion))[0];
  if (!newest) return undefined;
  const r = parseSupportDocument(JSON.parse(newest.document) as unknown);
  // Rows are validated before insert; one that no longer validates (schema change) is not handed out.
  return r.ok ? r.doc : undefined;
}

/** The document the hub hands out: the newest of what it stored and what this build ships. */
export async function currentSupportDocument(ds: DataSource): Promise<KubernetesSupportDocument> {
  return newestSupportDocument([await newestStoredSupportDocument(ds), builtInSupportDocument()])!;
}

/** Outcome of `data import`. */
export type ImportResult =
  | {
      ok: true;
      doc: KubernetesSupportDocument;
      format: 'document' | 'az aks get-versions';
      previous: string;
      summary?: AzImportSummary;
    }
  | { ok: false; message: string };

/**
 * Reads, recognises, validates and stores one file: a support data document (`kind: WatchpostKubernetesSupport`)
 * or `az aks get-versions -o json` output (merged into the current document as its AKS patch lists). A file
 * not newer than what the hub already hands out is refused, so an old file can never roll agents back.
 * Every refusal names the file and the problem; nothing is written on refusal.
 */
export async function importSupportData(ds: DataSource, file: string, now: Date): Promise<ImportResult> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      message: `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(err))}`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    return {
      ok: false,
      message: `${file} is not valid JSON (${err instanceof Error ? err.message : String(err)}); export it with \`-o json\``,
    };
  }
  const current = await currentSupportDocument(ds);
  let doc: KubernetesSupportDocument;
  let format: 'document' | 'az aks get-versions';
  let summary: AzImportSummary | undefined;
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (kind === SUPPORT_DATA_KIND) {
    const r = parseSupportDocument(value);
    if (!r.ok)
      return {
        ok: false,
        message: `${file} is not a valid support data document:\n  ${r.errors.join('\n  ')}`,
      };
    doc = r.doc;
    format = 'document';
  } else if (isAzAksGetVersions(value)) {
    const r = mergeAzAksGetVersions(current, value, now);
    if (!r.ok)
      return {
        ok: false,
        message: `${file} is not usable \`az aks get-versions -o json\` output:\n  ${r.errors.join('\n  ')}`,
      };
    doc = r.doc;
    format = 'az aks get-versions';
    summary = r.summary;
  } else {
    return {
      ok: false,
      message: `${file} is neither a support data document (kind "${SUPPORT_DATA_KIND}") nor \`az aks get-versions -o json\` output (an object with "values" or "orchestrators")${typeof kind === 'string' ? `; it has kind "${kind}"` : ''}`,
    };
  }
  if (compareDataVersion(doc.dataVersion, current.dataVersion) <= 0)
    return {
      ok: false,
      message: `${file} holds data version ${doc.dataVersion}, not newer than ${current.dataVersion} which the hub already hands out; nothing imported`,
    };
  await ds.getRepository(SupportDataEntity).insert({
    dataVersion: doc.dataVersion,
    compiledAt: doc.compiledAt,
    document: JSON.stringify(doc),
    source: `${basename(file)} (${format})`.slice(0, 512),
    importedAt: now.toISOString(),
  });
  return { ok: true, doc, format, previous: current.dataVersion, ...(summary ? { summary } : {}) };
}
