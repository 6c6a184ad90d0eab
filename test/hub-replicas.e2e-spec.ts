/* eslint-disable @nx/enforce-module-boundaries -- e2e code drives the hub (in-process and as a process) against real brokers and databases; the hub app has no package entry point to import instead. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { agentTopic } from '@watchpost/shared';
import { encodeEnvelope, sampleEnvelope } from '../apps/hub/src/ingest/sample-envelope.js';
import {
  createThrowawayDatabase,
  type ThrowawayDatabase,
} from '../apps/hub/src/persistence/throwaway-database.js';
import { hubPkiFor, httpsJson, startTestHub, testHubConfig, TestAgent, type TestHub } from './support/hub.js';
import { spawnHub, type HubProcess } from './support/hub-process.js';
import { startMosquitto, type TestMosquitto } from './support/mosquitto.js';

/**
 * Issues 15 and 16: several hub replicas on one PostgreSQL behind the shipped Mosquitto (its configuration and
 * ACL verbatim: use_username_as_clientid, exact `user` lines), sharing the reports through one MQTT 5 shared
 * subscription. Replica 0 runs as its own process so it can be SIGKILLed; replica 1 runs in-process.
 */
describe('two hub replicas on one PostgreSQL behind the shipped Mosquitto', () => {
  let dir: string;
  let db: ThrowawayDatabase;
  let mosq: TestMosquitto;
  let replica1: TestHub;
  let replica0: HubProcess | undefined;
  const agents: TestAgent[] = [];
  const names = ['hci-rep-a', 'hci-rep-b', 'hci-rep-c', 'hci-rep-d'];

  // What deploy/hub/overlays/postgres gives each pod: its own data dir holding the shared CA, its pod name as
  // client id, one share group, one database.
  const replicaEnv = (i: number): Record<string, string> => ({
    WATCHPOST_HTTP_PORT: '0',
    WATCHPOST_HTTP_HOST: '127.0.0.1',
    WATCHPOST_TLS_SANS: 'localhost,127.0.0.1',
    WATCHPOST_DATA_DIR: join(dir, `replica-${i}`),
    WATCHPOST_DB_URL: db.options.url!,
    WATCHPOST_MQTT_URL: mosq.url,
    WATCHPOST_MQTT_CLIENT_ID: `watchpost-hub-${i}`,
    WATCHPOST_MQTT_SHARE_GROUP: 'watchpost-hub',
    // small batches, so the kill lands between commits
    WATCHPOST_INGEST_BATCH_SIZE: '5',
  });
  const payload = (id: string, seq: number) => encodeEnvelope(sampleEnvelope(id, seq));
  const cnOf = (pem: string) =>
    new X509Certificate(pem).subject.split('\n').filter((l) => l.startsWith('CN='));
  const httpsUrl = (p: HubProcess) =>
    `https://127.0.0.1:${/listening on https:\/\/[^:]+:(\d+)/.exec(p.output())![1]}`;
  /** Reports this replica stored, from its own /metrics (Prometheus text). */
  const storedBy = async (url: string): Promise<number> => {
    const res = await httpsJson<string>(`${url}/metrics`, {
      method: 'GET',
      ca: replica1.hub.pki.ca.certPem,
      token: replica1.viewerToken,
    });
    expect(res.status).toBe(200);
    const m = /^watchpost_ingest_messages_total\{status="stored"\} (\d+)$/m.exec(res.body);
    expect(m).not.toBeNull();
    return Number(m![1]);
  };
  const storedRows = async (): Promise<Map<string, number>> => {
    const rows = await replica1.hub.app
      .get(DataSource)
      .query<{ agent_id: string; seq: number; n: number | string }[]>(
        'SELECT agent_id, seq, COUNT(*) AS n FROM reports GROUP BY agent_id, seq',
      );
    return new Map(rows.map((r) => [`${r.agent_id}/${r.seq}`, Number(r.n)]));
  };
  /** Publishes every unacked seq, then waits up to `resendMs` for their acks: one round of an agent's outbox. */
  const outboxRound = async (a: TestAgent, seqs: number[], resendMs = 3000) => {
    const pending = seqs.filter((s) => !a.acks.has(s));
    for (const s of pending)
      a.client.publish(agentTopic(a.id, 'report'), payload(a.id, s), { qos: 1 }, () => undefined);
    await Promise.allSettled(pending.map((s) => a.ack(s, resendMs)));
    return pending.filter((s) => !a.acks.has(s)).length;
  };
  const drain = async (a: TestAgent, seqs: number[]) => {
    for (let round = 0; round < 20; round++) if ((await outboxRound(a, seqs)) === 0) return;
    throw new Error(`${a.id}: outbox never drained`);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'watchpost-hub-replicas-'));
    db = await createThrowawayDatabase('postgres');
    // One CA for the fleet (what `watchpost-hub pki init` makes and the overlay's init container copies into
    // each replica's volume); Mosquitto trusts it.
    const ca = hubPkiFor(testHubConfig(join(dir, 'pki-init'))).ca;
    for (const i of [0, 1]) {
      mkdirSync(join(dir, `replica-${i}`), { recursive: true, mode: 0o700 });
      for (const f of ['ca.crt', 'ca.key'])
        copyFileSync(join(dir, 'pki-init', 'data', f), join(dir, `replica-${i}`, f));
    }
    mosq = await startMosquitto({ ca });
    replica1 = await startTestHub({ dir: join(dir, 'in-process'), overrides: replicaEnv(1) });
    replica0 = spawnHub(replicaEnv(0));
    await replica0.ready;
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await replica0?.kill('SIGTERM');
    await replica1?.close();
    await mosq?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects both replicas at once, each under its own identity, and shares the reports between them', async () => {
    // each replica issued its client certificate for its own client id, from the shared CA
    const cert0 = readFileSync(join(dir, 'replica-0', 'hub-client.crt'), 'utf8');
    expect(cnOf(cert0)).toEqual(['CN=watchpost-hub-0']);
    expect(cnOf(replica1.hub.pki.client.certPem)).toEqual(['CN=watchpost-hub-1']);
    expect(new X509Certificate(cert0).checkIssued(new X509Certificate(replica1.hub.pki.ca.certPem))).toBe(
      true,
    );

    for (const n of names) agents.push(await TestAgent.connect(await replica1.enroll(n), mosq.url, 5));
    const seqs = Array.from({ length: 20 }, (_, i) => i + 1);
    await Promise.all(agents.map((a) => drain(a, seqs)));

    expect(mosq.log()).toMatch(/New client connected from \S+ as watchpost-hub-0 /);
    expect(mosq.log()).toMatch(/New client connected from \S+ as watchpost-hub-1 /);
    // neither replica took the other's session
    expect(mosq.log()).not.toContain('already connected, closing old connection');
    // both did part of the work, and together all of it, once
    const [by0, by1] = [await storedBy(httpsUrl(replica0!)), await storedBy(replica1.url)];
    expect(by0).toBeGreaterThan(0);
    expect(by1).toBeGreaterThan(0);
    expect(by0 + by1).toBe(names.length * seqs.length);
    const rows = await storedRows();
    expect(rows.size).toBe(names.length * seqs.length);
    expect([...rows.values()].every((n) => n === 1)).toBe(true);
  });

  it('stores every report exactly once and drains every outbox when one replica is SIGKILLed mid-stream', async () => {
    const seqs = Array.from({ length: 60 }, (_, i) => i + 1);
    const fresh = seqs.slice(20);
    const before = agents.reduce((n, a) => n + a.acks.size, 0);
    const someAcked = new Promise<void>((resolve) => {
      const check = () => agents.reduce((n, a) => n + a.acks.size, 0) >= before + 30 && resolve();
      for (const a of agents) a.client.on('message', check);
    });
    for (const a of agents)
      for (const s of fresh)
        a.client.publish(agentTopic(a.id, 'report'), payload(a.id, s), { qos: 1 }, () => undefined);
    await someAcked;
    await replica0!.kill('SIGKILL');

    // The survivor keeps storing while replica 0 is down: the agents' outboxes resend what is unacked, and
    // Mosquitto routes part of it (and of what was still queued) to replica 1.
    const atKill = (await storedRows()).size;
    for (let round = 0; round < 20 && (await storedRows()).size <= atKill; round++)
      await Promise.all(agents.map((a) => outboxRound(a, seqs, 1000)));
    expect((await storedRows()).size).toBeGreaterThan(atKill);

    // The StatefulSet restarts the pod under the same identity; its persistent session hands over what the
    // killed process had not acknowledged. Every outbox drains.
    replica0 = spawnHub(replicaEnv(0));
    await replica0.ready;
    await Promise.all(agents.map((a) => drain(a, seqs)));

    const rows = await storedRows();
    const expected = names.flatMap((n) => seqs.map((s) => `${agents[names.indexOf(n)].id}/${s}`)).sort();
    expect([...rows.keys()].sort()).toEqual(expected);
    expect([...rows.values()].every((n) => n === 1)).toBe(true);
    // nothing refused: a report resent to the other replica is answered as a duplicate, never stored twice
    for (const a of agents)
      for (const s of seqs)
        for (const ack of a.acks.get(s) ?? []) expect(['stored', 'duplicate']).toContain(ack.status);
    expect(mosq.log()).not.toContain('already connected, closing old connection');
  });
});
