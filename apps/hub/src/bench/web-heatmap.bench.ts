import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { startApiTestApp } from '../api/testing/api-test-app.js';
import { generatedFleet, seedClusters } from '../api/testing/posture-seed.js';

/**
 * Time to first heatmap render in headless Chromium with 1,000 clusters x 100 checks stored (SQLite): from
 * navigation start to the page's `heatmap-rendered` mark (clusters fetched, filtered, sorted, first page of
 * each group in the DOM). The token is in sessionStorage already, as after the sign-in.
 */
export const name = 'web-heatmap';

const CLUSTERS = 1000;
const CHECKS = 100;
const WARMUP = 1;
const RUNS = 5;
const CHROMIUM = process.env['WATCHPOST_CHROMIUM'] ?? '/usr/bin/chromium';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)]);
};

export async function run(): Promise<Record<string, unknown>[]> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium`);
  const now = new Date('2026-11-23T12:00:00.000Z');
  const seedStart = performance.now();
  const app = await startApiTestApp({
    kind: 'sqlite',
    now,
    seed: (ds) => seedClusters(ds, generatedFleet(CLUSTERS, CHECKS, now), '2026-10-01T00:00:00.000Z'),
  });
  const seedMs = Math.round(performance.now() - seedStart);
  const profile = mkdtempSync(join(tmpdir(), 'watchpost-bench-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
  });
  try {
    const renders: number[] = [];
    const clustersApi: number[] = [];
    const sorts: number[] = [];
    let rows = 0;
    let clustersBytes = 0;
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const page = await browser.newPage();
      await page.addInitScript({
        content: `sessionStorage.setItem('watchpost.apiToken', ${JSON.stringify(app.tokens.viewer)});`,
      });
      await page.goto(`${app.url}/`);
      await page.waitForSelector('body[data-heatmap="rendered"]', { timeout: 120_000 });
      const m = await page.evaluate<{ render: number; api: number; bytes: number; rows: number }>(`(() => {
        const api = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/v1/clusters'));
        return {
          render: performance.getEntriesByName('heatmap-rendered')[0].startTime,
          api: api ? api.duration : -1,
          bytes: api ? api.encodedBodySize : -1,
          rows: document.querySelectorAll('#heatmap tr[data-cluster]').length,
        };
      })()`);
      // A re-sort of all 1,000 clusters, from the click to the new rows in the DOM.
      const t0 = performance.now();
      await page.click('#heatmap-onPrem button[data-sort="name"]');
      await page.waitForSelector('#heatmap-onPrem th[aria-sort="ascending"] button[data-sort="name"]');
      const sortMs = performance.now() - t0;
      if (i >= WARMUP) {
        renders.push(m.render);
        clustersApi.push(m.api);
        sorts.push(sortMs);
      }
      rows = m.rows;
      clustersBytes = m.bytes;
      await page.close();
    }
    return [
      {
        name,
        clusters: CLUSTERS,
        checks: CHECKS,
        runs: RUNS,
        firstRenderMedianMs: median(renders),
        firstRenderMaxMs: Math.round(Math.max(...renders)),
        clustersApiMedianMs: median(clustersApi),
        clustersResponseBytes: clustersBytes,
        rowsRendered: rows,
        resortMedianMs: median(sorts),
        seedMs,
      },
    ];
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
    await app.close();
  }
}
