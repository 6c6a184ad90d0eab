/* eslint-disable @typescript-eslint/no-unsafe-return -- JSON bodies are loose here on purpose: expect() judges their shape. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startApiTestApp, type ApiTestApp } from '../api/testing/api-test-app.js';
import { MAX_EXEMPTION_DAYS } from './exemption-rules.js';

type Body = ReturnType<typeof JSON.parse>;
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-23T12:00:00Z');

describe.each(['sqlite', 'postgres'] as const)('exemptions API on %s', (kind) => {
  let t: ApiTestApp;
  // The test app's clock returns this very Date: moving it moves the hub's time.
  const now = new Date(T0);
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(t.url + path, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Body };
  };
  const valid = {
    scope: { kind: 'namespace', cluster: 'hci-wl-retail', namespace: 'legacy-win' },
    target: { checkId: 'pod-host-path' },
    reason: 'Vendor DaemonSet mounts /var/run until the Q2 release replaces it (CHG-4411)',
    expiresAt: '2027-02-01T00:00:00Z',
  };

  beforeAll(async () => {
    t = await startApiTestApp({ kind, now });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('an operator creates one; author, creation time and status come from the hub', async () => {
    const r = await call('POST', '/api/v1/exemptions', t.tokens.operator, valid);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      scope: valid.scope,
      target: valid.target,
      reason: valid.reason,
      author: 'test-operator',
      createdAt: new Date(T0).toISOString(),
      expiresAt: '2027-02-01T00:00:00.000Z',
      revokedAt: null,
      status: 'active',
    });
    expect((await call('GET', `/api/v1/exemptions/${r.body.id}`, t.tokens.viewer)).body).toEqual(r.body);
    const history = await call('GET', `/api/v1/exemptions/${r.body.id}/history`, t.tokens.viewer);
    expect(history.body.items).toMatchObject([
      { action: 'created', actor: 'test-operator', at: new Date(T0).toISOString() },
    ]);
  });

  it.each([
    ['no reason', { ...valid, reason: undefined }, 'body field "reason": is required'],
    ['a reason too short to say anything', { ...valid, reason: 'ok' }, 'body field "reason": is required'],
    ['no expiry', { ...valid, expiresAt: undefined }, 'body field "expiresAt": is required'],
    [
      'an expiry beyond the maximum',
      { ...valid, expiresAt: new Date(T0 + (MAX_EXEMPTION_DAYS + 1) * DAY).toISOString() },
      `body field "expiresAt" is more than ${MAX_EXEMPTION_DAYS} days away`,
    ],
    ['an expiry in the past', { ...valid, expiresAt: '2026-01-01T00:00:00Z' }, 'must be in the future'],
    ['an unknown check', { ...valid, target: { checkId: 'no-such-check' } }, 'body field "target'],
    [
      'a resource scope that names no resource',
      { ...valid, scope: { kind: 'resource', cluster: 'c', resource: { kind: 'Pod' } } },
      'give resource.name (and namespace) or resource.path',
    ],
    ['an unknown scope kind', { ...valid, scope: { kind: 'galaxy' } }, 'body field "scope.kind"'],
  ])('refuses %s with 400 naming the field', async (_what, body, message) => {
    const r = await call('POST', '/api/v1/exemptions', t.tokens.operator, body);
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain(message);
  });

  it('viewers may read but not create', async () => {
    expect((await call('POST', '/api/v1/exemptions', t.tokens.viewer, valid)).status).toBe(403);
    expect((await call('GET', '/api/v1/exemptions', t.tokens.viewer)).status).toBe(200);
  });

  it("operators change and revoke their own, not others'; admins revoke anyone's; all of it audited", async () => {
    const mine = (
      await call('POST', '/api/v1/exemptions', t.tokens.operator, { ...valid, target: { area: 'network' } })
    ).body;
    const admins = (
      await call('POST', '/api/v1/exemptions', t.tokens.admin, { ...valid, scope: { kind: 'fleet' } })
    ).body;
    const denied = await call('DELETE', `/api/v1/exemptions/${admins.id}`, t.tokens.operator, {});
    expect(denied.status).toBe(403);
    expect(denied.body.error).toEqual({
      code: 'not_your_exemption',
      message: expect.stringContaining('created by "test-admin"'),
    });
    expect(
      (await call('PATCH', `/api/v1/exemptions/${admins.id}`, t.tokens.operator, { reason: 'x'.repeat(20) }))
        .status,
    ).toBe(403);

    now.setTime(T0 + DAY);
    const changed = await call('PATCH', `/api/v1/exemptions/${mine.id}`, t.tokens.operator, {
      expiresAt: '2027-03-01T00:00:00Z',
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      expiresAt: '2027-03-01T00:00:00.000Z',
      updatedAt: new Date(T0 + DAY).toISOString(),
    });
    const revoked = await call('DELETE', `/api/v1/exemptions/${mine.id}`, t.tokens.admin, {
      reason: 'network policy fixed',
    });
    expect(revoked.body).toMatchObject({ status: 'revoked', revokedBy: 'test-admin' });
    expect(
      (await call('PATCH', `/api/v1/exemptions/${mine.id}`, t.tokens.admin, { reason: 'y'.repeat(20) }))
        .status,
    ).toBe(409);

    const history = (await call('GET', `/api/v1/exemptions/${mine.id}/history`, t.tokens.viewer)).body.items;
    expect(history.map((e: Body) => [e.action, e.actor])).toEqual([
      ['created', 'test-operator'],
      ['updated', 'test-operator'],
      ['revoked', 'test-admin'],
    ]);
    expect(history[1].detail).toEqual({
      changes: { expiresAt: { before: '2027-02-01T00:00:00.000Z', after: '2027-03-01T00:00:00.000Z' } },
    });
    expect(history[2].detail).toEqual({ reason: 'network policy fixed' });
    const all = (await call('GET', '/api/v1/exemption-history', t.tokens.viewer)).body.items;
    expect(all.length).toBeGreaterThanOrEqual(5);
  });

  it('expired exemptions stop applying by themselves', async () => {
    now.setTime(T0 + 2 * DAY);
    const soon = (
      await call('POST', '/api/v1/exemptions', t.tokens.operator, {
        ...valid,
        scope: { kind: 'cluster', cluster: 'aks-shop-weu' },
        expiresAt: new Date(T0 + 3 * DAY).toISOString(),
      })
    ).body;
    const active = async () =>
      (await call('GET', '/api/v1/exemptions?status=active', t.tokens.viewer)).body.items;
    now.setTime(T0 + 3 * DAY);
    expect((await active()).map((e: Body) => e.id)).not.toContain(soon.id);
    expect((await call('GET', `/api/v1/exemptions/${soon.id}`, t.tokens.viewer)).body.status).toBe('expired');
    const expired = (await call('GET', '/api/v1/exemptions?status=expired', t.tokens.viewer)).body.items;
    expect(expired.map((e: Body) => e.id)).toEqual([soon.id]);
    expect((await call('GET', '/api/v1/exemptions?status=gone', t.tokens.viewer)).status).toBe(400);
    expect((await call('GET', '/api/v1/exemptions/nope', t.tokens.viewer)).status).toBe(404);
  });
});
