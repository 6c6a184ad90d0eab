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
  // A batch that is not the last is printed with a `0` after its results, so that its text already holds the
  // `,\n` that follows them: each chunk is one slice of the batch's text. Joining the slice and a separator made
  // a second flat copy of every batch when it was written (17 MB more garbage at 10,000 pods).
  const sentinel = `    0${suffix}`;
  const { results } = report;
  const batch = Math.max(1, Math.floor(chunkChars / 1024));
  for (let i = 0; i < results.length; i += batch) {
    const part = results.slice(i, i + batch);
    const more = i + batch < results.length;
    if (more) part.push(0 as unknown as Report['results'][number]);
    const text = JSON.stringify({ results: part }, null, 2);
    // The last batch keeps the newline before the suffix; the others keep `,\n` and drop the sentinel.
    yield text.slice(prefix.length, text.length - (more ? sentinel.length : suffix.length - 1));
  }
  yield `  ]${head.slice(at + marker.length)}\n`;
}
