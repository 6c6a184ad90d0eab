/* eslint-disable @nx/enforce-module-boundaries -- e2e code drives the hub (in-process and as a process) against real brokers and databases; the hub app has no package entry point to import instead. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DataSource } from 'typeorm';
import { agentTopic } from '@watchpost/shared';
import { EnrollmentService } from '../apps/hub/src/pki/enrollment.service.js';
import { encodeEnvelope, sampleEnvelope } from '../apps/hub/src/ingest/sample-envelope.js';
import { createHubDataSource } from '../apps/hub/src/persistence/data-source.js';
import {
  enrollOverHttps,
  hubPkiFor,
  startTestHub,
  testHubConfig,
  TestAgent,
  type EnrolledAgent,
  type TestHub,
} from './support/hub.js';
import { spawnHub, type HubProcess } from './support/hub-process.js';
import { freePort, startMosquitto, type TestMosquitto } from './support/mosquitto.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Publishes every seq, then resends the unacked ones after `resendMs`, as the agent's outbox does, until all are acked. */
async function deliverAll(
  agent: TestAgent,
  seqs: number[],
  payload: (seq: number) => Buffer,
  resendMs = 3000,
  rounds = 10,
): Promise<void> {
  let pending = seqs.filter((s) => !agent.acks.has(s));
  for (let round = 0; round < rounds && pending.length > 0; round++) {
    for (const s of pending)
      agent.client.publish(agentTopic(agent.id, 'report'), payload(s), { qos: 1 }, () => undefined);
    await Promise.allSettled(pending.map((s) => agent.ack(s, resendMs)));
    pending = pending.filter((s) => !agent.acks.has(s));
  }
  if (pending.length > 0) throw new Error(`${agent.id}: seqs never acked: ${pending.join(', ')}`);
}

/** (agent, seq) -> number of stored rows; exactly once means every expected pair maps to 1 and nothing else exists. */
async function storedCounts(ds: DataSource): Promise<Map<string, number>> {
  const rows = await ds.query<{ agent_id: string; seq: number; n: number | string }[]>(
    'SELECT agent_id, seq, COUNT(*) AS n FROM reports GROUP BY agent_id, seq',
  );
  return new Map(rows.map((r) => [`${r.agent_id}/${r.seq}`, Number(r.n)]));
}

function expectExactlyOnce(counts: Map<string, number>, agents: string[], seqs: number[]): void {
  const expected = agents.flatMap((a) => seqs.map((s) => `${a}/${s}`)).sort();
  expect([...counts.keys()].sort()).toEqual(expected);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
}

