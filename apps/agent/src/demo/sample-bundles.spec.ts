import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from '@jest/globals';
import type { Report } from '@watchpost/shared';
import { readBundle } from '../collectors/bundle.reader.js';
import { runChecks } from '../scan/runner.js';
import { refreshSampleBundle, SAMPLE_BUNDLES, shiftTimes } from './sample-bundles.js';

const BUNDLES = fileURLToPath(new URL('../../../../test/fixtures/bundles', import.meta.url));
const D = 86_400_000;

// The age of the agent's own support data is judged against the scan time, and that data is not part of a bundle,
// so it is no verdict about the sample clusters.
const verdicts = (r: Report) =>
  r.results
    .filter((x) => x.resource.kind !== 'SupportData')
    .map((x) => `${x.checkId} ${x.outcome} ${JSON.stringify(x.resource)}`)
    .sort();

describe('demo bundles made current', () => {
  const out = mkdtempSync(join(tmpdir(), 'wp-demo-bundles-'));
  const keys = new Map<string, string>();
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('shiftTimes moves ISO UTC times only, keeping their precision', () => {
    expect(
      shiftTimes(
        { a: '2026-11-23T10:00:00Z', b: ['2026-11-23T10:00:00.250Z', 'v1.31.5', '2026-11-23'], n: 3 },
        D,
      ),
    ).toEqual({ a: '2026-11-24T10:00:00Z', b: ['2026-11-24T10:00:00.250Z', 'v1.31.5', '2026-11-23'], n: 3 });
  });

  // A year and a half after the fixtures were collected: every designed finding is still there, no more, no less.
  test.each(SAMPLE_BUNDLES)(
    '%s scanned at its new collection time gives the verdicts of the fixture',
    async (sample) => {
      const src = join(BUNDLES, sample);
      const fixture = await readBundle(src);
      const now = new Date(Date.parse(fixture.collectedAt) + 550 * D);
      const dst = join(out, sample);
      const shift = refreshSampleBundle(src, dst, now, keys);
      expect(shift).toBe(550 * D);
      const live = await readBundle(dst);
      expect(Date.parse(live.collectedAt)).toBe(now.getTime());
      const before = runChecks(fixture, { now: new Date(fixture.collectedAt) });
      const after = runChecks(live, { now });
      expect(verdicts(after)).toEqual(verdicts(before));
      // The fixture itself is untouched.
      const committed = JSON.parse(readFileSync(join(src, 'cluster.json'), 'utf8')) as {
        collectedAt: string;
      };
      expect(Date.parse(committed.collectedAt)).toBe(Date.parse(fixture.collectedAt));
    },
    120_000,
  );
});
