import type { Report } from '@watchpost/shared';

/** Text the top-level `results` key is replaced by while the rest of the report is printed (escaped by JSON). */
const RESULTS_MARK = '\u0000results\u0000';

/**
 * Writes exactly `JSON.stringify(report, null, 2) + '\n'`, one result at a time in chunks of about
 * `chunkChars`, instead of building the whole text first: a 10,000-pod report is about 17 MB of text, which
 * then needed as much again to be written.
 */
export function writeJsonReport(
  report: Report,
  write: (chunk: string) => void,
  chunkChars = 256 * 1024,
): void {
  const head = JSON.stringify({ ...report, results: RESULTS_MARK }, null, 2);
  // The mark can only appear as this top-level value: inside any string JSON escapes the quote before it.
  const marker = `\n  "results": ${JSON.stringify(RESULTS_MARK)}`;
  const at = head.indexOf(marker);
  if (at < 0 || report.results.length === 0) {
    write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  let chunk = `${head.slice(0, at)}\n  "results": [\n`;
  const last = report.results.length - 1;
  for (let i = 0; i <= last; i++) {
    // A result at depth 2 is its own indented text shifted by four spaces (newlines inside strings are escaped).
    chunk += `    ${JSON.stringify(report.results[i], null, 2).replace(/\n/g, '\n    ')}${i < last ? ',\n' : '\n'}`;
    if (chunk.length >= chunkChars) {
      write(chunk);
      chunk = '';
    }
  }
  write(`${chunk}  ]${head.slice(at + marker.length)}\n`);
}
