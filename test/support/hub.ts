/* eslint-disable @nx/enforce-module-boundaries -- e2e code starts the hub in-process (startHub) against real brokers and databases; the hub app has no package entry point to import instead. */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt';
import {
  agentTopic,
  ackSchema,
  createCsr,
  createKeyPair,
  REPORT_CONTENT_TYPE,
  type AckMessage,
  type ClusterRole,
  type Platform,
} from '@watchpost/shared';
import { ApiTokensService } from '../../apps/hub/src/auth/api-tokens.service.js';
import { loadHubConfig, type HubConfig } from '../../apps/hub/src/config/hub-config.js';
import { startHub, type RunningHub } from '../../apps/hub/src/main.js';
import { EnrollmentService } from '../../apps/hub/src/pki/enrollment.service.js';
import { loadOrCreateHubPki, type HubPki } from '../../apps/hub/src/pki/hub-pki.js';

/** Hub settings for a test: temp data dir and SQLite file (or a PostgreSQL URL), free loopback ports. */
export function testHubConfig(dir: string, overrides: Record<string, string> = {}): HubConfig {
  return loadHubConfig({
    WATCHPOST_HTTP_PORT: '0',
    WATCHPOST_HTTP_HOST: '127.0.0.1',
    WATCHPOST_MQTT_PORT: '0',
    WATCHPOST_MQTT_HOST: '127.0.0.1',
    WATCHPOST_TLS_SANS: 'localhost,127.0.0.1',
    WATCHPOST_DATA_DIR: join(dir, 'data'),
    WATCHPOST_DB_PATH: join(dir, 'hub.sqlite'),
    WATCHPOST_MQTT_CLIENT_ID: 'watchpost-hub',
    ...overrides,
  });
}

/** A hub running in this process, plus what tests need around it. */
export interface TestHub {
  hub: RunningHub;
  config: HubConfig;
  dir: string;
  /** `https://127.0.0.1:<port>` */
  url: string;
  adminToken: string;
  viewerToken: string;
  /** Enrolls an agent through the real HTTPS endpoint (token created directly, as the CLI would). */
  enroll(
    cluster: string,
    opts?: { nodeName?: string; platform?: Platform; role?: ClusterRole },
  ): Promise<EnrolledAgent>;
  /** GET/POST against the API with a bearer token. */
  api<T = unknown>(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown },
  ): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
  close(): Promise<void>;
}

/** An enrolled agent's identity and where to publish. */
export interface EnrolledAgent {
  agentId: string;
  certPem: string;
  keyPem: string;
  caPem: string;
  mqtt: { url: string; protocolVersion: 4 | 5 };
}

/** The hub PKI for a config (creates the CA in the data dir), so a test Mosquitto can use the hub CA. */
export function hubPkiFor(config: HubConfig): HubPki {
  return loadOrCreateHubPki(config);
}

