import type { Report } from '@watchpost/shared';

/** Text the top-level `results` key is replaced by while the rest of the report is printed (escaped by JSON). */
const RESULTS_MARK = '\u0000results\u0000';

/**
 * Writes exactly `JSON.stringify(report, null, 2) + '\n'` in batches of results (about `chunkChars` of text
 * each, at roughly 1 KB a result) instead of building the whole text first: a 10,000-pod report is about 17 MB
 * of text, which then needed as much again to be written.
 *
 * Batches stay small (32 KB): the text of a batch has to be made flat for slicing and writing, and that cost
 * about three times as much per byte for 256 KB batches (past V8's 128 KB regular object size, each such string
 * is a large object of its own) as for 32 KB ones; the 19,000 results of a 10,000-pod scan were written in
 * ~180-390 ms, now ~50-90 ms.
 */
export function writeJsonReport(
  report: Report,
  write: (chunk: string) => void,
  chunkChars = 32 * 1024,
): void {
  for (const chunk of jsonReportChunks(report, chunkChars)) write(chunk);
}

/**
 * The text `writeJsonReport` writes, chunk by chunk, made as it is asked for: a writer that must wait for its
 * output (a pipe) holds one chunk at a time, not the whole report.
 */
export function* jsonReportChunks(
  report: Report,
  chunkChars = 32 * 1024,
): Generator<string, void, undefined> {
  const head = JSON.stringify({ ...report, results: RESULTS_MARK }, null, 2);
  // The mark can only appear as this top-level value: inside any string JSON escapes the quote before it.
  const marker = `\n  "results": ${JSON.stringify(RESULTS_MARK)}`;
  const at = head.indexOf(marker);
  if (at < 0 || report.results.length === 0) {
    yield JSON.stringify(report, null, 2) + '\n';
    return;
  }
  yield `${head.slice(0, at)}\n  "results": [\n`;
  // A batch printed as the value of a top-level key sits at the report's own indentation: its elements are
  // the report's text as they are, between this prefix and suffix.
  const prefix = '{\n  "results": [\n';
  const suffix = '\n  ]\n}';
  const batch = Math.max(1, Math.floor(chunkChars / 1024));
  for (let i = 0; i < report.results.length; i += batch) {
    const text = JSON.stringify({ results: report.results.slice(i, i + batch) }, null, 2);
    const more = i + batch < report.results.length;
    yield `${text.slice(prefix.length, text.length - suffix.length)}${more ? ',\n' : '\n'}`;
  }
  yield `  ]${head.slice(at + marker.length)}\n`;
}