describe('hub faults behind Mosquitto: every report stored exactly once', () => {
  let dir: string;
  let mosq: TestMosquitto;
  const agents: TestAgent[] = [];
  const payload = (id: string) => (seq: number) => encodeEnvelope(sampleEnvelope(id, seq));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'watchpost-hub-faults-'));
    mosq = await startMosquitto({ ca: hubPkiFor(testHubConfig(dir)).ca });
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.close()));
  });
  afterAll(async () => {
    await mosq?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Mosquitto keeps queueing to a shared-subscription member whose persistent session is offline, so each test's
  // hub gets its own client id (one of the replica identities the shipped ACL grants) and share group: an earlier
  // test's stopped hub must not hold this test's reports.
  const isolated = (name: string, replica: number) => ({
    WATCHPOST_MQTT_URL: mosq.url,
    WATCHPOST_DATA_DIR: join(dir, 'data'),
    WATCHPOST_MQTT_CLIENT_ID: `watchpost-hub-${replica}`,
    WATCHPOST_MQTT_SHARE_GROUP: name,
  });

  async function enrollAll(
    t: { url: string; caPem: string; token: (c: string) => Promise<string> },
    names: string[],
  ): Promise<EnrolledAgent[]> {
    const out: EnrolledAgent[] = [];
    for (const n of names) out.push(await enrollOverHttps(t.url, t.caPem, await t.token(n)));
    return out;
  }

  it('survives a broker restart in the middle of a stream of reports', async () => {
    const sub = join(dir, 'restart');
    const t: TestHub = await startTestHub({ dir: sub, overrides: isolated('restart', 1) });
    try {
      const names = ['hci-r1', 'hci-r2', 'hci-r3'];
      const enrolled = await enrollAll(
        {
          url: t.url,
          caPem: t.hub.pki.ca.certPem,
          token: async (c) =>
            (
              await t.hub.app
                .get(EnrollmentService)
                .createToken({ name: c, platform: 'aks-hci', role: 'workload' })
            ).token,
        },
        names,
      );
      for (const e of enrolled) agents.push(await TestAgent.connect(e, mosq.url, 5, { reconnect: true }));
      const seqs = Array.from({ length: 20 }, (_, i) => i + 1);
      // first half delivered, then the broker goes down and comes back while the second half is being sent
      await Promise.all(agents.map((a) => deliverAll(a, seqs.slice(0, 10), payload(a.id))));
      const second = Promise.all(agents.map((a) => deliverAll(a, seqs.slice(10), payload(a.id))));
      await mosq.stop();
      await mosq.start();
      await second;
      expectExactlyOnce(await storedCounts(t.hub.app.get((await import('typeorm')).DataSource)), names, seqs);
    } finally {
      await t.close();
    }
  });

  it('loses nothing when the hub is SIGKILLed mid-ingest and restarted (no agent resends needed)', async () => {
    const sub = join(dir, 'sigkill');
    const env = {
      WATCHPOST_HTTP_PORT: '0',
      WATCHPOST_HTTP_HOST: '127.0.0.1',
      WATCHPOST_TLS_SANS: 'localhost,127.0.0.1',
      WATCHPOST_DATA_DIR: join(dir, 'data'),
      WATCHPOST_DB_PATH: join(sub, 'hub.sqlite'),
      WATCHPOST_MQTT_URL: mosq.url,
      WATCHPOST_MQTT_CLIENT_ID: 'watchpost-hub-2',
      WATCHPOST_MQTT_SHARE_GROUP: 'sigkill',
      // small batches, so the kill lands between commits
      WATCHPOST_INGEST_BATCH_SIZE: '5',
    };
    let hub: HubProcess = spawnHub(env);
    try {
      await hub.ready;
      // enrollment needs the HTTP side: use an in-process hub on the same database and data dir for it
      const cfg = testHubConfig(sub, {
        WATCHPOST_DATA_DIR: env.WATCHPOST_DATA_DIR,
        WATCHPOST_DB_PATH: env.WATCHPOST_DB_PATH,
      });
      const enroller = createHubDataSource({ path: cfg.dbPath });
      await enroller.initialize();
      const pki = hubPkiFor(cfg);
      const svc = new EnrollmentService(enroller, cfg, pki);
      const names = ['hci-k1', 'hci-k2', 'hci-k3', 'hci-k4'];
      const enrolled: EnrolledAgent[] = [];
      for (const n of names) {
        const { token } = await svc.createToken({ name: n, platform: 'aks-hci', role: 'workload' });
        const port = /listening on https:\/\/[^:]+:(\d+)/.exec(hub.output())![1];
        enrolled.push(await enrollOverHttps(`https://127.0.0.1:${port}`, pki.ca.certPem, token));
      }
      for (const e of enrolled) agents.push(await TestAgent.connect(e, mosq.url, 5));
      const seqs = Array.from({ length: 40 }, (_, i) => i + 1);
      let acked = 0;
      const someAcked = new Promise<void>((resolve) => {
        for (const a of agents) a.client.on('message', () => ++acked === 30 && resolve());
      });
      for (const a of agents)
        for (const s of seqs) a.client.publish(agentTopic(a.id, 'report'), payload(a.id)(s), { qos: 1 });
      await someAcked;
      await hub.kill('SIGKILL');
      hub = spawnHub(env);
      await hub.ready;
      // every seq gets an ack from the restarted hub without any resend: the broker kept what was not PUBACKed
      await Promise.all(agents.flatMap((a) => seqs.map((s) => a.ack(s, 20_000))));
      expectExactlyOnce(await storedCounts(enroller), names, seqs);
      await enroller.destroy();
    } finally {
      await hub.kill('SIGTERM');
    }
  });

  it('stores every report exactly once when an agent is killed mid-publish and its outbox resends', async () => {
    const sub = join(dir, 'agentkill');
    const t = await startTestHub({ dir: sub, overrides: isolated('agentkill', 3) });
    try {
      const { token } = await t.hub.app
        .get(EnrollmentService)
        .createToken({ name: 'hci-crash', platform: 'aks-hci', role: 'workload' });
      const agent = await enrollOverHttps(t.url, t.hub.pki.ca.certPem, token);
      const seqs = Array.from({ length: 30 }, (_, i) => i + 1);
      for (const s of seqs) writeFileSync(join(sub, `report-${s}.gz`), payload(agent.agentId)(s));
      writeFileSync(join(sub, 'agent.crt'), agent.certPem);
      writeFileSync(join(sub, 'agent.key'), agent.keyPem, { mode: 0o600 });
      writeFileSync(join(sub, 'ca.crt'), agent.caPem);
      // A separate agent process that publishes the reports one after another and says so after each PUBACK.
      const script = join(sub, 'publisher.mjs');
      writeFileSync(
        script,
        `import { readFileSync } from 'node:fs';
import mqtt from ${JSON.stringify(pathToFileURL(join(ROOT, 'node_modules', 'mqtt', 'build', 'index.js')).href)};
const d = ${JSON.stringify(sub)};
const c = mqtt.connect(${JSON.stringify(mosq.url)}, { protocolVersion: 5, clientId: ${JSON.stringify(agent.agentId)}, ca: readFileSync(d + '/ca.crt'), cert: readFileSync(d + '/agent.crt'), key: readFileSync(d + '/agent.key'), servername: 'localhost' });
c.on('connect', async () => {
  for (let s = 1; s <= ${seqs.length}; s++) {
    await c.publishAsync(${JSON.stringify(agentTopic(agent.agentId, 'report'))}, readFileSync(d + '/report-' + s + '.gz'), { qos: 1 });
    process.stdout.write('published ' + s + '\\n');
  }
});
`,
      );
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('published 8\n')) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.once('exit', (code) =>
          code === 0 ? undefined : code !== null && reject(new Error(`publisher exited ${code}`)),
        );
      });
      // The agent comes back with its outbox: everything not acked is sent again, in order.
      const back = await TestAgent.connect(agent, mosq.url, 5);
      agents.push(back);
      await deliverAll(back, seqs, payload(agent.agentId));
      expectExactlyOnce(
        await storedCounts(t.hub.app.get((await import('typeorm')).DataSource)),
        [agent.agentId],
        seqs,
      );
      // the seqs the dead process had delivered were stored once and answered as duplicates on resend
      expect(back.acks.get(1)?.[0]?.status).toBe('duplicate');
    } finally {
      await t.close();
    }
  });
});

