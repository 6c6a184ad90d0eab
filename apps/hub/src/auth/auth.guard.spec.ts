import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startApiTestApp, type ApiTestApp } from '../api/testing/api-test-app.js';

describe('REST rate limit per API token', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiTestApp({
      kind: 'sqlite',
      now: new Date('2026-11-23T12:00:00Z'),
      rateLimits: { perTokenPerMinute: 5 },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 429 with Retry-After once a token used its burst, without touching other tokens or health', async () => {
    const call = (token: string) =>
      fetch(`${t.url}/api/v1/clusters`, { headers: { Authorization: `Bearer ${token}` } });
    for (let i = 0; i < 5; i++) expect((await call(t.tokens.viewer)).status).toBe(200);
    const limited = await call(t.tokens.viewer);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toEqual({
      error: { code: 'rate_limited', message: expect.stringContaining('test-viewer') },
    });
    expect((await call(t.tokens.operator)).status).toBe(200);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});
