import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CATALOGUE } from '@watchpost/shared';
import { FIXTURE_CLUSTERS, FIXTURE_NOW } from '../api/testing/api-fixture.js';
import { startApiTestApp, type ApiTestApp } from '../api/testing/api-test-app.js';
import { generatedFleet, seedClusters } from '../api/testing/posture-seed.js';
import { seedWebFixture } from './testing/web-fixture.js';

const CHROMIUM = process.env['WATCHPOST_CHROMIUM'] ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** Screenshots for people to look at (gitignored). */
const ARTIFACTS = join(ROOT, '.artifacts', 'web');
const AREA_COLUMNS = [
  'certificates',
  'encryption',
  'network',
  'identity',
  'access',
  'workload',
  'platform',
  'overall',
];
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];
const GOLDEN_CLUSTER = 'hci-wl-retail';
const ALL_CLUSTERS = [...FIXTURE_CLUSTERS.map((c) => c.name), GOLDEN_CLUSTER];

// Collected per page: uncaught errors, console errors (Chromium logs CSP refusals there too) and every
// securitypolicyviolation event, recorded by a listener installed before the page's own script runs.
type WatchedPage = Page & { problems: string[] };
const CSP_LISTENER = `document.addEventListener('securitypolicyviolation', (e) =>
  console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`;

let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (scripts/setup.sh does)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'watchpost-chromium-'));
  // A fresh profile per run (launchPersistentContext owns --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
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
  if (profile) rmSync(profile, { recursive: true, force: true });
});

// The hub's type-check has no DOM library: page-side code goes in as strings, text comes out via locators.
const texts = async (page: Page, sel: string): Promise<string[]> =>
  (await page.locator(sel).allTextContents()).map((x) => x.trim());
const attrs = (page: Page, sel: string, name: string): Promise<(string | null)[]> =>
  page
    .locator(sel)
    .evaluateAll(
      (els, n) =>
        els.map((e) => (e as unknown as { getAttribute(a: string): string | null }).getAttribute(n)),
      name,
    );
const TOKEN_IN_STORAGE = "sessionStorage.getItem('watchpost.apiToken')";

async function watched(): Promise<WatchedPage> {
  const page = (await browser.newPage()) as WatchedPage;
  page.problems = [];
  await page.addInitScript({ content: CSP_LISTENER });
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(`console: ${m.text()}`);
  });
  return page;
}

async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('#login:not([hidden])');
  await page.fill('#token', token);
  await page.click('#login-form button[type=submit]');
}

function isSeverityOrdered(list: (string | null)[]): boolean {
  const ranks = list.map((s) => SEVERITY_ORDER.indexOf(s ?? ''));
  return ranks.every((r, i) => r >= 0 && (i === 0 || r >= ranks[i - 1]));
}

