import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import { createCa, issueCertificate, HUB_IDENTITY, agentTopic, type CaMaterial } from '@watchpost/shared';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';

// Real TLS, real Aedes, real mqtt.js clients: the identity of a connection is its certificate, nothing else.
describe('embedded broker', () => {
  let ca: CaMaterial;
  let broker: EmbeddedBroker;
  const revoked = new Set<string>();
  const clients: MqttClient[] = [];
  const creds = new Map<string, { cert: string; key: string; serial: string }>();

  function cred(cn: string, issuer: CaMaterial = ca, validDays = 1, now?: Date) {
    const c = issueCertificate({ ca: issuer, commonName: cn, usage: 'client', validDays, now });
    return { cert: c.certPem, key: c.keyPem, serial: c.serial };
  }

  function connect(
    cn: string,
    opts: { clientId?: string; c?: { cert: string; key: string } } = {},
  ): Promise<MqttClient> {
    const c = opts.c ?? creds.get(cn) ?? cred(cn);
    creds.set(cn, { serial: '', ...c });
    const client = mqtt.connect(`mqtts://127.0.0.1:${broker.port}`, {
      clientId: opts.clientId ?? cn,
      protocolVersion: 4,
      ca: ca.certPem,
      cert: c.cert,
      key: c.key,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    clients.push(client);
    return new Promise((resolve, reject) => {
      client.once('connect', () => resolve(client));
      client.once('error', reject);
      client.once('close', () => reject(new Error('closed before CONNACK')));
    });
  }

  beforeAll(async () => {
    ca = createCa({ commonName: 'test hub CA', validDays: 30 });
    const server = issueCertificate({
      ca,
      commonName: 'hub',
      usage: 'server',
      sans: ['127.0.0.1', 'localhost'],
      validDays: 30,
    });
    broker = await startEmbeddedBroker({
      port: 0,
      host: '127.0.0.1',
      ca: ca.certPem,
      cert: server.certPem,
      key: server.keyPem,
      isRevoked: ({ serial }) => revoked.has(serial),
    });
  });
  afterAll(async () => {
    for (const c of clients) c.end(true);
    await broker.close();
  });

  it('routes an agent report to the hub, and the hub ack back to that agent only', async () => {
    const hub = await connect(HUB_IDENTITY);
    await hub.subscribeAsync('watchpost/v1/agents/+/report', { qos: 1 });
    const agent = await connect('hci-mgmt');
    const granted = await agent.subscribeAsync(agentTopic('hci-mgmt', 'ack'), { qos: 1 });
    expect(granted[0].qos).toBe(1);
    const got = new Promise<string>((resolve) => hub.once('message', (topic) => resolve(topic)));
    await agent.publishAsync(agentTopic('hci-mgmt', 'report'), 'x', { qos: 1 });
    expect(await got).toBe('watchpost/v1/agents/hci-mgmt/report');
    const ack = new Promise<string>((resolve) => agent.once('message', (_t, p) => resolve(p.toString())));
    await hub.publishAsync(agentTopic('hci-mgmt', 'ack'), '{"seq":1,"status":"stored"}', { qos: 1 });
    expect(await ack).toContain('stored');
  });

  it('refuses a subscription to another agent acks or to reports', async () => {
    const agent = await connect('hci-work');
    // SUBACK 0x80: mqtt.js turns it into an error, and the connection stays up.
    await expect(agent.subscribeAsync(agentTopic('hci-mgmt', 'ack'), { qos: 1 })).rejects.toThrow(
      /Subscribe error/,
    );
    await expect(agent.subscribeAsync('watchpost/v1/agents/+/report', { qos: 1 })).rejects.toThrow(
      /Subscribe error/,
    );
    expect(agent.connected).toBe(true);
    expect((await agent.subscribeAsync(agentTopic('hci-work', 'ack'), { qos: 1 }))[0].qos).toBe(1);
  });

  it('closes the connection of an agent publishing as another agent', async () => {
    const agent = await connect('aks-prod');
    const closed = new Promise<void>((resolve) => agent.once('close', () => resolve()));
    agent.publish(agentTopic('hci-mgmt', 'report'), 'spoof', { qos: 1 });
    await closed;
  });

  it('refuses a client id that is not the certificate identity', async () => {
    await expect(connect('rogue', { clientId: 'hci-mgmt', c: cred('rogue') })).rejects.toThrow(
      /Identifier rejected|closed/,
    );
  });

  it('refuses a revoked certificate at CONNECT', async () => {
    const c = cred('revoked-agent');
    revoked.add(c.serial);
    await expect(connect('revoked-agent', { c })).rejects.toThrow(/Not authorized|closed/);
  });

  it('refuses certificates from another CA and expired certificates at the TLS handshake', async () => {
    const otherCa = createCa({ commonName: 'someone else', validDays: 30 });
    await expect(connect('foreign', { c: cred('foreign', otherCa) })).rejects.toThrow();
    const expired = cred('expired-agent', ca, 1, new Date(Date.now() - 3 * 86_400_000));
    await expect(connect('expired-agent', { c: expired })).rejects.toThrow();
  });

  it('drops the connections of an identity on demand', async () => {
    const agent = await connect('to-revoke');
    const closed = new Promise<void>((resolve) => agent.once('close', () => resolve()));
    expect(broker.disconnect('to-revoke')).toBe(1);
    await closed;
  });
});
