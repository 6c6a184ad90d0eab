/* eslint-disable @typescript-eslint/no-unsafe-return -- JSON bodies are loose here on purpose: expect() judges their shape. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportEnvelopeV1Schema, type ReportEnvelopeV1 } from '@watchpost/shared';
import { csvRecords, sarifSchemaValidator } from '@watchpost/shared/testing';
import { startApiTestApp, type ApiTestApp } from '../api/testing/api-test-app.js';
import { loadHubConfig } from '../config/hub-config.js';
import { IngestService } from '../ingest/ingest.service.js';
import { encodeEnvelope } from '../ingest/sample-envelope.js';
import { AgentEntity, ClusterEntity } from '../persistence/index.js';
import { PostureRulesService } from './posture-rules.service.js';

type Body = ReturnType<typeof JSON.parse>;
const DAY = 86_400_000;
const T0 = Date.parse('2026-11-23T10:05:05.000Z');
const AGENT = 'hci-west-01.moc-node-1';
const CLUSTER = 'hci-wl-retail';
const GOLDEN = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'wire',
  'report.v1.json',
);

/**
 * The golden wire sample (a real scan of the aks-hci workload bundle), with exemptions the agent applied: an
 * annotation on the one pod-host-path failure, a config exemption of gmsa-pod-rbac-use expiring a day after the
 * scan, and one of gmsa-pod-credspec that had already expired when the hub received the report.
 */
function envelope(): ReportEnvelopeV1 {
  const env = reportEnvelopeV1Schema.parse(JSON.parse(readFileSync(GOLDEN, 'utf8')));
  for (const r of env.results) {
    if (r.outcome !== 'fail') continue;
    if (r.checkId === 'pod-host-path')
      r.exemption = {
        source: 'annotation',
        reason: 'node-exporter reads the host read-only by design',
        ref: 'DaemonSet monitoring/node-exporter',
      };
    if (r.checkId === 'gmsa-pod-rbac-use')
      r.exemption = {
        source: 'config',
        reason: 'gMSA RBAC fixed in the next release',
        ref: 'config exemptions[0]',
        expiresAt: new Date(T0 + DAY).toISOString(),
      };
    if (r.checkId === 'gmsa-pod-credspec')
      r.exemption = { source: 'config', reason: 'lapsed', expiresAt: new Date(T0 - 3_600_000).toISOString() };
  }
  return env;
}