describe.each(['sqlite', 'postgres'] as const)('web app in headless Chromium on %s', (kind) => {
  let t: ApiTestApp;

  beforeAll(async () => {
    t = await startApiTestApp({ kind, now: FIXTURE_NOW, seed: seedWebFixture });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows the heatmap with every cluster x area, grouped on-prem vs Azure, sortable and filterable', async () => {
    const page = await watched();
    await signIn(page, t.url + '/', t.tokens.viewer);
    await page.waitForSelector('body[data-heatmap="rendered"]');
    expect(await page.evaluate(TOKEN_IN_STORAGE)).toBe(t.tokens.viewer);

    // Every cluster has one row, and every row one cell per area plus overall.
    expect((await attrs(page, '#heatmap tr[data-cluster]', 'data-cluster')).sort()).toEqual(
      [...ALL_CLUSTERS].sort(),
    );
    for (const name of ALL_CLUSTERS) {
      expect(await attrs(page, `#heatmap tr[data-cluster="${name}"] td.heat`, 'data-area')).toEqual(
        AREA_COLUMNS,
      );
    }
    expect((await attrs(page, '#heatmap-onPrem tr[data-cluster]', 'data-cluster')).sort()).toEqual([
      'arc-edge',
      'hci-mgmt',
      'hci-wl-retail',
      'hci-wl1',
    ]);
    expect((await attrs(page, '#heatmap-azure tr[data-cluster]', 'data-cluster')).sort()).toEqual([
      'aks-prod',
      'new-cluster',
    ]);
    // Scores as text (colour is never the only signal); no results is a dash, not a zero.
    const mgmt = '#heatmap tr[data-cluster="hci-mgmt"]';
    expect(await page.textContent(`${mgmt} td[data-area="certificates"]`)).toContain('33');
    expect(await page.textContent(`${mgmt} td[data-area="encryption"]`)).toContain('100');
    expect(await page.textContent(`${mgmt} td[data-area="network"]`)).toContain('–');
    expect(await page.getAttribute(`${mgmt} td[data-area="certificates"] a`, 'aria-label')).toContain(
      'score 33 of 100',
    );
    // The worst open severity marks the cell with a class and a shape, and says it in words.
    expect(await page.getAttribute(`${mgmt} td[data-area="certificates"]`, 'class')).toContain(
      'worst-critical',
    );
    expect(await page.textContent(`${mgmt} td[data-area="certificates"] .glyph`)).toBe('◆');
    expect(await page.getAttribute(`${mgmt} td[data-area="access"] a`, 'aria-label')).toBe(
      'hci-mgmt access: score 0 of 100, worst open finding high',
    );
    expect(await page.getAttribute(`${mgmt} td[data-area="overall"] a`, 'aria-label')).toContain(
      'worst open finding critical',
    );
    expect(await page.locator(`${mgmt} td[data-area="workload"] .glyph`).count()).toBe(0);
    // Liveness and the report age in words, the exact time on hover.
    expect(await page.textContent('#heatmap tr[data-cluster="arc-edge"]')).toContain('stale');
    expect(await page.textContent('#heatmap tr[data-cluster="new-cluster"]')).toContain('never');
    expect(await page.textContent('#heatmap tr[data-cluster="hci-mgmt"] td.age')).toBe('10 min ago');
    expect(await page.getAttribute('#heatmap tr[data-cluster="hci-mgmt"] td.age time', 'title')).toBe(
      '2026-11-23 11:50:00 UTC',
    );
    expect(await page.textContent('#fleet-counts')).toContain('6 clusters');

    await page.screenshot({ path: join(ARTIFACTS, `heatmap-${kind}.png`), fullPage: true });

    // Default order: overall score, worst first; by name descending after two clicks on the header.
    expect(await attrs(page, '#heatmap-onPrem tr[data-cluster]', 'data-cluster')).toEqual([
      'hci-wl1', // 25
      'hci-mgmt', // 33
      'arc-edge', // 50
      'hci-wl-retail', // 80 (the golden sample is a whole real scan)
    ]);
    await page.click('#heatmap-onPrem button[data-sort="name"]');
    await page.click('#heatmap-onPrem button[data-sort="name"]');
    expect(await attrs(page, '#heatmap-onPrem tr[data-cluster]', 'data-cluster')).toEqual([
      'hci-wl1',
      'hci-wl-retail',
      'hci-mgmt',
      'arc-edge',
    ]);
    expect(await page.getAttribute('#heatmap-onPrem button[data-sort="name"] >> xpath=..', 'aria-sort')).toBe(
      'descending',
    );
    // Filters narrow the rows and go into the URL, so a reload keeps them.
    await page.selectOption('#heat-filters select[name=platform]', 'aks-hci');
    await page.fill('#heat-filters input[name=location]', 'seattle');
    await page.locator('#heatmap tr[data-cluster="hci-mgmt"]').waitFor({ state: 'detached' });
    expect(await attrs(page, '#heatmap tr[data-cluster]', 'data-cluster')).toEqual([GOLDEN_CLUSTER]);
    expect(page.url()).toContain('platform=aks-hci');
    expect(page.url()).toContain('location=seattle');
    await page.reload();
    await page.waitForSelector('body[data-heatmap="rendered"]');
    expect(await attrs(page, '#heatmap tr[data-cluster]', 'data-cluster')).toEqual([GOLDEN_CLUSTER]);
    expect(await page.inputValue('#heat-filters select[name=platform]')).toBe('aks-hci');

    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('clicks through to a cluster page: findings severity-first with remediation, certificates, agents, trend', async () => {
    const page = await watched();
    await signIn(page, t.url + '/', t.tokens.viewer);
    await page.waitForSelector('body[data-heatmap="rendered"]');
    await page.click('#heatmap tr[data-cluster="hci-mgmt"] th a');
    await page.waitForSelector('body[data-cluster="hci-mgmt"]');
    expect(new URL(page.url()).pathname).toBe('/clusters/hci-mgmt');
    expect(await page.textContent('#cluster-name')).toBe('hci-mgmt');

    const severities = await attrs(page, '#cluster-findings tbody tr', 'data-severity');
    expect(severities).toEqual(['critical', 'high', 'high']);
    expect(isSeverityOrdered(severities)).toBe(true);
    // Same severity: area order (certificates before access).
    expect(await attrs(page, '#cluster-findings tbody tr', 'data-area')).toEqual([
      'certificates',
      'certificates',
      'access',
    ]);
    const remediation = await texts(page, '#cluster-findings tbody tr td.remediation pre');
    const byId = new Map(CATALOGUE.map((c) => [c.id, c.remediation]));
    expect(remediation).toEqual([
      byId.get('cert-expiry'),
      byId.get('cert-expiry'),
      byId.get('rbac-wildcard-rules'),
    ]);
    // The resolved privileged pod is not an open finding.
    expect(await page.textContent('#cluster-findings')).not.toContain('pod-privileged');

    // Certificates: risk first (fail, warn, then passes).
    expect(await attrs(page, '#cert-table tbody tr', 'data-outcome')).toEqual(['fail', 'warn', 'pass']);
    expect(await page.textContent('#cert-table tbody tr:first-child')).toContain('CN=kube-apiserver');
    expect(await page.textContent('#cert-table tbody tr:first-child')).toContain('in 1 day');
    // KMS: provider and key age as the hub's clock counts it (in use since 40 days before "now").
    expect(await page.textContent('#kms-table tbody tr[data-check="kms-key-rotation"]')).toContain(
      'kms-key-2',
    );
    expect(await page.textContent('#kms-table tbody tr[data-check="kms-key-rotation"]')).toContain('40 days');
    // Agents: identity, their own certificate, clock skew; the revoked one marked.
    const agents = await texts(page, '#agents-table tbody tr');
    expect(agents[0]).toContain('hci-mgmt.cp1');
    expect(agents[0]).toContain('in 3 days');
    expect(agents[0]).toContain('agent behind by 1.5 s');
    expect(agents[1]).toContain('revoked');
    expect(await page.textContent('.cluster-head')).toContain('agent behind by 1.5 s');
    // The trend: three history reports plus the newest.
    expect(await page.locator('#trend svg .ser-overall circle').count()).toBe(4);
    await page.selectOption('#trend-area', 'certificates');
    await page.locator('#trend svg .ser-area circle').first().waitFor();
    expect(await page.locator('#trend svg .ser-area circle').count()).toBe(4);
    await page.screenshot({ path: join(ARTIFACTS, `cluster-hci-mgmt-${kind}.png`), fullPage: true });

    // A real scan (the golden wire sample): instance-metadata exposure per namespace, certificates with
    // lifetimes, by deep link.
    await page.goto(`${t.url}/clusters/${GOLDEN_CLUSTER}`);
    await page.waitForSelector(`body[data-cluster="${GOLDEN_CLUSTER}"]`);
    expect(await page.evaluate(TOKEN_IN_STORAGE)).toBe(t.tokens.viewer); // asked once per session
    expect(await page.isHidden('#login')).toBe(true);
    expect(await page.textContent('#imds-table tr[data-namespace="default"]')).toContain('reachable');
    expect(await page.textContent('#imds-table tr[data-namespace="kube-public"]')).toContain(
      'system namespace',
    );
    expect(await page.textContent('#cert-table')).toMatch(/of 365 days \(\d+ %\)/);
    // Typed facts: where each certificate lives, and what the platform renews itself (listed after real risks).
    expect(await page.textContent('#cert-table')).toContain(
      'kubeconfig:/etc/kubernetes/admin.conf#kubernetes-admin',
    );
    const certOutcomes = await attrs(page, '#cert-table tbody tr', 'data-outcome');
    const autoRows = await page.locator('#cert-table tbody tr:has(.pill.auto)').count();
    expect(autoRows).toBeGreaterThan(0);
    expect(await texts(page, '#cert-table tbody tr:has(.pill.auto) td:last-child')).toEqual(
      Array<string>(autoRows).fill('✔ pass↻ renewed automatically'),
    );
    expect(certOutcomes.indexOf('pass')).toBeGreaterThan(certOutcomes.lastIndexOf('warn'));
    expect(await page.textContent('#kms-table tr[data-check="kms-key-rotation"]')).toContain(
      'aks-hybrid-kms, KMS v2',
    );
    expect(await page.textContent('#imds-table tr[data-namespace="gmsa-webhook"]')).toContain('reachable');
    // A busy cluster shows its 25 worst open findings first, all of them on request.
    expect(await page.locator('#cluster-findings tbody tr').count()).toBe(25);
    const all = Number(/Show all (\d+)/.exec((await page.textContent('#all-findings')) ?? '')?.[1]);
    expect(all).toBeGreaterThan(25);
    await page.click('#all-findings');
    await page.locator(`#cluster-findings tbody tr:nth-child(${all})`).waitFor();
    expect(isSeverityOrdered(await attrs(page, '#cluster-findings tbody tr', 'data-severity'))).toBe(true);
    expect(await page.locator('#cluster-findings tbody tr td.remediation pre').count()).toBe(all);
    // Section links scroll to their section without reloading the view (which would fold the list again).
    await page.click('nav.toc a[href="#agents"]');
    await page.waitForURL(/#agents$/);
    expect(await page.evaluate('window.scrollY > 0')).toBe(true);
    expect(await page.locator('#cluster-findings tbody tr').count()).toBe(all);
    await page
      .locator('#certificates')
      .screenshot({ path: join(ARTIFACTS, `certificates-${GOLDEN_CLUSTER}-${kind}.png`) });
    await page.screenshot({ path: join(ARTIFACTS, `cluster-${GOLDEN_CLUSTER}-${kind}.png`), fullPage: true });

    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('marks exempted findings and severity overrides, and filters open / exempted / all in the URL', async () => {
    const page = await watched();
    await signIn(page, `${t.url}/clusters/${GOLDEN_CLUSTER}`, t.tokens.viewer);
    await page.waitForSelector(`body[data-cluster="${GOLDEN_CLUSTER}"]`);
    // Open by default: the 5 egress failures the hub exempts and the annotated hostPath failure are not there,
    // and the network card's score leaves them out (9 pass of 21 instead of 26).
    expect(await page.inputValue('#exempt-filter')).toBe('false');
    expect(await page.locator('#cluster-findings tbody tr.exempted').count()).toBe(0);
    expect(await page.textContent('#exempted-count')).toContain('6 exempted');
    const openTitle = (await page.textContent('#open-findings-h')) ?? '';
    expect(openTitle).toMatch(/^Open findings \(\d+\)$/);
    expect(await page.textContent('#area-scores li[data-area="network"] .area-score')).toBe('43');

    await page.selectOption('#exempt-filter', 'true');
    await page.waitForURL(/exempted=true/);
    // The title says what the filter shows: the 6 exempted, not the open count.
    expect(await page.textContent('#open-findings-h')).toBe('Exempted findings (6)');
    expect(await page.textContent('nav.toc a[href="#open-findings"]')).toBe('Exempted findings (6)');
    const checks = await attrs(page, '#cluster-findings tbody tr', 'data-check');
    expect(checks.sort()).toEqual([
      ...Array<string>(5).fill('netpol-namespace-default-deny-egress'),
      'pod-host-path',
    ]);
    expect((await attrs(page, '#cluster-findings .pill.exempt', 'data-exemption-source')).sort()).toEqual([
      'annotation',
      ...Array<string>(5).fill('hub'),
    ]);
    const marks = await texts(page, '#cluster-findings .pill.exempt');
    expect(marks.find((x) => x.includes('by annotation'))).toContain(
      'node-exporter reads the host read-only',
    );
    expect(marks.find((x) => x.includes('on the hub'))).toMatch(
      /by seed-operator: Egress policies .* \(expires in \d+ days\)/,
    );
    await page
      .locator('#open-findings')
      .screenshot({ path: join(ARTIFACTS, `cluster-exempted-${kind}.png`) });
    await page.reload();
    await page.waitForSelector(`body[data-cluster="${GOLDEN_CLUSTER}"]`);
    expect(await page.inputValue('#exempt-filter')).toBe('true');
    expect(await page.locator('#cluster-findings tbody tr').count()).toBe(6);

    // All problems: exempted rows marked, and the override shown beside the severity it set.
    await page.selectOption('#exempt-filter', 'any');
    await page.waitForURL(/exempted=any/);
    expect(await page.textContent('#open-findings-h')).toBe(
      `Findings (${/\((\d+)\)/.exec(openTitle)?.[1]} open, 6 exempted)`,
    );
    await page.click('#all-findings');
    const overridden = page.locator('#cluster-findings tbody tr[data-check="netpol-policy-selects-nothing"]');
    expect(await overridden.getAttribute('data-severity')).toBe('medium');
    expect(await overridden.locator('.pill.override').textContent()).toBe('overridden from low');
    await overridden.screenshot({ path: join(ARTIFACTS, `cluster-override-${kind}.png`) });

    // The findings view takes the same filter from its URL.
    await page.goto(`${t.url}/findings?cluster=${GOLDEN_CLUSTER}&exempted=true`);
    await page.waitForSelector('body[data-findings="loaded"]');
    expect(await page.inputValue('#filters select[name=exempted]')).toBe('true');
    expect(await page.locator('#findings-table tbody tr').count()).toBe(6);
    expect(await page.locator('#findings-table tbody tr.exempted .pill.exempt').count()).toBe(6);
    expect(await page.getAttribute('#view a.export[data-format="csv"]', 'href')).toContain('exempted=true');
    await page.screenshot({ path: join(ARTIFACTS, `findings-exempted-${kind}.png`), fullPage: true });
    await page.selectOption('#filters select[name=exempted]', 'false');
    await page.click('#filters button[type=submit]');
    await page.waitForURL(/exempted=false/);
    await page.locator('#findings-table tbody tr.exempted').first().waitFor({ state: 'detached' });
    await page.locator('#findings-table tbody tr[data-check]').first().waitFor();
    expect(await page.locator('#findings-table tbody tr.exempted').count()).toBe(0);

    // A check's page says which overrides and exemptions are in force for it.
    await page.goto(`${t.url}/checks/netpol-policy-selects-nothing`);
    await page.waitForSelector('body[data-check="netpol-policy-selects-nothing"]');
    expect(await texts(page, '#check-overrides li')).toEqual([
      expect.stringMatching(
        /^● medium instead of low on cluster hci-wl-retail: On this cluster .* \(by seed-operator, no expiry\)$/,
      ),
    ]);
    await page.goto(`${t.url}/checks/netpol-namespace-default-deny-egress`);
    await page.waitForSelector('body[data-check="netpol-namespace-default-deny-egress"]');
    expect(await texts(page, '#check-exemptions li')).toEqual([
      expect.stringMatching(
        /^⊘ exempted this check on cluster hci-wl-retail: Egress policies .* \(by seed-operator, expires /,
      ),
    ]);
    await page.locator('#check-rules').screenshot({ path: join(ARTIFACTS, `check-rules-${kind}.png`) });

    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('follows a deep link to a filtered findings view, severity first, with exports of the same filter', async () => {
    const page = await watched();
    await signIn(page, `${t.url}/findings?severity=critical,high&outcome=fail`, t.tokens.viewer);
    await page.waitForSelector('body[data-findings="loaded"]');
    expect(await page.inputValue('#filters select[name=severity]')).toBe('critical,high');
    expect(await page.inputValue('#filters select[name=outcome]')).toBe('fail');
    const rows = await attrs(page, '#findings-table tbody tr', 'data-severity');
    // Open critical and high failures of the fixture fleet and of the golden scan (hci-wl-retail).
    expect(rows).toEqual(['critical', ...Array<string>(9).fill('high')]);
    expect(new Set(await attrs(page, '#findings-table tbody tr', 'data-outcome'))).toEqual(new Set(['fail']));
    expect(await page.locator('#findings-table tbody tr td.remediation pre').count()).toBe(10);
    await page.screenshot({ path: join(ARTIFACTS, `findings-${kind}.png`), fullPage: true });

    const csvHref = await page.getAttribute('#view a.export[data-format="csv"]', 'href');
    expect(csvHref).toBe(
      '/api/v1/exports/findings?severity=critical%2Chigh&outcome=fail&resolved=false&format=csv',
    );
    expect(await page.getAttribute('#view a.export[data-format="sarif"]', 'href')).toContain('format=sarif');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#view a.export[data-format="csv"]'),
    ]);
    const csv = readFileSync(await download.path(), 'utf8').split('\r\n');
    expect(csv[0]).toMatch(/^cluster,platform,check_id,/);
    expect(csv.filter((l) => l.length).length - 1).toBe(10);

    // Changing the filter changes the URL (a link to share) and the rows.
    await page.selectOption('#filters select[name=severity]', 'medium');
    await page.click('#filters button[type=submit]');
    await page.waitForURL(/severity=medium/);
    await page.locator('#findings-table tbody tr[data-severity="critical"]').waitFor({ state: 'detached' });
    await page.locator('#findings-table tbody tr[data-severity="medium"]').first().waitFor();
    expect(new Set(await attrs(page, '#findings-table tbody tr', 'data-severity'))).toEqual(
      new Set(['medium']),
    );

    // Loading every open problem keeps severity order across pages of the API.
    await page.goto(`${t.url}/findings`);
    await page.waitForSelector('body[data-findings="loaded"]');
    await page.locator('#findings-table tbody tr').first().waitFor();
    expect(isSeverityOrdered(await attrs(page, '#findings-table tbody tr', 'data-severity'))).toBe(true);

    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('shows one check: fleet pass rate, failing clusters, description and remediation', async () => {
    const page = await watched();
    await signIn(page, `${t.url}/checks/cert-expiry`, t.tokens.viewer);
    await page.waitForSelector('body[data-check="cert-expiry"]');
    const def = CATALOGUE.find((c) => c.id === 'cert-expiry')!;
    expect(await page.textContent('#check-title')).toBe(def.title);
    expect(await page.textContent('#check-description')).toBe(def.description);
    expect(await page.textContent('#check-remediation')).toBe(def.remediation);
    expect(await attrs(page, '#check-clusters tbody tr', 'data-cluster')).toEqual([
      'hci-mgmt',
      GOLDEN_CLUSTER,
    ]);
    expect(await page.textContent('#check-pass-rate')).toMatch(/\d+ %/);
    await page.screenshot({ path: join(ARTIFACTS, `check-cert-expiry-${kind}.png`), fullPage: true });
    await page.click('#check-clusters tr[data-cluster="hci-mgmt"] a[href^="/clusters/"]');
    await page.waitForSelector('body[data-cluster="hci-mgmt"]');

    await page.click('#nav a[data-nav="checks"]');
    await page.waitForSelector('body[data-checks="loaded"]');
    expect(await page.locator('#checks-table tbody tr').count()).toBe(CATALOGUE.length);
    expect(page.problems).toEqual([]);
    await page.close();
  });

  it('puts a refused token back to the sign-in form with the reason, and keeps the deep link', async () => {
    const page = await watched();
    await signIn(page, `${t.url}/clusters/hci-mgmt`, 'wpt_this-token-does-not-exist');
    await page.waitForSelector('#login:not([hidden])');
    await page.locator('#login-error:not(:empty)').waitFor();
    expect(await page.textContent('#login-error')).toContain('unknown, revoked or expired');
    expect(await page.evaluate(TOKEN_IN_STORAGE)).toBeNull();
    await page.fill('#token', t.tokens.viewer);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('body[data-cluster="hci-mgmt"]');
    await page.close();
  });

  // Last in this block: it adds a cluster.
  it('refreshes in place: new data appears, filters, focus and open remediation stay', async () => {
    const page = await watched();
    await signIn(page, `${t.url}/?platform=aks-hci`, t.tokens.viewer);
    await page.waitForSelector('body[data-heatmap="rendered"]');
    await page.locator('#heatmap a[data-key="cell:hci-mgmt:certificates"]').focus();
    await seedClusters(
      t.ds,
      [
        {
          name: 'hci-late',
          platform: 'aks-hci',
          role: 'workload',
          receivedAt: FIXTURE_NOW.toISOString(),
          agents: [{ id: 'hci-late', status: 'online' }],
          findings: [],
        },
      ],
      FIXTURE_NOW.toISOString(),
    );
    await page.evaluate("document.dispatchEvent(new Event('watchpost:refresh'))");
    await page.waitForSelector('body[data-refreshed="1"]');
    expect(await attrs(page, '#heatmap tr[data-cluster]', 'data-cluster')).toContain('hci-late');
    expect(await attrs(page, '#heatmap tr[data-cluster]', 'data-cluster')).not.toContain('aks-prod');
    expect(await page.inputValue('#heat-filters select[name=platform]')).toBe('aks-hci');
    expect(await page.evaluate('document.activeElement.dataset.key')).toBe('cell:hci-mgmt:certificates');

    await page.goto(`${t.url}/clusters/hci-mgmt`);
    await page.waitForSelector('body[data-cluster="hci-mgmt"]');
    await page.click('#cluster-findings tbody tr:nth-child(3) details summary');
    await page.selectOption('#trend-area', 'certificates');
    await page.evaluate("document.dispatchEvent(new Event('watchpost:refresh'))");
    await page.waitForSelector('body[data-refreshed="1"]');
    expect(await attrs(page, '#cluster-findings tbody tr details', 'open')).toEqual([null, null, '']);
    expect(await page.inputValue('#trend-area')).toBe('certificates');
    expect(page.problems).toEqual([]);
    await page.close();
  });
});

describe('web app with 1,000 clusters', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiTestApp({
      kind: 'sqlite',
      now: FIXTURE_NOW,
      seed: (ds) => seedClusters(ds, generatedFleet(1000, 8, FIXTURE_NOW), '2026-10-01T00:00:00.000Z'),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('renders one page of rows per group with pager, filters across all clusters, and is keyboard reachable', async () => {
    const page = await watched();
    await signIn(page, t.url + '/', t.tokens.viewer);
    await page.waitForSelector('body[data-heatmap="rendered"]');
    expect(await page.textContent('#fleet-counts')).toContain('1000 clusters');
    expect(await page.textContent('section[data-group="onPrem"] h3')).toContain('750 clusters');
    expect(await page.locator('#heatmap-onPrem tr[data-cluster]').count()).toBe(100);
    expect(await page.locator('#heatmap-azure tr[data-cluster]').count()).toBe(100);
    expect(await page.textContent('section[data-group="onPrem"] nav.pager')).toContain(
      'page 1 of 8: clusters 1–100 of 750',
    );
    const first = await attrs(page, '#heatmap-onPrem tr[data-cluster]', 'data-cluster');
    await page.click('section[data-group="onPrem"] nav.pager button:has-text("Next")');
    await page.locator('section[data-group="onPrem"] nav.pager:has-text("page 2 of 8")').waitFor();
    const second = await attrs(page, '#heatmap-onPrem tr[data-cluster]', 'data-cluster');
    expect(second).toHaveLength(100);
    expect(second.filter((n) => first.includes(n))).toEqual([]);
    // The filter searches every cluster, not the page shown.
    await page.fill('#heat-filters input[name=name]', 'cluster-00999');
    await page.locator('#heatmap tr[data-cluster="cluster-00999"]').waitFor();
    expect(await attrs(page, '#heatmap tr[data-cluster]', 'data-cluster')).toEqual(['cluster-00999']);
    await page.screenshot({ path: join(ARTIFACTS, 'heatmap-1000-filtered.png') });

    // Keyboard only: Tab from the top reaches the cluster link, Enter opens the cluster page.
    await page.goto(t.url + '/?name=cluster-00042');
    await page.waitForSelector('body[data-heatmap="rendered"]');
    let reached = false;
    for (let i = 0; i < 80 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate('document.activeElement.dataset.key ?? ""')) === 'cluster:cluster-00042';
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-cluster="cluster-00042"]');
    expect(page.problems).toEqual([]);
    await page.close();
  });
});

describe('web page files', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiTestApp({ kind: 'sqlite', now: FIXTURE_NOW });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves the page for every view path with a strict content security policy and no data in it', async () => {
    for (const path of ['/', '/clusters/hci-mgmt', '/findings', '/checks', '/checks/cert-expiry']) {
      const res = await fetch(t.url + path);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toContain('unsafe');
      expect(await res.text()).toContain('<script src="/web/app.js" type="module">');
    }
    for (const file of [
      'app.js',
      'heatmap.js',
      'cluster.js',
      'findings.js',
      'checks.js',
      'chart.js',
      'dom.js',
      'api.js',
    ]) {
      const res = await fetch(`${t.url}/web/${file}`);
      expect(res.headers.get('content-type')).toContain('text/javascript');
      const body = await res.text();
      // No eval and no markup from strings anywhere in the page's code.
      expect(body).not.toMatch(/\beval\(|new Function|innerHTML|insertAdjacentHTML|document\.write/);
    }
    expect((await fetch(t.url + '/web/secrets.txt')).status).toBe(404);
    expect((await fetch(t.url + '/web/..%2Fweb.controller.ts')).status).toBe(404);
    expect((await fetch(t.url + '/clusters')).status).toBe(404);
  });

  it('keeps the screenshots out of git', () => {
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8')).toMatch(/^\/\.artifacts\/$/m);
    expect(dirname(ARTIFACTS)).toBe(join(ROOT, '.artifacts'));
  });
});