describe('hub faults with the embedded broker', () => {
  it('SIGKILL of the hub takes the broker with it; agents reconnect, resend what was not acked, and each report is stored once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'watchpost-hub-embedded-kill-'));
    const [httpPort, mqttPort] = [await freePort(), await freePort()];
    const env = {
      WATCHPOST_HTTP_PORT: String(httpPort),
      WATCHPOST_HTTP_HOST: '127.0.0.1',
      WATCHPOST_MQTT_PORT: String(mqttPort),
      WATCHPOST_MQTT_HOST: '127.0.0.1',
      WATCHPOST_TLS_SANS: 'localhost,127.0.0.1',
      WATCHPOST_DATA_DIR: join(dir, 'data'),
      WATCHPOST_DB_PATH: join(dir, 'hub.sqlite'),
      WATCHPOST_INGEST_BATCH_SIZE: '5',
    };
    let hub: HubProcess = spawnHub(env);
    const agents: TestAgent[] = [];
    const cfg = testHubConfig(dir, env);
    const ds = createHubDataSource({ path: cfg.dbPath });
    try {
      await hub.ready;
      await ds.initialize();
      const pki = hubPkiFor(cfg);
      const svc = new EnrollmentService(ds, cfg, pki);
      const url = `mqtts://127.0.0.1:${mqttPort}`;
      for (const n of ['hci-e1', 'hci-e2']) {
        const { token } = await svc.createToken({ name: n, platform: 'aks-hci', role: 'workload' });
        const e = await enrollOverHttps(`https://127.0.0.1:${httpPort}`, pki.ca.certPem, token);
        agents.push(await TestAgent.connect(e, url, 4, { reconnect: true }));
      }
      const seqs = Array.from({ length: 30 }, (_, i) => i + 1);
      const payload = (id: string) => (seq: number) => encodeEnvelope(sampleEnvelope(id, seq));
      let acked = 0;
      const someAcked = new Promise<void>((resolve) => {
        for (const a of agents) a.client.on('message', () => ++acked === 15 && resolve());
      });
      const sending = Promise.all(agents.map((a) => deliverAll(a, seqs, payload(a.id), 3000, 15)));
      await someAcked;
      await hub.kill('SIGKILL');
      hub = spawnHub(env);
      await hub.ready;
      await sending;
      expectExactlyOnce(await storedCounts(ds), ['hci-e1', 'hci-e2'], seqs);
    } finally {
      await Promise.all(agents.map((a) => a.close()));
      if (ds.isInitialized) await ds.destroy();
      await hub.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