/** Starts a hub in-process. `dir` defaults to a fresh temp dir (removed by close()). */
export async function startTestHub(
  opts: { dir?: string; overrides?: Record<string, string> } = {},
): Promise<TestHub> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'watchpost-hub-e2e-'));
  const config = testHubConfig(dir, opts.overrides);
  const hub = await startHub(config, {
    logger: process.env['WATCHPOST_TEST_LOG'] ? ['log', 'warn', 'error'] : false,
  });
  await hub.ready;
  const url = `https://127.0.0.1:${hub.httpPort}`;
  const tokens = hub.app.get(ApiTokensService);
  const adminToken = (await tokens.create({ role: 'admin', name: 'e2e-admin', now: new Date() })).token;
  const viewerToken = (await tokens.create({ role: 'viewer', name: 'e2e-viewer', now: new Date() })).token;
  const ca = hub.pki.ca.certPem;
  let stopped = false;
  const t: TestHub = {
    hub,
    config,
    dir,
    url,
    adminToken,
    viewerToken,
    enroll: async (cluster, o = {}) => {
      const { token } = await hub.app
        .get(EnrollmentService)
        .createToken({ name: cluster, platform: o.platform ?? 'aks-hci', role: o.role ?? 'workload' });
      return enrollOverHttps(url, ca, token, o.nodeName);
    },
    api: (method, path, o = {}) =>
      httpsJson(url + path, { method, ca, token: o.token ?? adminToken, body: o.body }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await hub.close();
    },
    close: async () => {
      await t.stop();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

/** Enrollment as the agent does it: key pair, CSR, POST /api/v1/enroll with the hub CA as the only trust anchor. */
export async function enrollOverHttps(
  hubUrl: string,
  caPem: string,
  token: string,
  nodeName?: string,
): Promise<EnrolledAgent> {
  const keys = createKeyPair('rsa');
  const csr = createCsr({ commonName: 'ignored-by-hub', privateKeyPem: keys.privateKeyPem });
  const res = await httpsJson<{
    agentId: string;
    certificate: string;
    caCertificate: string;
    mqtt: EnrolledAgent['mqtt'];
  }>(`${hubUrl}/api/v1/enroll`, {
    method: 'POST',
    ca: caPem,
    body: { token, csr, ...(nodeName ? { nodeName } : {}) },
  });
  if (res.status !== 201) throw new Error(`enroll failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    agentId: res.body.agentId,
    certPem: res.body.certificate,
    keyPem: keys.privateKeyPem,
    caPem: res.body.caCertificate,
    mqtt: res.body.mqtt,
  };
}

/** One HTTPS JSON request, verified against `ca`, with optional client certificate and bearer token. */
export function httpsJson<T = unknown>(
  url: string,
  o: { method: string; ca: string; body?: unknown; token?: string; cert?: string; key?: string },
): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const payload = o.body === undefined ? undefined : JSON.stringify(o.body);
    const req = request(
      url,
      {
        method: o.method,
        ca: o.ca,
        cert: o.cert,
        key: o.key,
        servername: 'localhost',
        headers: {
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body: body as T });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * A minimal agent publisher for tests: mTLS with its enrolled certificate, QoS 1 reports (gzip, MQTT 5 content
 * type when v5), its own ack topic, and a wait for the hub's ack of a seq. The real agent's outbox/resend logic
 * is the daemon's; tests that need resends do them explicitly.
 */
export class TestAgent {
  readonly acks = new Map<number, AckMessage[]>();
  /** The QoS levels the acks arrived at (the hub publishes them at QoS 0). */
  readonly ackQos = new Set<number>();
  private waiters: { seq: number; resolve: (a: AckMessage) => void }[] = [];

  private constructor(
    readonly id: string,
    readonly client: MqttClient,
  ) {
    client.on('message', (_topic, payload, packet) => {
      this.ackQos.add(packet.qos);
      const parsed = ackSchema.safeParse(JSON.parse(payload.toString('utf8')));
      if (!parsed.success) return;
      const a = parsed.data;
      this.acks.set(a.seq, [...(this.acks.get(a.seq) ?? []), a]);
      this.waiters = this.waiters.filter((w) => (w.seq === a.seq ? (w.resolve(a), false) : true));
    });
  }

  /** Connects as `identity` (cert CN) to `url`; `clientId` defaults to the agent id. */
  static async connect(
    agent: Pick<EnrolledAgent, 'agentId' | 'certPem' | 'keyPem' | 'caPem'>,
    url: string,
    protocolVersion: 4 | 5,
    opts: { clientId?: string; subscribe?: boolean; reconnect?: boolean } = {},
  ): Promise<TestAgent> {
    const client = mqtt.connect(url, {
      clientId: opts.clientId ?? agent.agentId,
      protocolVersion,
      clean: true,
      ca: agent.caPem,
      cert: agent.certPem,
      key: agent.keyPem,
      servername: 'localhost',
      reconnectPeriod: opts.reconnect ? 200 : 0,
      connectTimeout: 5000,
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error(`${agent.agentId}: connection closed before CONNACK`)));
    });
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    const a = new TestAgent(agent.agentId, client);
    if (opts.subscribe !== false) {
      await client.subscribeAsync(agentTopic(agent.agentId, 'ack'), { qos: 1 });
      // Resubscribing after a reconnect: the session is clean, like the real agent's after a broker restart.
      client.on(
        'connect',
        () => void client.subscribeAsync(agentTopic(agent.agentId, 'ack'), { qos: 1 }).catch(() => undefined),
      );
    }
    return a;
  }

  /** Publishes a payload (already encoded) to a topic, QoS 1. */
  async publishRaw(topic: string, payload: Buffer | string, v5 = false): Promise<void> {
    const opts: IClientPublishOptions = {
      qos: 1,
      ...(v5 ? { properties: { contentType: REPORT_CONTENT_TYPE } } : {}),
    };
    await this.client.publishAsync(topic, payload, opts);
  }

  /** Resolves with the next ack for `seq` (or one already received). */
  ack(seq: number, timeoutMs = 10_000): Promise<AckMessage> {
    const have = this.acks.get(seq);
    if (have?.length) return Promise.resolve(have[have.length - 1]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.id}: no ack for seq ${seq} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        seq,
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
      });
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
