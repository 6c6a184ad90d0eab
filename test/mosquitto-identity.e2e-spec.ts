/* eslint-disable @nx/enforce-module-boundaries -- e2e: the hub's own enrollment service writes the CRL the real Mosquitto reads; the hub app has no package entry point to import instead. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { DataSource } from 'typeorm';
import { agentTopic, createCsr, createKeyPair } from '@watchpost/shared';
import { loadHubConfig } from '../apps/hub/src/config/hub-config.js';
import { migratedThrowawayDatabase } from '../apps/hub/src/persistence/throwaway-database.js';
import { EnrollmentService } from '../apps/hub/src/pki/enrollment.service.js';
import { loadOrCreateHubPki } from '../apps/hub/src/pki/hub-pki.js';
import { startMosquitto, type ClientIdentity, type TestMosquitto } from './support/mosquitto.js';

/** Waits for an event, or for the client to close first (then resolves with 'close'). */
function firstOf(client: MqttClient, event: 'connect' | 'message'): Promise<string> {
  return new Promise((resolve) => {
    client.once(event, () => resolve(event));
    client.once('close', () => resolve('close'));
    client.once('error', () => resolve('close'));
  });
}

describe('shipped Mosquitto: client ids bound to certificate identities', () => {
  let broker: TestMosquitto;
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await broker.close();
  });

  const connect = async (id: ClientIdentity, clientId: string, extra: Partial<IClientOptions> = {}) => {
    const client = mqtt.connect(broker.url, {
      protocolVersion: 5,
      clientId,
      ca: broker.ca.certPem,
      servername: broker.servername,
      cert: id.certPem,
      key: id.keyPem,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...extra,
    });
    clients.push(client);
    expect(await firstOf(client, 'connect')).toBe('connect');
    return client;
  };

  it("another agent's certificate sending the victim agent's or the hub's client id takes over nothing", async () => {
    const hub = await connect(broker.hubIdentity(), 'watchpost-hub-hub-0', {
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
    });
    await hub.subscribeAsync('$share/hub/watchpost/v1/agents/+/report', { qos: 1 });
    const victim = await connect(broker.identity('hci-b.moc-n1'), 'hci-b.moc-n1');
    let victimClosed = false;
    let hubClosed = false;
    victim.on('close', () => (victimClosed = true));
    hub.on('close', () => (hubClosed = true));

    const attacker = broker.identity('hci-a.moc-n1');
    for (const stolen of ['hci-b.moc-n1', 'watchpost-hub-hub-0', 'watchpost-hub']) {
      const a = await connect(attacker, stolen);
      await a.endAsync();
    }
    // The broker saw the attacker only under its own identity, never under the stolen ids.
    expect(broker.log()).toMatch(/New client connected from \S+ as hci-a\.moc-n1/);
    expect(broker.log()).not.toContain('already connected, closing old connection');

    // The real clients kept their sessions: the victim still publishes, the hub still receives.
    const got = firstOf(hub, 'message');
    await victim.publishAsync(agentTopic('hci-b.moc-n1', 'report'), 'r', { qos: 1 });
    expect(await got).toBe('message');
    expect(victimClosed).toBe(false);
    expect(hubClosed).toBe(false);
    expect(victim.connected && hub.connected).toBe(true);
  });
});

describe('shipped Mosquitto: revocation through the CRL the hub keeps', () => {
  let ds: DataSource;
  let closeDb: () => Promise<void>;
  let dataDir: string;
  let svc: EnrollmentService;
  let broker: TestMosquitto;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    ({ ds, close: closeDb } = await migratedThrowawayDatabase('sqlite'));
    dataDir = mkdtempSync(join(tmpdir(), 'watchpost-crl-'));
    const config = loadHubConfig({ WATCHPOST_DATA_DIR: dataDir });
    const pki = loadOrCreateHubPki(config);
    svc = new EnrollmentService(ds, config, pki);
    const { path } = await svc.writeCrl();
    broker = await startMosquitto({ ca: pki.ca, crlFile: path });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });
  afterAll(async () => {
    await broker?.close();
    await closeDb();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** 'connect' when Mosquitto accepted the TLS client certificate, 'close' when it refused it. */
  const attempt = async (id: { certPem: string; keyPem: string }, clientId: string): Promise<string> => {
    const client = mqtt.connect(broker.url, {
      protocolVersion: 5,
      clientId,
      ca: broker.ca.certPem,
      servername: broker.servername,
      cert: id.certPem,
      key: id.keyPem,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    clients.push(client);
    return firstOf(client, 'connect');
  };

  /** SIGHUP, then wait for Mosquitto to say it reloaded (the event, not a sleep). */
  const reload = async () => {
    const before = (broker.log().match(/Reloading config/g) ?? []).length;
    broker.reload();
    for (let i = 0; i < 200 && (broker.log().match(/Reloading config/g) ?? []).length === before; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect((broker.log().match(/Reloading config/g) ?? []).length).toBe(before + 1);
  };

  it('after revoke and the documented reload, Mosquitto refuses the revoked agent at connect; others still connect', async () => {
    const enroll = async (cluster: string, nodeName?: string) => {
      const keys = createKeyPair();
      const token = (await svc.createToken({ name: cluster, platform: 'aks-hci', role: 'workload' })).token;
      const r = await svc.enroll({
        token,
        csr: createCsr({ commonName: 'x', privateKeyPem: keys.privateKeyPem }),
        ...(nodeName ? { nodeName } : {}),
      });
      return { agentId: r.agentId, certPem: r.certificate, keyPem: keys.privateKeyPem };
    };
    const bad = await enroll('hci-revoked');
    const good = await enroll('hci-kept');
    expect(await attempt(bad, bad.agentId)).toBe('connect');

    await svc.revoke(bad.agentId);
    await reload();
    expect(await attempt(bad, bad.agentId)).toBe('close');
    expect(await attempt(good, good.agentId)).toBe('connect');

    // Re-enrollment: the superseded certificate is refused after the reload, the new identity connects.
    const first = await enroll('hci-wl', 'moc-n1');
    const again = await enroll('hci-wl', 'moc-n1');
    expect(again.agentId).toBe('hci-wl.moc-n1--r2');
    await reload();
    expect(await attempt(first, first.agentId)).toBe('close');
    expect(await attempt(again, again.agentId)).toBe('connect');
  });
});
