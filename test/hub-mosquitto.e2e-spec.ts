/* eslint-disable @nx/enforce-module-boundaries -- e2e code starts the hub in-process (startHub) against real brokers and databases; the hub app has no package entry point to import instead. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { agentTopic, issueCertificate } from '@watchpost/shared';
import { encodeEnvelope, sampleEnvelope } from '../apps/hub/src/ingest/sample-envelope.js';
import {
  createThrowawayDatabase,
  type ThrowawayDatabase,
} from '../apps/hub/src/persistence/throwaway-database.js';
import {
  hubPkiFor,
  startTestHub,
  testHubConfig,
  TestAgent,
  type EnrolledAgent,
  type TestHub,
} from './support/hub.js';
import { startMosquitto, type TestMosquitto } from './support/mosquitto.js';

/**
 * The production shape: hub on PostgreSQL behind a real Mosquitto (deploy/hci config and ACL, MQTT 5, shared
 * subscription, persistent session). Happy path, then every kind of bad input: each is refused with its reason
 * recorded, nothing reaches posture, and the hub keeps working.
 */
describe('hub behind Mosquitto, on PostgreSQL', () => {
  let dir: string;
  let db: ThrowawayDatabase;
  let mosq: TestMosquitto;
  let t: TestHub;
  const agents: TestAgent[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'watchpost-hub-mosq-'));
    db = await createThrowawayDatabase('postgres');
    // Mosquitto trusts the hub CA, so agents enrolled at the hub are its clients and the hub's own certificate works.
    mosq = await startMosquitto({ ca: hubPkiFor(testHubConfig(dir)).ca });
    t = await startTestHub({
      dir,
      overrides: {
        WATCHPOST_MQTT_URL: mosq.url,
        WATCHPOST_DB_URL: db.options.url!,
        WATCHPOST_MAX_REPORT_BYTES: '262144',
        WATCHPOST_MAX_DECOMPRESSED_BYTES: '4194304',
      },
    });
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await t?.close();
    await mosq?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = async (agent: EnrolledAgent, opts: { clientId?: string } = {}) => {
    const a = await TestAgent.connect(agent, mosq.url, 5, opts);
    agents.push(a);
    return a;
  };
  const quarantine = async () =>
    (
      await t.api<{ items: { reason: string; agentId: string | null; seq: number | null }[] }>(
        'GET',
        '/api/v1/quarantine?limit=100',
      )
    ).body.items;

  it('enrolls for MQTT 5 on the external broker and stores a report through the shared subscription', async () => {
    const agent = await t.enroll('aks-prod-weu', { platform: 'aks' });
    expect(agent.mqtt).toEqual({ url: mosq.url, protocolVersion: 5 });
    const a = await connect(agent);
    await a.publishRaw(
      agentTopic(agent.agentId, 'report'),
      encodeEnvelope(sampleEnvelope(agent.agentId, 1, { cluster: { platform: 'aks' } })),
      true,
    );
    expect(await a.ack(1)).toEqual({ seq: 1, status: 'stored' });
    // The app-level ack is QoS 0 (docs/contracts-changes.md), though the agent subscribes at QoS 1.
    expect([...a.ackQos]).toEqual([0]);
    const res = await t.api<{ name: string; platform: string; lastSeq: number }>(
      'GET',
      '/api/v1/clusters/aks-prod-weu',
      { token: t.viewerToken },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'aks-prod-weu', platform: 'aks' });
  });

  it('refuses bad input with its reason recorded, keeps it out of posture, and keeps running', async () => {
    const agent = await t.enroll('hci-bad');
    const other = await t.enroll('hci-victim');
    const a = await connect(agent);
    const topic = agentTopic(agent.agentId, 'report');
    const stored = sampleEnvelope(agent.agentId, 1);
    await a.publishRaw(topic, encodeEnvelope(stored), true);
    expect((await a.ack(1)).status).toBe('stored');
    const before = (
      await t.api<{ items: { lastSeenAt: string }[] }>('GET', '/api/v1/findings?cluster=hci-bad')
    ).body.items;

    // malformed JSON (no seq can be read, so no ack: quarantine only)
    await a.publishRaw(topic, gzipSync('{"schemaVersion":1,"seq":'), true);
    // wrong schema
    await a.publishRaw(
      topic,
      encodeEnvelope({ ...sampleEnvelope(agent.agentId, 2), results: [{ checkId: 'Not An Id' }] }),
      true,
    );
    expect((await a.ack(2)).reason).toMatch(/^schema-invalid: .*results\.0/);
    // oversized
    await a.publishRaw(topic, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(300_000, 1)]), true);
    // zip bomb: 64 MiB of zeros, ~64 KB on the wire, stopped at the 4 MiB cap
    await a.publishRaw(topic, gzipSync(Buffer.alloc(64 * 1024 * 1024)), true);
    // speaking as another agent: the broker ACL refuses the topic outright (MQTT 5 reason 0x87) ...
    const code = await new Promise<number>((resolve) => {
      const listener = (p: { cmd: string; reasonCode?: number }) => {
        if (p.cmd === 'puback') {
          a.client.off('packetreceive', listener);
          resolve(p.reasonCode ?? 0);
        }
      };
      a.client.on('packetreceive', listener);
      a.client.publish(
        agentTopic(other.agentId, 'report'),
        encodeEnvelope(sampleEnvelope(other.agentId, 1)),
        { qos: 1 },
        () => undefined,
      );
    });
    expect(code).toBe(0x87);
    // ... and on its own topic with another agent's id in the envelope, the hub refuses it
    await a.publishRaw(topic, encodeEnvelope(sampleEnvelope(other.agentId, 3)), true);
    expect((await a.ack(3)).reason).toMatch(/^identity-mismatch/);
    // replayed old seq: the stored report again changes nothing
    a.acks.delete(1);
    await a.publishRaw(topic, encodeEnvelope(stored), true);
    expect(await a.ack(1)).toMatchObject({ seq: 1, status: 'duplicate' });

    // revoked certificate: Mosquitto has no CRL here and still lets it in; the hub refuses what it sends
    const revokedAgent = await t.enroll('hci-revoked');
    const r = await connect(revokedAgent);
    expect((await t.api('POST', `/api/v1/agents/${revokedAgent.agentId}/revoke`)).status).toBe(200);
    await r.publishRaw(
      agentTopic(revokedAgent.agentId, 'report'),
      encodeEnvelope(sampleEnvelope(revokedAgent.agentId, 1)),
      true,
    );
    expect((await r.ack(1)).reason).toMatch(/^revoked/);
    // expired certificate: refused at the TLS handshake, nothing reaches the broker or the hub
    const expired = issueCertificate({
      ca: t.hub.pki.ca,
      commonName: 'hci-expired',
      usage: 'client',
      validDays: 1,
      now: new Date(Date.now() - 3 * 86_400_000),
    });
    await expect(
      TestAgent.connect(
        { agentId: 'hci-expired', certPem: expired.certPem, keyPem: expired.keyPem, caPem: agent.caPem },
        mosq.url,
        5,
      ),
    ).rejects.toThrow();

    // every refusal is in quarantine with its reason; the quarantine entries arrive in order of receipt
    const reasons = (await quarantine())
      .filter((q) => q.agentId === 'hci-bad' || q.agentId === 'hci-revoked')
      .map((q) => q.reason);
    expect(reasons.sort()).toEqual([
      'decompressed-too-large',
      'identity-mismatch',
      'malformed-json',
      'revoked',
      'schema-invalid',
      'too-large',
    ]);
    // posture untouched: same findings, not re-seen; the victim and the revoked agent have none
    const after = (
      await t.api<{ items: { lastSeenAt: string }[] }>('GET', '/api/v1/findings?cluster=hci-bad')
    ).body.items;
    expect(after).toEqual(before);
    expect(
      (await t.api<{ items: unknown[] }>('GET', '/api/v1/findings?cluster=hci-victim')).body.items,
    ).toEqual([]);
    expect(
      (await t.api<{ items: unknown[] }>('GET', '/api/v1/findings?cluster=hci-revoked')).body.items,
    ).toEqual([]);
    // still healthy and still ingesting
    expect((await t.api<{ status: string }>('GET', '/readyz')).body.status).toBe('ready');
    await a.publishRaw(topic, encodeEnvelope(sampleEnvelope(agent.agentId, 4)), true);
    expect(await a.ack(4)).toEqual({ seq: 4, status: 'stored' });
  });
});