describe.each(['sqlite', 'postgres'] as const)(
  'exemptions applied to scores, counts and metrics on %s',
  (kind) => {
    let t: ApiTestApp;
    // The test app's clock returns this very Date: moving it moves the hub's time.
    const now = new Date(T0);
    const call = async (method: string, path: string, token?: string, body?: unknown) => {
      const res = await fetch(t.url + path, {
        method,
        headers: {
          Authorization: `Bearer ${token ?? t.tokens.viewer}`,
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return {
        status: res.status,
        body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
      };
    };
    const cluster = async () => (await call('GET', `/api/v1/clusters/${CLUSTER}`)).body;
    const metric = async (name: string, severity: string) => {
      const scrape = (await call('GET', '/metrics')).body as string;
      const line = scrape
        .split('\n')
        .find((l) =>
          l.startsWith(`${name}{cluster="${CLUSTER}",platform="aks-hci",severity="${severity}"} `),
        );
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    const findings = async (query: string) =>
      (await call('GET', `/api/v1/findings?cluster=${CLUSTER}&limit=1000&${query}`)).body.items as Body[];
    const sweep = () => t.app.get(PostureRulesService).sweep();
    const store = async (env: ReportEnvelopeV1) => {
      const ingest = new IngestService(t.ds, loadHubConfig({}));
      const [out] = await ingest.ingestBatch([
        {
          topic: `watchpost/v1/agents/${AGENT}/report`,
          payload: encodeEnvelope(env),
          receivedAt: new Date(now),
        },
      ]);
      return out?.status;
    };

    beforeAll(async () => {
      t = await startApiTestApp({
        kind,
        now,
        seed: async (ds) => {
          await ds.getRepository(ClusterEntity).insert({
            name: CLUSTER,
            platform: 'aks-hci',
            role: 'workload',
            location: null,
            kubernetesVersion: null,
            lastAgentId: null,
            lastSeq: null,
            lastScannedAt: null,
            lastReceivedAt: null,
            clockSkewMs: null,
            scores: null,
            score: null,
            summary: null,
            createdAt: '2026-11-01T00:00:00.000Z',
            updatedAt: '2026-11-01T00:00:00.000Z',
          });
          await ds.getRepository(AgentEntity).insert({
            id: AGENT,
            clusterName: CLUSTER,
            nodeName: 'moc-lwl1cp7f3c9',
            enrolledAt: '2026-11-01T00:00:00.000Z',
          });
        },
      });
      // A real ingest: the agent-carried exemptions arrive on the wire.
      expect(await store(envelope())).toBe('stored');
    });
    afterAll(async () => {
      await t?.close();
    });

    it('applies agent-carried exemptions at ingest: listed and marked, left out of the score and the open counts', async () => {
      const c = await cluster();
      // workload: 71 pass of 85 evaluated in the report; the annotated failure leaves the denominator (71/84).
      expect(c.scores.workload).toBe(85);
      expect(c.posture.workload).toMatchObject({ pass: 71, fail: 9, warn: 4, score: 85 });
      // The report's history point counts the same way.
      const history = (await call('GET', `/api/v1/clusters/${CLUSTER}/history`)).body.points;
      expect(history.at(-1)).toMatchObject({ score: c.score, scores: c.scores });
      // identity: the expired config exemption does not apply, the live one does (13 pass of 15).
      expect(c.scores.identity).toBe(87);
      // 12 high problems in the report (one of them the cert-key-mismatch error), 2 exempted.
      expect(c.openBySeverity.high).toBe(10);
      const exempted = await findings('exempted=true');
      expect(exempted.map((f) => [f.checkId, f.exemption.source])).toEqual([
        ['gmsa-pod-rbac-use', 'config'],
        ['pod-host-path', 'annotation'],
      ]);
      expect(exempted[1].exemption).toEqual({
        source: 'annotation',
        reason: 'node-exporter reads the host read-only by design',
        ref: 'DaemonSet monitoring/node-exporter',
        expiresAt: null,
      });
      const credspec = (await findings('check=gmsa-pod-credspec'))[0];
      expect(credspec.exemption).toBeUndefined();
      expect((await findings('exempted=false')).some((f) => f.exemption)).toBe(false);
      expect(await metric('watchpost_findings_exempted', 'high')).toBe(2);
      expect(await metric('watchpost_findings_open', 'high')).toBe(10);

      // SARIF: an annotation is an in-source suppression, a config entry an external one (SARIF 2.1.0 schema).
      const log = (await call('GET', `/api/v1/exports/findings?format=sarif&cluster=${CLUSTER}`)).body;
      const validate = sarifSchemaValidator();
      expect(validate(log) ? [] : validate.errors).toEqual([]);
      const suppressed = (log.runs[0].results as Body[]).filter((r) => r.suppressions);
      expect(suppressed.map((r) => [r.ruleId, r.suppressions[0].kind, r.suppressions[0].status])).toEqual([
        ['gmsa-pod-rbac-use', 'external', 'accepted'],
        ['pod-host-path', 'inSource', 'accepted'],
      ]);
      expect(suppressed[1].suppressions[0]).toMatchObject({
        justification: 'node-exporter reads the host read-only by design',
        properties: { source: 'annotation', ref: 'DaemonSet monitoring/node-exporter' },
      });
    });

    it('a hub exemption lifts the score and leaves the open counts and metrics at once; it expires by itself', async () => {
      const before = await cluster();
      const fleetBefore = (await call('GET', '/api/v1/fleet/summary')).body.groups.onPrem;
      expect(before.scores.network).toBe(35); // 9 pass of 26
      const r = await call('POST', '/api/v1/exemptions', t.tokens.operator, {
        scope: { kind: 'cluster', cluster: CLUSTER },
        target: { checkId: 'netpol-namespace-default-deny-egress' },
        reason: 'Egress policies roll out with the Q1 network redesign (CHG-5120)',
        expiresAt: new Date(T0 + 2 * DAY).toISOString(),
      });
      expect(r.status).toBe(201);
      const after = await cluster();
      expect(after.scores.network).toBe(43); // 9 pass of 21
      expect(after.score).toBeGreaterThan(before.score);
      expect(after.openBySeverity.medium).toBe(before.openBySeverity.medium - 5);
      expect(after.posture.network).toMatchObject({ fail: 9, score: 43 });
      const fleet = (await call('GET', '/api/v1/fleet/summary')).body.groups.onPrem;
      expect(fleet.openBySeverity.medium).toBe(fleetBefore.openBySeverity.medium - 5);
      expect(fleet.byArea.network.fail).toBe(fleetBefore.byArea.network.fail - 5);
      expect(fleet.byArea.network.averageClusterScore).toBe(43);
      expect(await metric('watchpost_findings_open', 'medium')).toBe(after.openBySeverity.medium);
      expect(await metric('watchpost_findings_exempted', 'medium')).toBe(5);
      const checks = (await call('GET', '/api/v1/checks/netpol-namespace-default-deny-egress')).body;
      expect(checks.clusters).toEqual([]);
      const rows = await findings('check=netpol-namespace-default-deny-egress&exempted=true');
      expect(rows).toHaveLength(5);
      expect(rows[0].exemption).toEqual({
        source: 'hub',
        id: r.body.id,
        reason: 'Egress policies roll out with the Q1 network redesign (CHG-5120)',
        author: 'test-operator',
        expiresAt: new Date(T0 + 2 * DAY).toISOString(),
      });

      // A day later the agent's config exemption has expired; two days later the hub's too. No report needed.
      now.setTime(T0 + DAY);
      expect(await sweep()).toBe(1);
      expect((await cluster()).scores.identity).toBe(81); // 13 of 16
      now.setTime(T0 + 2 * DAY);
      expect(await sweep()).toBe(5);
      const expired = await cluster();
      expect(expired.scores.network).toBe(35);
      expect(expired.openBySeverity.medium).toBe(before.openBySeverity.medium);
      expect(await metric('watchpost_findings_exempted', 'medium')).toBe(0);
      expect(await sweep()).toBe(0);
    });

    it('revoking an exemption makes its findings count again at once', async () => {
      const before = await cluster();
      const r = await call('POST', '/api/v1/exemptions', t.tokens.operator, {
        scope: { kind: 'platform', platform: 'aks-hci' },
        target: { area: 'network' },
        reason: 'The network area is re-done in Q1; accepted fleet-wide until then',
        expiresAt: new Date(now.getTime() + 30 * DAY).toISOString(),
      });
      const exempted = await cluster();
      // Every network problem left: 9 pass of 9.
      expect(exempted.scores.network).toBe(100);
      expect(exempted.worstOpenSeverity.network).toBeUndefined();
      const revoked = await call('DELETE', `/api/v1/exemptions/${r.body.id}`, t.tokens.operator, {});
      expect(revoked.body.status).toBe('revoked');
      expect(await cluster()).toMatchObject({ scores: before.scores, openBySeverity: before.openBySeverity });
      const history = (await call('GET', `/api/v1/exemptions/${r.body.id}/history`)).body.items;
      expect(history.map((e: Body) => e.action)).toEqual(['created', 'revoked']);
    });

    it('never exempts an error outcome, even when the exemption covers its whole area', async () => {
      const ratio = async () => {
        const scrape = (await call('GET', '/metrics')).body as string;
        const prefix = `watchpost_certificate_lifetime_left_ratio{cluster="${CLUSTER}",platform="aks-hci"} `;
        return Number(
          scrape
            .split('\n')
            .find((l) => l.startsWith(prefix))
            ?.slice(prefix.length),
        );
      };
      // The kubelet certificates (12 % of their lifetime left) warn; the next least is a passing one.
      const before = await ratio();
      expect(before).toBeLessThan(0.2);
      await call('POST', '/api/v1/exemptions', t.tokens.operator, {
        scope: { kind: 'fleet' },
        target: { area: 'certificates' },
        reason: 'Certificates are replaced in the December window (CHG-7781)',
        expiresAt: new Date(now.getTime() + 30 * DAY).toISOString(),
      });
      const certs = await findings('area=certificates&outcome=warn,error');
      expect(certs.filter((f) => f.outcome === 'warn').every((f) => f.exemption?.source === 'hub')).toBe(
        true,
      );
      const errors = certs.filter((f) => f.outcome === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].exemption).toBeUndefined();
      const c = await cluster();
      // certificates: 63 pass, 4 warns exempted, the error still evaluated: 63 of 64.
      expect(c.scores.certificates).toBe(98);
      expect(c.worstOpenSeverity.certificates).toBe('high');
      // Exempted certificate findings never page: the expiry series reads the certificates that still count.
      expect(await ratio()).toBeGreaterThan(0.2);
    });

    it('severity overrides: the narrowest scope wins, used everywhere, expiring and revoked, audited', async () => {
      const t1 = now.getTime();
      const post = (body: unknown, token = t.tokens.operator) =>
        call('POST', '/api/v1/severity-overrides', token, body);
      const base = {
        checkId: 'netpol-imds-egress',
        reason: 'IMDS matters less on this fleet: no managed identity',
      };
      const before = await cluster();
      const fleet = await post({ ...base, scope: { kind: 'fleet' }, severity: 'low' });
      expect(fleet.status).toBe(201);
      const platform = await post(
        {
          ...base,
          scope: { kind: 'platform', platform: 'aks-hci' },
          severity: 'critical',
          expiresAt: new Date(t1 + DAY).toISOString(),
        },
        t.tokens.admin,
      );
      const own = await post({ ...base, scope: { kind: 'cluster', cluster: CLUSTER }, severity: 'medium' });
      expect(own.body).toMatchObject({
        severity: 'medium',
        author: 'test-operator',
        expiresAt: null,
        status: 'active',
      });

      // The cluster's own override wins: the 4 failures (reported high) count as medium everywhere.
      const rows = await findings('check=netpol-imds-egress&outcome=fail');
      expect(rows.map((f) => [f.severity, f.severityOverride])).toEqual(
        Array(4).fill(['medium', { id: own.body.id, from: 'high', expiresAt: null }]),
      );
      expect((await findings('check=netpol-imds-egress&severity=high')).length).toBe(0);
      const c = await cluster();
      expect(c.openBySeverity.high).toBe(before.openBySeverity.high - 4);
      expect(c.openBySeverity.medium).toBe(before.openBySeverity.medium + 4);
      expect(await metric('watchpost_findings_open', 'medium')).toBe(c.openBySeverity.medium);
      const csv = (
        await call('GET', `/api/v1/exports/findings?format=csv&cluster=${CLUSTER}&check=netpol-imds-egress`)
      ).body as string;
      expect(csvRecords(csv)[0]).toMatchObject({
        severity: 'medium',
        outcome: 'fail',
        reported_severity: 'high',
      });

      // Revoked: the platform's applies (critical); it expires a day later and the fleet's applies (low).
      expect(
        (await call('DELETE', `/api/v1/severity-overrides/${own.body.id}`, t.tokens.operator, {})).status,
      ).toBe(200);
      expect((await cluster()).worstOpenSeverity.network).toBe('critical');
      expect(await metric('watchpost_findings_open', 'critical')).toBe(4);
      now.setTime(t1 + DAY);
      // Every row of the check takes the severity (passes and not_applicable ones too).
      expect(await sweep()).toBe((await findings('check=netpol-imds-egress')).length);
      const later = await findings('check=netpol-imds-egress&outcome=fail');
      expect(later.map((f) => f.severity)).toEqual(['low', 'low', 'low', 'low']);
      expect((await call('GET', `/api/v1/severity-overrides/${platform.body.id}`)).body.status).toBe(
        'expired',
      );

      // Refusals, and who may change what.
      expect((await post({ ...base, scope: { kind: 'fleet' }, severity: 'info' })).body.error.code).toBe(
        'override_exists',
      );
      const refused = await post({
        ...base,
        reason: undefined,
        scope: { kind: 'fleet' },
        severity: 'info',
      });
      expect([refused.status, refused.body.error.message]).toEqual([
        400,
        expect.stringContaining('"reason"'),
      ]);
      const tooLate = await post({
        ...base,
        scope: { kind: 'cluster', cluster: 'x' },
        severity: 'info',
        expiresAt: new Date(now.getTime() + 366 * DAY).toISOString(),
      });
      expect([tooLate.status, tooLate.body.error.message]).toEqual([
        400,
        expect.stringContaining('365 days'),
      ]);
      expect(
        (await post({ ...base, scope: { kind: 'fleet' }, severity: 'info' }, t.tokens.viewer)).status,
      ).toBe(403);
      expect(
        (
          await call('PATCH', `/api/v1/severity-overrides/${platform.body.id}`, t.tokens.operator, {
            severity: 'low',
          })
        ).status,
      ).toBe(403);
      const changed = await call('PATCH', `/api/v1/severity-overrides/${fleet.body.id}`, t.tokens.operator, {
        severity: 'info',
      });
      expect(changed.body.severity).toBe('info');
      expect((await findings('check=netpol-imds-egress&outcome=fail'))[0].severity).toBe('info');

      // A new report takes the rules in force when it arrives.
      expect(await store({ ...envelope(), seq: 43, scannedAt: new Date(now).toISOString() })).toBe('stored');
      expect((await findings('check=netpol-imds-egress&outcome=fail')).map((f) => f.severity)).toEqual(
        Array(4).fill('info'),
      );

      const history = (await call('GET', `/api/v1/severity-overrides/${fleet.body.id}/history`)).body.items;
      expect(history.map((e: Body) => [e.subject, e.action, e.actor])).toEqual([
        ['override', 'created', 'test-operator'],
        ['override', 'updated', 'test-operator'],
      ]);
      expect(history[1].detail).toEqual({ changes: { severity: { before: 'low', after: 'info' } } });
      const all = (await call('GET', '/api/v1/exemption-history')).body.items;
      expect(all.filter((e: Body) => e.subject === 'override').map((e: Body) => e.action)).toEqual([
        'created',
        'created',
        'created',
        'revoked',
        'updated',
      ]);
    });
  },
);
