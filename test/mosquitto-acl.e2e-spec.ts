import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { agentTopic, HUB_IDENTITY, isHubIdentity, mayPublish, maySubscribe } from '@watchpost/shared';
import {
  renderTestConfig,
  startMosquitto,
  type ClientIdentity,
  type TestMosquitto,
} from './support/mosquitto.js';

/** The shipped Mosquitto config and ACL, run for real, agree with the shared ACL rule the embedded broker uses. */
describe('mosquitto (deploy/hci) mTLS + ACL', () => {
  let broker: TestMosquitto;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await broker.close();
  });

  async function connect(id: ClientIdentity | undefined, clientId: string): Promise<MqttClient> {
    const client = mqtt.connect(broker.url, {
      protocolVersion: 5,
      clientId,
      ca: broker.ca.certPem,
      servername: broker.servername,
      ...(id ? { cert: id.certPem, key: id.keyPem } : {}),
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    clients.push(client);
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error('closed before CONNACK')));
    });
    return client;
  }

  /** The PUBACK reason code for one QoS 1 publish, read from the packet itself. */
  async function pubackCode(client: MqttClient, topic: string): Promise<number> {
    const codes = new Map<number, number>();
    const listener = (packet: { cmd: string; messageId?: number; reasonCode?: number }): void => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined)
        codes.set(packet.messageId, packet.reasonCode ?? 0);
    };
    client.on('packetreceive', listener);
    try {
      const messageId = await new Promise<number>((resolve) => {
        client.publish(topic, 'x', { qos: 1 }, (_err, packet) =>
          resolve((packet as IPublishPacket | undefined)?.messageId ?? -1),
        );
      });
      return codes.get(messageId) ?? -1;
    } finally {
      client.off('packetreceive', listener);
    }
  }

  it('renders from the shipped file with every environment-specific line rewritten', async () => {
    const conf = await renderTestConfig({ port: 1234, dir: '/tmp/x' });
    expect(conf).toContain('listener 1234 127.0.0.1');
    expect(conf).toContain('require_certificate true');
    expect(conf).toContain('use_identity_as_username true');
    expect(conf).not.toMatch(/\/etc\/mosquitto/);
  });

  it('refuses a client without a certificate', async () => {
    await expect(connect(undefined, 'anon')).rejects.toThrow();
  });

  it('an agent publishes only under its own id (0x87 otherwise) and the hub receives through a shared subscription', async () => {
    const hub = await connect(broker.hubIdentity(), 'hub-1');
    const sub = await hub.subscribeAsync('$share/ingest/watchpost/v1/agents/+/report', { qos: 1 });
    expect(sub[0].qos).toBe(1);
    expect(maySubscribe(HUB_IDENTITY, '$share/ingest/watchpost/v1/agents/+/report')).toBe(true);

    const agent = await connect(broker.identity('agent-a'), 'agent-a');
    const received = new Promise<string>((resolve) => hub.once('message', (topic) => resolve(topic)));
    expect(await pubackCode(agent, agentTopic('agent-a', 'report'))).toBe(0);
    expect(await received).toBe(agentTopic('agent-a', 'report'));
    expect(mayPublish('agent-a', agentTopic('agent-a', 'report'))).toBe(true);

    expect(await pubackCode(agent, agentTopic('agent-b', 'report'))).toBe(0x87);
    expect(mayPublish('agent-a', agentTopic('agent-b', 'report'))).toBe(false);
    expect(await pubackCode(agent, agentTopic('agent-a', 'ack'))).toBe(0x87);
  });

  it('grants the hub rights to watchpost-hub and each replica identity watchpost-hub-0 .. -7, exact names only', async () => {
    // agent-e listens to its acks, so an allowed publish is answered 0 (not 0x10, no matching subscribers)
    const agent = await connect(broker.identity('agent-e'), 'agent-e');
    await agent.subscribeAsync(agentTopic('agent-e', 'ack'), { qos: 1 });
    for (const cn of [HUB_IDENTITY, ...Array.from({ length: 8 }, (_, i) => `watchpost-hub-${i}`)]) {
      const replica = await connect(broker.identity(cn), cn);
      expect(await pubackCode(replica, agentTopic('agent-e', 'ack'))).toBe(0);
      expect(mayPublish(cn, agentTopic('agent-e', 'ack'))).toBe(true);
    }
    // ACL `user` lines are exact: a ninth replica needs its own block in the ACL (docs/hub.md, "Hub identities")
    const ninth = await connect(broker.identity('watchpost-hub-8'), 'watchpost-hub-8');
    expect(isHubIdentity('watchpost-hub-8')).toBe(true);
    expect(await pubackCode(ninth, agentTopic('agent-e', 'ack'))).toBe(0x87);
  });

  it('an agent reads its own acks only (Mosquitto grants the SUBACK but filters delivery by the read ACL)', async () => {
    const hub = await connect(broker.hubIdentity(), 'hub-2');
    const agent = await connect(broker.identity('agent-c'), 'agent-c');
    await agent.subscribeAsync(agentTopic('agent-c', 'ack'), { qos: 1 });
    await agent.subscribeAsync(agentTopic('agent-d', 'ack'), { qos: 1 });
    await agent.subscribeAsync('watchpost/v1/agents/+/report', { qos: 1 });
    const topics: string[] = [];
    const ownArrived = new Promise<void>((resolve) => {
      agent.on('message', (topic) => {
        topics.push(topic);
        if (topic === agentTopic('agent-c', 'ack')) resolve();
      });
    });
    // One publisher, QoS 1: Mosquitto keeps its order, so anything leaking would arrive before the own ack.
    await hub.publishAsync(agentTopic('agent-d', 'ack'), '{"seq":1,"status":"stored"}', { qos: 1 });
    const other = await connect(broker.identity('agent-d'), 'agent-d');
    await other.publishAsync(agentTopic('agent-d', 'report'), 'r', { qos: 1 });
    await hub.publishAsync(agentTopic('agent-c', 'ack'), '{"seq":1,"status":"stored"}', { qos: 1 });
    await ownArrived;
    expect(topics).toEqual([agentTopic('agent-c', 'ack')]);
    expect(maySubscribe('agent-c', agentTopic('agent-d', 'ack'))).toBe(false);
  });
});
