/* eslint-disable @typescript-eslint/no-unsafe-return -- JSON bodies are loose here on purpose: expect() judges their shape. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MetricsService } from '../metrics/metrics.service.js';
import { FindingEntity } from '../persistence/finding.entity.js';
import { FIXTURE_NOW, seedFixture } from './testing/api-fixture.js';
import { startApiTestApp, type ApiTestApp } from './testing/api-test-app.js';

// JSON bodies as the tests see them: indexed freely, judged by expect().
type Body = ReturnType<typeof JSON.parse>;

describe.each(['sqlite', 'postgres'] as const)('hub REST API on %s', (kind) => {
  let t: ApiTestApp;

  const get = async (path: string, token: string | null = t.tokens.viewer, init: RequestInit = {}) => {
    const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined) };
    if (token) headers['Authorization'] = `Bearer ${token}`;
    return fetch(t.url + path, { ...init, headers });
  };
  const json = async (path: string, token: string | null = t.tokens.viewer) => {
    const res = await get(path, token);
    return { status: res.status, body: (await res.json()) as Body };
  };

  beforeAll(async () => {
    t = await startApiTestApp({ kind, now: FIXTURE_NOW, seed: seedFixture });
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('auth', () => {
    it('refuses a request without a token with 401 and a JSON error', async () => {
      const res = await get('/api/v1/clusters', null);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(await res.json()).toEqual({
        error: { code: 'missing_token', message: expect.stringContaining('Authorization: Bearer') },
      });
    });

    it('refuses unknown and malformed tokens with 401', async () => {
      expect((await json('/api/v1/clusters', 'wpt_not-a-real-token')).body.error.code).toBe('invalid_token');
      const res = await get('/api/v1/clusters', null, { headers: { Authorization: 'Basic dXNlcjpwYXNz' } });
      expect(res.status).toBe(401);
      expect(((await res.json()) as Body).error.code).toBe('malformed_authorization');
    });

    it('refuses a viewer on operator and admin routes with 403', async () => {
      const q = await json('/api/v1/quarantine', t.tokens.viewer);
      expect(q.status).toBe(403);
      expect(q.body.error).toEqual({
        code: 'insufficient_role',
        message: expect.stringContaining('operator'),
      });
      const res = await get('/api/v1/api-tokens', t.tokens.operator);
      expect(res.status).toBe(403);
      expect((await json('/api/v1/quarantine', t.tokens.operator)).status).toBe(200);
    });

    it('lets an admin create a token that works at once and stops working when revoked', async () => {
      const res = await get('/api/v1/api-tokens', t.tokens.admin, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ role: 'viewer', name: 'grafana' }),
      });
      expect(res.status).toBe(201);
      const created = (await res.json()) as Body;
      expect(created).toMatchObject({
        role: 'viewer',
        name: 'grafana',
        token: expect.stringMatching(/^wpt_/),
      });
      expect((await json('/api/v1/clusters', created.token)).status).toBe(200);
      const listed = (await json('/api/v1/api-tokens', t.tokens.admin)).body.items;
      expect(listed.find((x: Body) => x.id === created.id)).toBeDefined();
      expect(JSON.stringify(listed)).not.toContain(created.token);
      expect(
        (await get(`/api/v1/api-tokens/${created.id}`, t.tokens.admin, { method: 'DELETE' })).status,
      ).toBe(204);
      expect((await json('/api/v1/clusters', created.token)).status).toBe(401);
    });

    it('names the bad body field when creating a token', async () => {
      const res = await get('/api/v1/api-tokens', t.tokens.admin, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ role: 'root' }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as Body).error.message).toContain('"role"');
    });

    it('keeps /healthz and /readyz public; readyz follows the ingest connection', async () => {
      expect(await (await get('/healthz', null)).json()).toEqual({ status: 'ok' });
      const metrics = t.app.get(MetricsService);
      metrics.setIngestConnected(false);
      let r = await json('/readyz', null);
      expect(r.status).toBe(503);
      expect(r.body.checks).toEqual({ database: 'ok', ingest: 'not connected to the broker' });
      metrics.setIngestConnected(true);
      r = await json('/readyz', null);
      expect(r.status).toBe(200);
      expect(r.body.status).toBe('ready');
    });

    it('serves /metrics in Prometheus text format to token holders only', async () => {
      expect((await get('/metrics', null)).status).toBe(401);
      const metrics = t.app.get(MetricsService);
      metrics.recordIngest('stored', 12);
      metrics.recordIngest('rejected', 3, 'schema');
      metrics.setQueueDepth(4);
      const res = await get('/metrics');
      expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      const text = await res.text();
      expect(text).toContain('watchpost_ingest_messages_total{status="stored"} 1');
      expect(text).toContain('watchpost_ingest_rejected_total{reason="schema"} 1');
      expect(text).toContain('watchpost_ingest_latency_seconds_bucket{le="0.025"} 2');
      expect(text).toContain('watchpost_ingest_queue_depth 4');
      // hci-mgmt.cp1 and aks-prod; the revoked agent does not count.
      expect(text).toContain('watchpost_agents_online 2');
    });

    it('serves the OpenAPI document behind the token, listing the API routes', async () => {
      expect((await get('/api/v1/openapi.json', null)).status).toBe(401);
      const doc = (await json('/api/v1/openapi.json')).body;
      expect(doc.openapi).toMatch(/^3\./);
      for (const p of [
        '/api/v1/findings',
        '/api/v1/fleet/summary',
        '/api/v1/clusters/{name}/history',
        '/api/v1/exports/findings',
      ]) {
        expect(doc.paths[p]).toBeDefined();
      }
      expect(doc.paths['/api/v1/findings'].get.parameters.map((x: Body) => x.name)).toEqual(
        expect.arrayContaining(['cluster', 'area', 'check', 'severity', 'outcome', 'platform', 'cursor']),
      );
    });
  });

  describe('validation', () => {
    it.each([
      ['/api/v1/findings?severity=urgent', 'severity'],
      ['/api/v1/findings?severty=high', 'severty'],
      ['/api/v1/findings?limit=0', 'limit'],
      ['/api/v1/findings?outcome=fail&outcome=warn', 'outcome'],
      ['/api/v1/clusters?platform=gke', 'platform'],
      ['/api/v1/clusters?staleAfter=soon', 'staleAfter'],
      ['/api/v1/clusters/hci-mgmt/history?from=yesterday', 'from'],
      ['/api/v1/exports/findings?format=xlsx', 'format'],
    ])('%s is a 400 naming the parameter', async (path, param) => {
      const r = await json(path);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_parameter');
      expect(r.body.error.message).toContain(`"${param}"`);
    });

    it('refuses a cursor that is not one of this list', async () => {
      const clusters = await json('/api/v1/clusters?limit=1');
      expect(clusters.body.nextCursor).toEqual(expect.any(String));
      for (const bad of ['garbage!', clusters.body.nextCursor]) {
        const r = await json(`/api/v1/findings?cursor=${encodeURIComponent(bad)}`);
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe('invalid_cursor');
      }
    });

    it('answers unknown routes and clusters with the JSON error shape', async () => {
      const r = await json('/api/v1/nope');
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('not_found');
      const c = await json('/api/v1/clusters/unknown-cluster');
      expect(c.status).toBe(404);
      expect(c.body.error.message).toContain('unknown-cluster');
    });
  });

  describe('clusters', () => {
    it('lists clusters with platform, role, scores, last report and liveness', async () => {
      const { body } = await json('/api/v1/clusters');
      expect(body.items.map((c: Body) => c.name)).toEqual([
        'aks-prod',
        'arc-edge',
        'hci-mgmt',
        'hci-wl1',
        'new-cluster',
      ]);
      const mgmt = body.items.find((c: Body) => c.name === 'hci-mgmt');
      expect(mgmt).toMatchObject({
        platform: 'aks-hci',
        platformGroup: 'onPrem',
        role: 'management',
        location: 'Redmond DC1',
        kubernetesVersion: 'v1.31.4',
        scores: { certificates: 33, encryption: 100, access: 0, workload: 0 },
        lastReport: { agentId: 'hci-mgmt.cp1', receivedAt: '2026-11-23T11:50:00.000Z', clockSkewMs: 1500 },
        liveness: {
          state: 'online',
          agents: { online: 1, offline: 0, unknown: 0, revoked: 1 },
          reportAgeSeconds: 600,
          stale: false,
        },
      });
      const byName = Object.fromEntries(body.items.map((c: Body) => [c.name, c.liveness]));
      expect(byName['hci-wl1']).toMatchObject({ state: 'offline', stale: false });
      expect(byName['arc-edge']).toMatchObject({ state: 'unknown', stale: true, reportAgeSeconds: 172800 });
      expect(byName['new-cluster']).toMatchObject({ state: 'unknown', stale: true, lastReceivedAt: null });
    });

    it('gives each listed cluster its open problems by severity and the worst open severity per area', async () => {
      const { body } = await json('/api/v1/clusters');
      const byName = Object.fromEntries(body.items.map((c: Body) => [c.name, c]));
      // The resolved privileged pod of hci-mgmt is not open: workload has no marker.
      expect(byName['hci-mgmt'].worstOpenSeverity).toEqual({ certificates: 'critical', access: 'high' });
      expect(byName['hci-mgmt'].openBySeverity).toEqual({ critical: 1, high: 2, medium: 0, low: 0, info: 0 });
      expect(byName['hci-wl1'].worstOpenSeverity).toEqual({ workload: 'medium', encryption: 'high' });
      expect(byName['new-cluster'].worstOpenSeverity).toEqual({});
      expect(byName['new-cluster'].openBySeverity).toEqual({
        critical: 0,
        high: 0,
        medium: 0,
        low: 0,
        info: 0,
      });
    });

    it('filters clusters by platform, role and staleness', async () => {
      const names = async (q: string) =>
        (await json(`/api/v1/clusters?${q}`)).body.items.map((c: Body) => c.name);
      expect(await names('platform=aks-hci')).toEqual(['hci-mgmt', 'hci-wl1']);
      expect(await names('platform=aks,arc&role=workload')).toEqual(['aks-prod', 'arc-edge', 'new-cluster']);
      expect(await names('stale=true')).toEqual(['arc-edge', 'new-cluster']);
      expect(await names('stale=true&staleAfter=3d')).toEqual(['new-cluster']);
      expect(await names('stale=false')).toEqual(['aks-prod', 'hci-mgmt', 'hci-wl1']);
    });

    it('shows a cluster in detail: posture per area without resolved problems, agents with clock skew', async () => {
      const { body } = await json('/api/v1/clusters/hci-mgmt');
      expect(body.posture.workload).toMatchObject({ fail: 0, pass: 0, score: null });
      expect(body.posture.certificates).toMatchObject({ pass: 1, fail: 1, warn: 1, score: 33 });
      expect(body.openBySeverity).toEqual({ critical: 1, high: 2, medium: 0, low: 0, info: 0 });
      expect(body.agents.map((a: Body) => [a.id, a.revoked, a.clockSkewMs])).toEqual([
        ['hci-mgmt.cp1', false, 1500],
        ['hci-mgmt.old', true, 0],
      ]);
      expect(body.newestReport).toMatchObject({ seq: 1, receivedAt: '2026-11-23T11:50:00.000Z' });
    });

    it('gives history oldest first, within a window', async () => {
      const all = (await json('/api/v1/clusters/hci-mgmt/history')).body;
      expect(all.points.map((p: Body) => p.score)).toEqual([40, 55, 70, 33]);
      const window = (
        await json('/api/v1/clusters/hci-mgmt/history?from=2026-11-21T00:00:00Z&to=2026-11-23T00:00:00Z')
      ).body;
      expect(window.points.map((p: Body) => p.receivedAt)).toEqual([
        '2026-11-21T12:00:00.000Z',
        '2026-11-22T12:00:00.000Z',
      ]);
      expect(
        (await json('/api/v1/clusters/hci-mgmt/history?limit=2')).body.points.map((p: Body) => p.score),
      ).toEqual([70, 33]);
      expect((await json('/api/v1/clusters/nope/history')).status).toBe(404);
    });
  });

  describe('findings', () => {
    const all = async (q: string) => {
      const r = await json(`/api/v1/findings?limit=1000&${q}`);
      expect(r.status).toBe(200);
      expect(r.body.nextCursor).toBeNull();
      return r.body.items as Body[];
    };
    const keys = (items: Body[]) =>
      items.map((f) => `${f.cluster}/${f.checkId}/${f.resource.name ?? f.resource.path}`);

    it('filters by cluster, area, check, severity, outcome and platform', async () => {
      expect((await all('')).length).toBe(6 + 4 + 2 + 64);
      expect(keys(await all('cluster=hci-wl1&outcome=fail,warn'))).toEqual([
        'hci-wl1/namespace-pod-security-labels/shop',
        'hci-wl1/pod-run-as-root/cart',
      ]);
      expect(keys(await all('area=encryption'))).toEqual([
        'arc-edge/kms-key-rotation/kms',
        'hci-mgmt/kms-key-rotation/mock-kms-provider',
        'hci-wl1/etcd-encryption-at-rest//etc/kubernetes/manifests/kube-apiserver.yaml',
      ]);
      expect(keys(await all('check=cert-expiry&platform=aks'))).toEqual([
        'aks-prod/cert-expiry/tls-frontend',
      ]);
      expect(keys(await all('severity=critical&outcome=fail'))).toEqual([
        'hci-mgmt/cert-expiry//etc/kubernetes/pki/apiserver.crt',
        'hci-mgmt/pod-privileged/debug',
      ]);
      expect(keys(await all('severity=critical&outcome=fail&resolved=false'))).toEqual([
        'hci-mgmt/cert-expiry//etc/kubernetes/pki/apiserver.crt',
      ]);
      expect((await all('platform=aks-hci,arc&outcome=error')).map((f) => f.checkId)).toEqual([
        'etcd-encryption-at-rest',
      ]);
      expect((await all('outcome=fail&area=workload&platform=aks')).length).toBe(20);
      const one = (await all('check=rbac-wildcard-rules'))[0];
      expect(one).toMatchObject({
        cluster: 'hci-mgmt',
        platform: 'aks-hci',
        title: expect.any(String),
        severity: 'high',
        firstSeenAt: '2026-11-23T11:50:00.000Z',
      });
    });

    it('pages in a stable order with no duplicates and no gaps, even while rows are added', async () => {
      const expected = keys(await all(''));
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const r: { status: number; body: Body } = await json(
          `/api/v1/findings?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(r.status).toBe(200);
        expect(r.body.items.length).toBeLessThanOrEqual(7);
        seen.push(...keys(r.body.items));
        cursor = r.body.nextCursor;
        if (pages === 2) {
          // A report lands mid-walk: a row before the cursor is not seen, the walk itself stays intact.
          await t.ds.getRepository(FindingEntity).insert({
            clusterName: 'aaa-late',
            agentId: 'aaa-late',
            checkId: 'pod-privileged',
            resourceKey: 'Pod|x|y|',
            resource: { kind: 'Pod', namespace: 'x', name: 'y' },
            area: 'workload',
            severity: 'critical',
            outcome: 'fail',
            message: 'late',
            evidence: null,
            firstSeenAt: FIXTURE_NOW.toISOString(),
            lastSeenAt: FIXTURE_NOW.toISOString(),
            outcomeSince: FIXTURE_NOW.toISOString(),
            resolvedAt: null,
            lastSeq: 1,
          });
        }
        pages += 1;
      } while (cursor);
      expect(pages).toBe(Math.ceil(expected.length / 7));
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expected);
      await t.ds.getRepository(FindingEntity).delete({ clusterName: 'aaa-late' });
    });
  });

  describe('checks and fleet', () => {
    it('lists the catalogue with fleet pass rates split by platform', async () => {
      const { body } = await json('/api/v1/checks');
      const cert = body.items.find((c: Body) => c.id === 'cert-expiry');
      expect(cert.title).toEqual(expect.any(String));
      // aks-hci: pass (kubelet), fail (apiserver), warn (front-proxy), pass (wl1) -> 50; aks: 1 pass.
      expect(cert.fleet.byPlatform['aks-hci']).toMatchObject({ pass: 2, fail: 1, warn: 1, passRate: 50 });
      expect(cert.fleet.byPlatform['aks']).toMatchObject({ pass: 1, passRate: 100 });
      expect(cert.fleet.passRate).toBe(60);
      // The resolved privileged pod on hci-mgmt no longer counts.
      const priv = body.items.find((c: Body) => c.id === 'pod-privileged');
      expect(priv.fleet).toMatchObject({ pass: 2, fail: 0, passRate: 100 });
      expect(Object.keys(priv.fleet.byPlatform).sort()).toEqual(['aks', 'arc']);
      const detail = (await json('/api/v1/checks/cert-expiry')).body;
      expect(detail.clusters).toEqual([{ cluster: 'hci-mgmt', fail: 1, warn: 1 }]);
      expect((await json('/api/v1/checks/no-such-check')).status).toBe(404);
    });

    it('summarises the fleet: on-prem vs Azure, soonest-expiring certificates, stale clusters, KMS key age', async () => {
      const { body } = await json('/api/v1/fleet/summary');
      expect(body.generatedAt).toBe(FIXTURE_NOW.toISOString());
      expect(body.clusters).toEqual({ total: 5, online: 2, offline: 1, unknown: 2, stale: 2 });
      expect(body.groups.onPrem).toMatchObject({ clusters: 3, platforms: { 'aks-hci': 2, arc: 1 } });
      expect(body.groups.azure).toMatchObject({ clusters: 2, platforms: { aks: 2 } });
      expect(body.groups.onPrem.byArea.certificates).toMatchObject({ pass: 2, fail: 1, warn: 1, score: 50 });
      expect(body.groups.azure.byArea.access).toMatchObject({ fail: 1, score: 0 });
      expect(body.groups.azure.byArea.workload).toMatchObject({
        pass: 41,
        fail: 20,
        not_applicable: 1,
        score: 67,
      });
      expect(body.groups.onPrem.openBySeverity).toEqual({ critical: 1, high: 3, medium: 2, low: 1, info: 0 });
      // Risk first: failing, warning, then passes nobody renews, then those the platform renews (the 2-day
      // AKS hybrid certificate is due soonest but is renewed automatically).
      expect(body.expiringCertificates.map((c: Body) => [c.cluster, c.subject, c.expiresInDays])).toEqual([
        ['hci-mgmt', 'CN=kube-apiserver', 1],
        ['hci-mgmt', 'CN=front-proxy-client', 10],
        ['aks-prod', 'CN=shop.contoso.com', 30],
        ['hci-wl1', 'CN=kube-apiserver', 2],
        ['hci-mgmt', 'CN=system:node:cp1', 300],
      ]);
      expect(body.expiringCertificates[0]).toMatchObject({
        platform: 'aks-hci',
        notAfter: '2026-11-24T12:00:00.000Z',
        outcome: 'fail',
      });
      expect(body.staleClusters.map((c: Body) => c.name)).toEqual(['new-cluster', 'arc-edge']);
      expect(body.kmsKeys).toMatchObject({
        clusters: 2,
        withKnownAge: 2,
        withExactAge: 1,
        medianAgeDays: 67.5,
      });
      expect(body.kmsKeys.oldest.map((k: Body) => [k.cluster, k.keyId, k.ageDays])).toEqual([
        ['arc-edge', 'edge-key-1', 95],
        ['hci-mgmt', 'kms-key-2', 40],
      ]);
      const soon = (await json('/api/v1/fleet/summary?withinDays=7&certificates=1')).body
        .expiringCertificates;
      expect(soon.map((c: Body) => c.cluster)).toEqual(['hci-mgmt']);
    });

    it('lists agents with liveness, clock skew, certificate expiry and revocation', async () => {
      const { body } = await json('/api/v1/agents');
      const cp1 = body.items.find((a: Body) => a.id === 'hci-mgmt.cp1');
      expect(cp1).toMatchObject({
        cluster: 'hci-mgmt',
        status: 'online',
        clockSkewMs: 1500,
        revoked: false,
        certificate: { expiresInDays: 3, expired: false },
      });
      const old = body.items.find((a: Body) => a.id === 'hci-mgmt.old');
      expect(old).toMatchObject({ revoked: true, certificate: { expired: true } });
      expect((await json('/api/v1/agents?revoked=true')).body.items.map((a: Body) => a.id)).toEqual([
        'hci-mgmt.old',
      ]);
      expect(
        (await json('/api/v1/agents?status=offline&revoked=false')).body.items.map((a: Body) => a.id),
      ).toEqual(['hci-wl1']);
      expect((await json('/api/v1/agents/aks-prod')).body).toMatchObject({
        id: 'aks-prod',
        issuedCertificates: [],
      });
      expect((await json('/api/v1/agents/nope')).status).toBe(404);
    });

    it('lists quarantine newest first with cursor paging, for operators', async () => {
      const first = (await json('/api/v1/quarantine?limit=2', t.tokens.operator)).body;
      expect(first.items.map((q: Body) => q.reason)).toEqual(['schema', 'identity_mismatch']);
      const second = (await json(`/api/v1/quarantine?limit=2&cursor=${first.nextCursor}`, t.tokens.operator))
        .body;
      expect(second.items.map((q: Body) => q.reason)).toEqual(['malformed_json']);
      expect(second.nextCursor).toBeNull();
      expect((await json('/api/v1/quarantine?agent=hci-wl1', t.tokens.operator)).body.items).toHaveLength(2);
    });
  });
  // Exports: apps/hub/src/exports/exports.spec.ts
});
