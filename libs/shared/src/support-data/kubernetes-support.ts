import * as z from 'zod';
import shippedDocument from './kubernetes-support.json' with { type: 'json' };

/**
 * The Kubernetes support data document: which minors and patches each platform supports and until when
 * (AKS Arc release calendar, AKS in Azure, upstream). Data, not code: the agent ships one, the hub imports
 * newer ones (`watchpost-hub data import FILE`) and hands them to agents with their acks, and the agent uses
 * the newest it has. This file owns the format (a zod schema, validated wherever a document enters), the
 * ordering of versions, and the conversion of `az aks get-versions -o json` output into a document.
 */

/** `kind` of every support data document. */
export const SUPPORT_DATA_KIND = 'WatchpostKubernetesSupport';

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const MINOR = /^1\.(0|[1-9]\d*)$/;
const PATCH = /^1\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
/** `YYYY.M.N`: year and month it was compiled, then a counter; compared numerically, part by part. */
const DATA_VERSION = /^\d{4}\.(0?[1-9]|1[0-2])\.(0|[1-9]\d*)$/;

const day = z.string().regex(DAY, 'must be a day, YYYY-MM-DD');
const month = z.string().regex(MONTH, 'must be a month, YYYY-MM');
const minor = z.string().regex(MINOR, 'must be a Kubernetes minor such as 1.33');
const patch = z.string().regex(PATCH, 'must be a Kubernetes patch version such as 1.33.4');

/** Zod schema of support data documents, schema version 1. */
export const kubernetesSupportSchema = z
  .strictObject({
    kind: z.literal(SUPPORT_DATA_KIND),
    schemaVersion: z.literal(1),
    dataVersion: z.string().regex(DATA_VERSION, 'must look like 2026.12.0 (year.month.counter)'),
    /** Day the entries were last compared with their sources. */
    compiledAt: day,
    /** Past this many days after `compiledAt` the data itself is reported as stale (its own warning). */
    maxAgeDays: z.number().int().positive().max(3650),
    /** Warn this many days before a minor's end of life. */
    warnBeforeEndDays: z.number().int().nonnegative().max(365),
    /**
     * AKS Arc ships a release every one to three months: when the newest release listed is older than this
     * many days at evaluation time, the window it states is known to be out of date.
     */
    aksArcStaleAfterDays: z.number().int().positive().max(3650),
    sources: z
      .array(z.strictObject({ name: z.string().min(1).max(200), url: z.string().max(500).optional() }))
      .max(50),
    upstream: z
      .array(
        z.strictObject({
          minor,
          released: day,
          endOfLife: day,
          /** Newest upstream patch known when compiled. */
          latestPatch: patch.optional(),
          /** Not yet published when compiled: follows the published cadence, replace on the next refresh. */
          projected: z.boolean().optional(),
        }),
      )
      .min(1)
      .max(200),
    aks: z
      .array(
        z.strictObject({
          minor,
          gaMonth: month,
          /** Last month of standard support (support runs through its last day). */
          endOfLifeMonth: month,
          /** First unsupported day, when AKS states an exact day instead of a month (1.30: 2025-08-22). */
          endOfLifeDay: day.optional(),
          /** Last month of Premium-tier long-term support, when AKS offers LTS for the minor. */
          ltsEndOfLifeMonth: month.optional(),
          /** Patch versions AKS offers for the minor, newest first (from `az aks get-versions`). */
          patches: z.array(patch).max(100).optional(),
          projected: z.boolean().optional(),
        }),
      )
      .min(1)
      .max(200),
    aksArc: z
      .array(
        z.strictObject({
          /** Release name, `YYMM` (2510 = October 2025). */
          release: z.string().regex(/^\d{2}(0[1-9]|1[0-2])$/, 'must be a release name such as 2510'),
          month,
          /** The three minors (N-2) the release supports. */
          minors: z.array(minor).min(1).max(6),
          /** Patch versions the release ships (two per minor). */
          versions: z.array(patch).max(30).optional(),
          projected: z.boolean().optional(),
        }),
      )
      .max(200),
  })
  .superRefine((doc, ctx) => {
    const dupes = (list: string[], path: (string | number)[], what: string): void => {
      const seen = new Set<string>();
      list.forEach((v, i) => {
        if (seen.has(v))
          ctx.addIssue({ code: 'custom', path: [...path, i], message: `duplicate ${what} ${v}` });
        seen.add(v);
      });
    };
    dupes(
      doc.upstream.map((e) => e.minor),
      ['upstream'],
      'minor',
    );
    dupes(
      doc.aks.map((e) => e.minor),
      ['aks'],
      'minor',
    );
    dupes(
      doc.aksArc.map((e) => e.release),
      ['aksArc'],
      'release',
    );
    doc.upstream.forEach((e, i) => {
      if (e.endOfLife <= e.released)
        ctx.addIssue({
          code: 'custom',
          path: ['upstream', i, 'endOfLife'],
          message: 'must be after released',
        });
      if (e.latestPatch && minorOfPatch(e.latestPatch) !== e.minor)
        ctx.addIssue({
          code: 'custom',
          path: ['upstream', i, 'latestPatch'],
          message: `is not a ${e.minor} patch`,
        });
    });
    doc.aks.forEach((e, i) => {
      if (e.endOfLifeMonth < e.gaMonth)
        ctx.addIssue({
          code: 'custom',
          path: ['aks', i, 'endOfLifeMonth'],
          message: 'must not be before gaMonth',
        });
      (e.patches ?? []).forEach((p, j) => {
        if (minorOfPatch(p) !== e.minor)
          ctx.addIssue({
            code: 'custom',
            path: ['aks', i, 'patches', j],
            message: `${p} is not a ${e.minor} patch`,
          });
      });
    });
    doc.aksArc.forEach((r, i) => {
      if (`20${r.release.slice(0, 2)}-${r.release.slice(2)}` !== r.month)
        ctx.addIssue({
          code: 'custom',
          path: ['aksArc', i, 'month'],
          message: `release ${r.release} is month 20${r.release.slice(0, 2)}-${r.release.slice(2)}`,
        });
      (r.versions ?? []).forEach((p, j) => {
        if (!r.minors.includes(minorOfPatch(p)))
          ctx.addIssue({
            code: 'custom',
            path: ['aksArc', i, 'versions', j],
            message: `${p} is not one of the release's minors ${r.minors.join(', ')}`,
          });
      });
    });
  });

