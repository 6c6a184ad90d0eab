/* eslint-disable @typescript-eslint/no-unsafe-return -- JSON bodies are loose here on purpose: expect() judges their shape. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CATALOGUE } from '@watchpost/shared';
import { csvRecords, parseCsv, sarifSchemaValidator } from '@watchpost/shared/testing';
import { FIXTURE_NOW, seedFixture } from '../api/testing/api-fixture.js';
import { startApiTestApp, type ApiTestApp } from '../api/testing/api-test-app.js';
import { FINDINGS_CSV_COLUMNS } from './csv.js';

// JSON bodies as the tests see them: indexed freely, judged by expect().
type Body = ReturnType<typeof JSON.parse>;

const OPEN = new Set(['fail', 'warn', 'error']);
const remediationOf = (id: string) => CATALOGUE.find((c) => c.id === id)?.remediation ?? '';

describe.each(['sqlite', 'postgres'] as const)('findings exports on %s', (kind) => {
  let t: ApiTestApp;
  const get = (path: string) =>
    fetch(t.url + path, { headers: { Authorization: `Bearer ${t.tokens.viewer}` } });
  const exported = async (query: string): Promise<Body> =>
    (await (await get(`/api/v1/exports/findings?${query}`)).json()) as Body;

  beforeAll(async () => {
    t = await startApiTestApp({ kind, now: FIXTURE_NOW, seed: seedFixture });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('CSV: RFC 4180 quoting that reads back to the same values as the JSON export, with the remediation', async () => {
    const res = await get('/api/v1/exports/findings?format=csv&cluster=hci-mgmt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toMatch(
      /attachment; filename="watchpost-findings-20261123T120000\.csv"/,
    );
    const text = await res.text();
    expect(text).toContain('"certificate ""kube-apiserver"", CN=kube-apiserver, expires in 1 day: renew it"');
    expect(text).toContain('"verbs [""*""] on resources [""*""]\nbound to group ops"');
    expect(parseCsv(text)[0]).toEqual([...FINDINGS_CSV_COLUMNS]);
    const rows = csvRecords(text);
    const json = await exported('format=json&cluster=hci-mgmt');
    expect(rows.length).toBe(json.findings.length);
    expect(rows.length).toBeGreaterThan(0);
    rows.forEach((rec, i) => {
      const f = json.findings[i];
      expect(rec).toMatchObject({
        cluster: f.cluster,
        check_id: f.checkId,
        outcome: f.outcome,
        message: f.message,
        resource_path: f.resource.path ?? '',
        resolved_at: '',
        remediation: remediationOf(f.checkId),
      });
      expect(rec.remediation).not.toBe('');
    });
  });

  it('defaults to open findings (fail, warn, error, unresolved); includePasses adds the rest', async () => {
    const open = await exported('cluster=hci-mgmt');
    expect(open.filters).toEqual({
      cluster: ['hci-mgmt'],
      outcome: ['fail', 'warn', 'error'],
      resolved: false,
    });
    expect(open.findings.every((f: Body) => OPEN.has(f.outcome) && f.resolvedAt === null)).toBe(true);
    const all = await exported('cluster=hci-mgmt&includePasses=true');
    expect(all.filters).toEqual({ cluster: ['hci-mgmt'], resolved: false });
    const outcomes = new Set(all.findings.map((f: Body) => f.outcome));
    expect(outcomes.has('pass')).toBe(true);
    expect(all.findings.filter((f: Body) => OPEN.has(f.outcome))).toEqual(open.findings);
    // The same rows as the findings list API with the same filters.
    const list = (await (
      await get('/api/v1/findings?cluster=hci-mgmt&resolved=false&limit=1000')
    ).json()) as Body;
    expect(all.findings.map((f: Body) => f.id)).toEqual(list.items.map((f: Body) => f.id));
    // Explicit filters replace the defaults.
    const resolved = await exported('resolved=true&includePasses=true');
    expect(resolved.findings.length).toBeGreaterThan(0);
    expect(resolved.findings.every((f: Body) => f.resolvedAt !== null)).toBe(true);
    const fails = await exported('platform=aks&outcome=fail');
    expect(fails.filters).toEqual({ platform: ['aks'], outcome: ['fail'], resolved: false });
    expect(fails.findings.length).toBeGreaterThan(0);
    expect(new Set(fails.findings.map((f: Body) => `${f.cluster} ${f.outcome}`))).toEqual(
      new Set(['aks-prod fail']),
    );
    const bad = await get('/api/v1/exports/findings?includePasses=yes');
    expect(bad.status).toBe(400);
  });

  it('SARIF 2.1.0 that validates against the schema, open findings by default', async () => {
    const res = await get('/api/v1/exports/findings?format=sarif');
    expect(res.headers.get('content-type')).toContain('application/sarif+json');
    const log = (await res.json()) as Body;
    const validate = sarifSchemaValidator();
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The validator does catch a broken log.
    expect(validate({ ...log, version: '2.0.0' })).toBe(false);
    const results = log.runs[0].results;
    expect(results.length).toBe((await exported('format=json')).findings.length);
    expect(new Set(results.map((r: Body) => r.properties.outcome))).toEqual(OPEN);
    const rules = log.runs[0].tool.driver.rules;
    for (const r of results) expect(rules[r.ruleIndex].id).toBe(r.ruleId);
    const apiserver = results.find(
      (r: Body) =>
        r.ruleId === 'cert-expiry' &&
        r.properties.cluster === 'hci-mgmt' &&
        r.kind === 'fail' &&
        r.level === 'error',
    );
    expect(apiserver.locations[0].physicalLocation.artifactLocation.uri).toBe(
      'file:///etc/kubernetes/pki/apiserver.crt',
    );
    expect(apiserver.locations[0].logicalLocations[0].fullyQualifiedName).toBe(
      'hci-mgmt/HostFile//etc/kubernetes/pki/apiserver.crt',
    );
    const err = results.find((r: Body) => r.ruleId === 'etcd-encryption-at-rest');
    expect([err.kind, err.level]).toEqual(['open', 'none']);
    expect(new Set(results.map((r: Body) => r.partialFingerprints['watchpostFinding/v1'])).size).toBe(
      results.length,
    );
    const all = (await (
      await get('/api/v1/exports/findings?format=sarif&includePasses=true')
    ).json()) as Body;
    expect(validate(all) ? [] : validate.errors).toEqual([]);
    expect(all.runs[0].results.some((r: Body) => r.kind === 'pass')).toBe(true);
  });

  it('exempted findings stay in every format, marked: JSON exemption, CSV columns, SARIF suppressions', async () => {
    const post = async (body: unknown) =>
      (await (
        await fetch(`${t.url}/api/v1/exemptions`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${t.tokens.operator}`, 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json()) as Body;
    const reason = 'Certificates of hci-mgmt are replaced in the December maintenance window (CHG-7781)';
    const ex = await post({
      scope: { kind: 'cluster', cluster: 'hci-mgmt' },
      target: { checkId: 'cert-expiry' },
      reason,
      expiresAt: '2027-01-31T00:00:00Z',
    });
    // An exemption never hides a check that could not decide.
    await post({
      scope: { kind: 'fleet' },
      target: { area: 'encryption' },
      reason: 'KMS migration planned, tracked in CHG-7790',
      expiresAt: '2027-01-31T00:00:00Z',
    });
    const json = await exported('cluster=hci-mgmt');
    const certs = json.findings.filter((f: Body) => f.checkId === 'cert-expiry');
    expect(certs.length).toBeGreaterThan(0);
    for (const f of certs)
      expect(f.exemption).toEqual({
        source: 'hub',
        id: ex.id,
        reason,
        author: 'test-operator',
        expiresAt: '2027-01-31T00:00:00.000Z',
      });
    const errors = (await exported('area=encryption')).findings.filter((f: Body) => f.outcome === 'error');
    expect(errors.length).toBeGreaterThan(0);
    for (const f of errors) expect(f.exemption).toBeNull();
    expect(
      json.findings
        .filter((f: Body) => f.checkId !== 'cert-expiry' && f.area !== 'encryption')
        .every((f: Body) => f.exemption === null),
    ).toBe(true);

    const rows = csvRecords(await (await get('/api/v1/exports/findings?format=csv&cluster=hci-mgmt')).text());
    const certRow = rows.find((r) => r.check_id === 'cert-expiry')!;
    expect(certRow).toMatchObject({
      exempted: 'true',
      exemption_id: ex.id,
      exemption_reason: reason,
      exemption_author: 'test-operator',
      exemption_expires_at: '2027-01-31T00:00:00.000Z',
    });
    const fleetRows = csvRecords(
      await (await get('/api/v1/exports/findings?format=csv&area=encryption')).text(),
    );
    expect(fleetRows.find((r) => r.outcome === 'error')).toMatchObject({
      exempted: 'false',
      exemption_reason: '',
    });

    const log = (await (await get('/api/v1/exports/findings?format=sarif&cluster=hci-mgmt')).json()) as Body;
    const validate = sarifSchemaValidator();
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    const suppressed = log.runs[0].results.filter((r: Body) => r.suppressions);
    expect(suppressed.length).toBe(certs.length);
    expect(suppressed[0].suppressions).toEqual([
      {
        kind: 'external',
        status: 'accepted',
        justification: reason,
        properties: {
          source: 'hub',
          exemptionId: ex.id,
          author: 'test-operator',
          expiresAt: '2027-01-31T00:00:00.000Z',
        },
      },
    ]);
  });
});
