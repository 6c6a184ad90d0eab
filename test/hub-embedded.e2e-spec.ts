/* eslint-disable @nx/enforce-module-boundaries -- e2e code starts the hub in-process (startHub) against real brokers and databases; the hub app has no package entry point to import instead. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt from 'mqtt';
import { createCsr, createKeyPair, issueCertificate } from '@watchpost/shared';
import { encodeEnvelope, sampleEnvelope } from '../apps/hub/src/ingest/sample-envelope.js';
import { httpsJson, startTestHub, TestAgent, type TestHub } from './support/hub.js';
import { until } from './support/until.js';

/**
 * The default one-command system: hub with its embedded Aedes broker (MQTT 3.1.1, mTLS) and SQLite.
 * enroll (HTTPS) -> publish -> ingest -> ack -> REST; renewal over mTLS; revocation at the broker.
 */
describe('hub with the embedded broker', () => {
  let t: TestHub;
  const agents: TestAgent[] = [];

  beforeAll(async () => {
    t = await startTestHub();
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await t.close();
  });

  const connect = async (...args: Parameters<typeof TestAgent.connect>) => {
    const a = await TestAgent.connect(...args);
    agents.push(a);
    return a;
  };

  it('enrolls agents, ingests their reports, acks after commit and serves them over REST', async () => {
    const mgmt = await t.enroll('hci-mgmt-01', { role: 'management' });
    const work = await t.enroll('hci-work-01', { nodeName: 'moc-node-1' });
    expect(mgmt.agentId).toBe('hci-mgmt-01');
    expect(work.agentId).toBe('hci-work-01.moc-node-1');
    expect(mgmt.mqtt).toEqual({ url: expect.stringMatching(/^mqtts:\/\//), protocolVersion: 4 });

    const url = `mqtts://127.0.0.1:${t.hub.mqttPort}`;
    const a = await connect(mgmt, url, 4);
    const b = await connect(work, url, 4);
    await a.publishRaw(
      'watchpost/v1/agents/hci-mgmt-01/report',
      encodeEnvelope(
        sampleEnvelope('hci-mgmt-01', 1, { cluster: { name: 'hci-mgmt-01', role: 'management' } }),
      ),
    );
    await b.publishRaw(
      'watchpost/v1/agents/hci-work-01.moc-node-1/report',
      encodeEnvelope(sampleEnvelope('hci-work-01.moc-node-1', 1)),
    );
    expect(await a.ack(1)).toEqual({ seq: 1, status: 'stored' });
    expect(await b.ack(1)).toEqual({ seq: 1, status: 'stored' });
    // The app-level ack is QoS 0 on the embedded broker too (docs/contracts-changes.md).
    expect([...a.ackQos, ...b.ackQos]).toEqual([0, 0]);

    const clusters = await t.api<{ items: { name: string; platform: string }[] }>('GET', '/api/v1/clusters', {
      token: t.viewerToken,
    });
    expect(clusters.status).toBe(200);
    expect(clusters.body.items.map((c) => c.name).sort()).toEqual(['hci-mgmt-01', 'hci-work-01']);
    const findings = await t.api<{ items: { checkId: string; outcome: string }[] }>(
      'GET',
      '/api/v1/findings?cluster=hci-mgmt-01&outcome=fail',
      { token: t.viewerToken },
    );
    expect(findings.status).toBe(200);
    expect(findings.body.items.map((f) => f.checkId)).toEqual(['cert-expiry']);

    // plain JSON (no gzip) is accepted on 3.1.1, and a resend of the same seq is a duplicate
    a.acks.clear();
    await a.publishRaw(
      'watchpost/v1/agents/hci-mgmt-01/report',
      JSON.stringify(
        sampleEnvelope('hci-mgmt-01', 1, { cluster: { name: 'hci-mgmt-01', role: 'management' } }),
      ),
    );
    expect(await a.ack(1)).toMatchObject({ seq: 1, status: 'duplicate' });
  });

  it('renews an agent certificate over mTLS and refuses renewal without a valid one', async () => {
    const agent = await t.enroll('hci-renew');
    const keys = createKeyPair('rsa');
    const csr = createCsr({ commonName: 'whatever', privateKeyPem: keys.privateKeyPem });
    const ok = await httpsJson<{ certificate: string }>(`${t.url}/api/v1/agents/renew`, {
      method: 'POST',
      ca: agent.caPem,
      cert: agent.certPem,
      key: agent.keyPem,
      body: { csr },
    });
    expect(ok.status).toBe(200);
    // the renewed certificate is a working MQTT identity (known serial, CN unchanged)
    const renewed = await connect(
      { ...agent, certPem: ok.body.certificate, keyPem: keys.privateKeyPem },
      `mqtts://127.0.0.1:${t.hub.mqttPort}`,
      4,
    );
    await renewed.publishRaw(
      'watchpost/v1/agents/hci-renew/report',
      encodeEnvelope(sampleEnvelope('hci-renew', 1)),
    );
    expect((await renewed.ack(1)).status).toBe('stored');

    const none = await httpsJson<{ error: { code: string } }>(`${t.url}/api/v1/agents/renew`, {
      method: 'POST',
      ca: agent.caPem,
      body: { csr },
    });
    expect(none.body.error.code).toBe('client_certificate_required');
    const expired = issueCertificate({
      ca: t.hub.pki.ca,
      commonName: 'hci-renew',
      usage: 'client',
      validDays: 1,
      now: new Date(Date.now() - 5 * 86_400_000),
    });
    const late = await httpsJson<{ error: { code: string; message: string } }>(
      `${t.url}/api/v1/agents/renew`,
      { method: 'POST', ca: agent.caPem, cert: expired.certPem, key: expired.keyPem, body: { csr } },
    );
    expect(late.status).toBe(401);
    expect(late.body.error.message).toMatch(/expired.*re-enroll/);
  });

  it('revokes an agent: admin only, connection dropped, refused at CONNECT from then on', async () => {
    const agent = await t.enroll('hci-revoked');
    const url = `mqtts://127.0.0.1:${t.hub.mqttPort}`;
    const a = await connect(agent, url, 4);
    const viewer = await t.api('POST', '/api/v1/agents/hci-revoked/revoke', { token: t.viewerToken });
    expect(viewer.status).toBe(403);
    const closed = new Promise<void>((resolve) => a.client.once('close', () => resolve()));
    const res = await t.api<{ agentId: string; certificates: number }>(
      'POST',
      '/api/v1/agents/hci-revoked/revoke',
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ agentId: 'hci-revoked', certificates: 1 });
    await closed;
    await expect(TestAgent.connect(agent, url, 4)).rejects.toThrow(/Not authorized|closed/);
  });

  it('refuses an enrollment token twice, and a garbage CSR with a 400', async () => {
    const svc = t.hub.app.get((await import('../apps/hub/src/pki/enrollment.service.js')).EnrollmentService);
    const { token } = await svc.createToken({ name: 'hci-once', platform: 'aks-hci', role: 'workload' });
    const bad = await httpsJson<{ error: { code: string } }>(`${t.url}/api/v1/enroll`, {
      method: 'POST',
      ca: t.hub.pki.ca.certPem,
      body: { token, csr: 'not a csr' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('bad_csr');
    const keys = createKeyPair('rsa');
    const csr = createCsr({ commonName: 'x', privateKeyPem: keys.privateKeyPem });
    const first = await httpsJson(`${t.url}/api/v1/enroll`, {
      method: 'POST',
      ca: t.hub.pki.ca.certPem,
      body: { token, csr },
    });
    expect(first.status).toBe(201);
    const again = await httpsJson<{ error: { code: string } }>(`${t.url}/api/v1/enroll`, {
      method: 'POST',
      ca: t.hub.pki.ca.certPem,
      body: { token, csr },
    });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('enrollment_token_used');
  });

  it('tracks liveness from the retained online status and the last will', async () => {
    const agent = await t.enroll('hci-live');
    const statusTopic = 'watchpost/v1/agents/hci-live/status';
    const client = mqtt.connect(`mqtts://127.0.0.1:${t.hub.mqttPort}`, {
      clientId: agent.agentId,
      protocolVersion: 4,
      ca: agent.caPem,
      cert: agent.certPem,
      key: agent.keyPem,
      servername: 'localhost',
      reconnectPeriod: 0,
      will: { topic: statusTopic, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    client.on('error', () => undefined);
    await client.publishAsync(
      statusTopic,
      JSON.stringify({ state: 'online', at: new Date().toISOString(), agentVersion: '0.1.0' }),
      { qos: 1, retain: true },
    );
    const status = async () =>
      (await t.api<{ status: string }>('GET', '/api/v1/agents/hci-live', { token: t.viewerToken })).body
        .status;
    await until(async () => ((await status()) === 'online' ? true : undefined));
    // the agent dies without DISCONNECT: the broker publishes its will
    client.stream.destroy();
    await until(async () => ((await status()) === 'offline' ? true : undefined));
  });
});
