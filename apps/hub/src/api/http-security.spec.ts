import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startApiTestApp, type ApiTestApp } from './testing/api-test-app.js';

describe('HTTP hardening', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiTestApp({ kind: 'sqlite', now: new Date('2026-11-23T12:00:00Z') });
  });
  afterAll(async () => {
    await t?.close();
  });
  const get = (path: string, token: string | null = t.tokens.viewer) =>
    fetch(`${t.url}${path}`, token ? { headers: { Authorization: `Bearer ${token}` } } : {});

  it('sends nosniff, HSTS and no X-Powered-By on API, health and page answers; no-store on the API', async () => {
    for (const path of ['/api/v1/clusters', '/healthz', '/']) {
      const res = await get(path);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
    expect((await get('/api/v1/clusters')).headers.get('cache-control')).toBe('no-store');
    // Refusals are API answers too.
    const refused = await get('/api/v1/clusters', null);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    // The web page keeps its own CSP, not helmet's default.
    expect((await get('/', null)).headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('answers 400 naming the parameter and its range for out-of-range numbers, never 500', async () => {
    const cases: [string, string][] = [
      ['/api/v1/fleet/summary?withinDays=99999999999', 'withinDays'],
      ['/api/v1/fleet/summary?withinDays=3651', 'withinDays'],
      ['/api/v1/fleet/summary?staleAfter=99999999999d', 'staleAfter'],
      ['/api/v1/fleet/summary?certificates=99999999999999999999', 'certificates'],
      ['/api/v1/clusters?limit=1e9', 'limit'],
    ];
    for (const [path, param] of cases) {
      const res = await get(path);
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_parameter');
      expect(body.error.message).toContain(`"${param}"`);
      expect(body.error.message).toMatch(/from \d/);
    }
    expect((await get('/api/v1/fleet/summary?withinDays=3650&staleAfter=3650d')).status).toBe(200);
  });
});
