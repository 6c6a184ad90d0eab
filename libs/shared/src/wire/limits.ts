/**
 * Bounds of one report envelope (issue 11: unbounded work). The agent never sends more (it folds results,
 * counting what it folded: `ReportEnvelopeV1.bounded`); the hub refuses more with a reason. One place so both
 * sides agree; docs/agent.md and docs/hub.md say why these numbers.
 */

/** Most results in one envelope. A 200,000-pod cluster's passes and fails fold into far fewer. */
export const MAX_ENVELOPE_RESULTS = 20_000;

/** Most bytes of one envelope's JSON, uncompressed (the hub's default decompression limit is 64 MiB). */
export const MAX_ENVELOPE_JSON_BYTES = 32 * 1024 * 1024;

/** Most bytes of one envelope as published (gzip), equal to the hub's default `WATCHPOST_MAX_REPORT_BYTES`. */
export const MAX_ENVELOPE_GZIP_BYTES = 4 * 1024 * 1024;

/** Most collector errors in one envelope; beyond it the rest are counted in one last error. */
export const MAX_ENVELOPE_COLLECTOR_ERRORS = 1_000;

/**
 * Accepted range of an envelope's `scannedAt`: from a fixed date (no Watchpost scan is older; a clock at 1970 is
 * not a scan time) to one day after the hub's receive time (clock drift). Old scans stay acceptable (an agent
 * delivering what it buffered, a support bundle scanned long after it was collected); outside the range the
 * report is refused as `timestamp-out-of-range`.
 */
export const SCANNED_AT_WINDOW = { notBefore: '2020-01-01T00:00:00.000Z', futureDays: 1 } as const;
