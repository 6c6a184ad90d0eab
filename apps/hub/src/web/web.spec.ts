import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { FIXTURE_NOW, seedFixture } from '../api/testing/api-fixture.js';
import { startApiTestApp, type ApiTestApp } from '../api/testing/api-test-app.js';

const CHROMIUM = process.env['WATCHPOST_CHROMIUM'] ?? '/usr/bin/chromium';

describe('web page in headless Chromium', () => {
  let t: ApiTestApp;
  let browser: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (scripts/setup.sh does)`);
    t = await startApiTestApp({ kind: 'sqlite', now: FIXTURE_NOW, seed: seedFixture });
    profile = mkdtempSync(join(tmpdir(), 'watchpost-chromium-'));
    // A fresh profile per run (launchPersistentContext owns --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function signedIn(token: string): Promise<Page> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(t.url + '/');
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#token', token);
    await page.click('#login-form button[type=submit]');
    (page as Page & { errors?: string[] }).errors = errors;
    return page;
  }

  // The hub's type-check has no DOM library: page-side code goes in as strings, text comes out via locators.
  const texts = async (page: Page, sel: string): Promise<string[]> =>
    (await page.locator(sel).allTextContents()).map((x) => x.trim());
  const inPage = async <T>(page: Page, expr: string): Promise<T> => await page.evaluate(expr);
  const attrs = (page: Page, sel: string, name: string) =>
    inPage<string[]>(
      page,
      `[...document.querySelectorAll(${JSON.stringify(sel)})].map((e) => e.getAttribute(${JSON.stringify(name)}))`,
    );
  const TOKEN_IN_STORAGE = "sessionStorage.getItem('watchpost.apiToken')";
  // Locator waits, not waitForFunction: the page's CSP (script-src 'self') forbids the eval that string
  // predicates need, which fails whenever the first check is not already true.
  const rowCount = async (page: Page, n: number) => {
    const rows = page.locator('#findings-table tbody tr');
    await rows.nth(n - 1).waitFor({ state: 'attached' });
    await rows.nth(n).waitFor({ state: 'detached' });
    await rows.nth(n - 1).waitFor({ state: 'attached' }); // not a table caught empty mid-render
  };

  it('asks for a token, then shows the fleet on-prem vs Azure, clusters, certificates and findings', async () => {
    const page = await signedIn(t.tokens.viewer);
    await page.waitForSelector('body[data-loaded="true"]');
    expect(await inPage(page, TOKEN_IN_STORAGE)).toBe(t.tokens.viewer);

    expect(await page.textContent('#fleet-counts')).toContain(
      '5 clusters: 2 online, 1 offline, 2 unknown; 2 stale',
    );
    const certRow = await texts(page, '#fleet-areas tr[data-area="certificates"] td');
    expect(certRow).toEqual(['certificates', '50', '100']);

    expect(await texts(page, '#certs-table tbody tr:first-child td')).toEqual([
      '2026-11-24T12:00:00.000Z',
      '1',
      'hci-mgmt',
      'CN=kube-apiserver',
      'fail',
    ]);
    expect(await texts(page, '#stale-list li')).toEqual([
      'new-cluster (aks): last report never',
      'arc-edge (arc): last report 2d ago',
    ]);

    const clusters = await attrs(page, '#clusters-table tbody tr', 'data-cluster');
    expect(clusters).toEqual(['aks-prod', 'arc-edge', 'hci-mgmt', 'hci-wl1', 'new-cluster']);
    expect(await page.textContent('#clusters-table tr[data-cluster="arc-edge"]')).toContain('stale');

    // Default filter: problems only (fail, warn, error), 50 a page with "load more".
    const outcomes = await attrs(page, '#findings-table tbody tr', 'data-outcome');
    expect(outcomes.length).toBe(29);
    expect(new Set(outcomes)).toEqual(new Set(['fail', 'warn', 'error']));
    expect(await page.isHidden('#more')).toBe(true);

    await page.selectOption('#filters select[name=severity]', 'critical');
    await page.click('#filters button[type=submit]');
    await rowCount(page, 2);
    expect(await texts(page, '#findings-table tbody tr td:nth-child(2)')).toEqual([
      'cert-expiry',
      'pod-privileged',
    ]);

    await page.selectOption('#filters select[name=severity]', '');
    await page.selectOption('#filters select[name=outcome]', '');
    await page.click('#filters button[type=submit]');
    await page.waitForSelector('#more:not([hidden])');
    expect(await page.locator('#findings-table tbody tr').count()).toBe(50);
    await page.click('#more');
    await rowCount(page, 76);
    expect(await page.isHidden('#more')).toBe(true);

    expect((page as Page & { errors?: string[] }).errors).toEqual([]);
    await page.close();
  });

  it('puts a refused token back to the sign-in form with the reason', async () => {
    const page = await signedIn('wpt_this-token-does-not-exist');
    await page.waitForSelector('#login:not([hidden])');
    await page.locator('#login-error:not(:empty)').waitFor();
    expect(await page.textContent('#login-error')).toContain('unknown, revoked or expired');
    expect(await inPage(page, TOKEN_IN_STORAGE)).toBeNull();
    await page.close();
  });

  it('serves the page with a strict content security policy and no data in it', async () => {
    const res = await fetch(t.url + '/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).not.toContain('hci-mgmt');
    expect((await fetch(t.url + '/web/app.js')).headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(t.url + '/web/secrets.txt')).status).toBe(404);
  });
});