/** A support data document (schema version 1). */
export type KubernetesSupportDocument = z.infer<typeof kubernetesSupportSchema>;

/** `1.33.4` → `1.33` */
export function minorOfPatch(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

/** Orders two `YYYY.M.N` data versions numerically (negative: a is older). */
export function compareDataVersion(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Orders two patch versions numerically (`1.33.10` > `1.33.9`). */
export function comparePatch(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The newest of some documents by `dataVersion` (the first one wins a tie). */
export function newestSupportDocument(
  docs: readonly (KubernetesSupportDocument | undefined)[],
): KubernetesSupportDocument | undefined {
  let best: KubernetesSupportDocument | undefined;
  for (const d of docs) if (d && (!best || compareDataVersion(d.dataVersion, best.dataVersion) > 0)) best = d;
  return best;
}

/** Validation result: the document, or every problem as `field.path: message`. */
export type SupportDocumentResult =
  { ok: true; doc: KubernetesSupportDocument } | { ok: false; errors: string[] };

/** Validates a parsed JSON value as a support data document. */
export function parseSupportDocument(value: unknown): SupportDocumentResult {
  const r = kubernetesSupportSchema.safeParse(value);
  if (r.success) return { ok: true, doc: r.data };
  return {
    ok: false,
    errors: r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(document)'}: ${i.message}`),
  };
}

/**
 * The document shipped with this build (`kubernetes-support.json`, imported as a JSON module: tsc copies it beside
 * the compiled module and the agent's bundle holds it inline, so nothing looks for the file at run time). It is not
 * validated here: it is part of the build, and kubernetes-support.spec.ts proves that the schema accepts it and
 * gives it back unchanged. Validating it at run time cost every scan about 10 ms (zod compiling the schema's
 * checks on their first use) to re-check a file the tests already checked.
 */
export function builtInSupportDocument(): KubernetesSupportDocument {
  return shippedDocument as KubernetesSupportDocument;
}

/** Whole days from `compiledAt` to `now` (never negative: evaluating the past finds the data "fresh"). */
export function supportDataAgeDays(doc: KubernetesSupportDocument, now: Date): number {
  const compiled = Date.parse(`${doc.compiledAt}T00:00:00Z`);
  return Math.max(0, Math.floor((now.getTime() - compiled) / 86_400_000));
}

// ---- az aks get-versions -o json ---------------------------------------------------------------------------

/** True when the value looks like `az aks get-versions -o json` output (current or pre-2023 shape). */
export function isAzAksGetVersions(value: unknown): boolean {
  const o = value as Record<string, unknown> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    (Array.isArray(o['values']) || Array.isArray(o['orchestrators'])) &&
    o['kind'] === undefined
  );
}

/** What an `az aks get-versions` import changed, for the import command to print. */
export interface AzImportSummary {
  location?: string;
  /** Minors whose patch list was set, with the newest patch. */
  updated: { minor: string; newest: string; patches: number }[];
  /** GA minors `az` lists that the calendar does not know (their patches cannot be kept without dates). */
  unknownMinors: string[];
  /** Preview minors skipped. */
  previews: string[];
}

/**
 * Builds a new document from `base` with the AKS patch lists taken from `az aks get-versions -o json`
 * output (the `values[].patchVersions` shape of API 2023-02 and later, or the older `orchestrators[]`).
 * The new document's `dataVersion` is newer than `base`'s and `compiledAt` is `now`. Errors name the field.
 */
export function mergeAzAksGetVersions(
  base: KubernetesSupportDocument,
  value: unknown,
  now: Date,
): { ok: true; doc: KubernetesSupportDocument; summary: AzImportSummary } | { ok: false; errors: string[] } {
  const o = value as Record<string, unknown>;
  const byMinor = new Map<string, Set<string>>();
  const previews = new Set<string>();
  const errors: string[] = [];
  if (Array.isArray(o['values'])) {
    (o['values'] as unknown[]).forEach((v, i) => {
      const e = v as Record<string, unknown> | null;
      const m = e?.['version'];
      if (typeof m !== 'string' || !MINOR.test(m)) {
        errors.push(`values.${i}.version: expected a minor such as "1.33", got ${JSON.stringify(m)}`);
        return;
      }
      if (e?.['isPreview'] === true) {
        previews.add(m);
        return;
      }
      const pv = e?.['patchVersions'];
      if (typeof pv !== 'object' || pv === null || Array.isArray(pv)) {
        errors.push(`values.${i}.patchVersions: expected an object keyed by patch version`);
        return;
      }
      for (const p of Object.keys(pv)) {
        if (!PATCH.test(p) || minorOfPatch(p) !== m) {
          errors.push(`values.${i}.patchVersions: "${p}" is not a ${m} patch version`);
          continue;
        }
        (byMinor.get(m) ?? byMinor.set(m, new Set()).get(m)!).add(p);
      }
    });
  } else {
    (o['orchestrators'] as unknown[]).forEach((v, i) => {
      const e = v as Record<string, unknown> | null;
      const p = e?.['orchestratorVersion'];
      if (typeof p !== 'string' || !PATCH.test(p)) {
        errors.push(
          `orchestrators.${i}.orchestratorVersion: expected a version such as "1.27.3", got ${JSON.stringify(p)}`,
        );
        return;
      }
      if (e?.['isPreview'] === true) {
        previews.add(minorOfPatch(p));
        return;
      }
      (byMinor.get(minorOfPatch(p)) ?? byMinor.set(minorOfPatch(p), new Set()).get(minorOfPatch(p))!).add(p);
    });
  }
  if (errors.length) return { ok: false, errors };
  if (byMinor.size === 0)
    return {
      ok: false,
      errors: ['(document): lists no generally available Kubernetes version (only previews, or nothing)'],
    };

  const id = typeof o['id'] === 'string' ? o['id'] : '';
  const location = /\/locations\/([^/]+)\//i.exec(id)?.[1];
  const summary: AzImportSummary = { updated: [], unknownMinors: [], previews: [...previews].sort() };
  if (location) summary.location = location;
  const aks = base.aks.map((entry) => {
    const set = byMinor.get(entry.minor);
    if (!set) return entry;
    const patches = [...set].sort(comparePatch).reverse();
    summary.updated.push({ minor: entry.minor, newest: patches[0], patches: patches.length });
    return { ...entry, patches };
  });
  summary.unknownMinors = [...byMinor.keys()].filter((m) => !base.aks.some((e) => e.minor === m)).sort();

  const y = now.getUTCFullYear();
  const mo = now.getUTCMonth() + 1;
  const [by, bm, bn] = base.dataVersion.split('.').map(Number) as [number, number, number];
  const dataVersion =
    by === y && bm === mo
      ? `${y}.${mo}.${bn + 1}`
      : compareDataVersion(`${y}.${mo}.0`, base.dataVersion) > 0
        ? `${y}.${mo}.0`
        : `${by}.${bm}.${bn + 1}`;
  const source = {
    name: `az aks get-versions${location ? ` --location ${location}` : ''} (imported ${now.toISOString().slice(0, 10)})`,
  };
  const doc: KubernetesSupportDocument = {
    ...base,
    dataVersion,
    compiledAt: now.toISOString().slice(0, 10),
    sources: [...base.sources.filter((s) => !s.name.startsWith('az aks get-versions')), source],
    aks,
  };
  const checked = parseSupportDocument(doc);
  return checked.ok ? { ok: true, doc: checked.doc, summary } : { ok: false, errors: checked.errors };
}
