import { hostname } from 'node:os';
import { join } from 'node:path';
import { HUB_IDENTITY, isHubIdentity, MAX_ENVELOPE_GZIP_BYTES } from '@watchpost/shared';

/**
 * The hub's settings: one validated object, built from `WATCHPOST_*` environment variables (and CLI flags that
 * override them), checked once at start-up with errors that name the variable. `HUB_SETTINGS` is the single
 * list: docs/hub.md's settings table is checked against it by a test.
 */
export interface HubConfig {
  /** HTTPS (or HTTP) port of the REST API, enrollment and web page. */
  httpPort: number;
  httpHost: string;
  /** Serve HTTPS with a server certificate from the hub CA (default). Off only behind a TLS-terminating proxy. */
  httpTls: boolean;
  /** DNS names and IPs in the hub's server certificate (HTTPS and the embedded broker). */
  tlsSans: string[];
  /** Embedded broker port (ignored with `mqttUrl`). */
  mqttPort: number;
  mqttHost: string;
  /** External broker (Mosquitto/EMQX); when set, no broker is embedded. */
  mqttUrl: string | undefined;
  /** Broker URL handed to agents at enrollment. */
  mqttPublicUrl: string;
  /** CA file that signed the external broker's server certificate (default: the hub CA). */
  mqttCaFile: string | undefined;
  /** MQTT client id of this hub on an external broker; stable across restarts so its persistent session is found again. */
  mqttClientId: string;
  /** Shared-subscription group on an external MQTT 5 broker. */
  mqttShareGroup: string;
  /** MQTT 5 session expiry of the hub's persistent session, seconds. */
  mqttSessionExpirySec: number;
  /** PostgreSQL URL; unset = SQLite. */
  dbUrl: string | undefined;
  dbPath: string;
  /** CA, server and client certificates live here. */
  dataDir: string;
  /** A cluster whose newest report is older than this (hub clock) is stale. */
  staleAfterMs: number;
  /** Resolved findings older than this (by `resolvedAt`) are deleted when their cluster next reports. */
  resolvedRetentionMs: number;
  /** Largest report payload on the wire (compressed), bytes. */
  maxReportBytes: number;
  /** Largest decompressed report, bytes (zip-bomb limit). */
  maxDecompressedBytes: number;
  /** Commit a batch after this many messages ... */
  ingestBatchSize: number;
  /** ... or after this many ms, whichever comes first. */
  ingestBatchMs: number;
  /** Validity of agent certificates issued at enrollment and renewal. */
  agentCertDays: number;
  /** Default validity of enrollment tokens. */
  enrollTokenTtlMs: number;
  /** Enrollment requests per minute per client IP (token bucket). */
  enrollRatePerMinute: number;
  /** Clock skew beyond which an agent's clock is reported as wrong, ms. */
  clockSkewToleranceMs: number;
}

type Env = Record<string, string | undefined>;

/** One setting: its environment variable, default (as documented), and description. */
export interface HubSetting {
  env: string;
  key: keyof HubConfig;
  default: string;
  description: string;
  parse: (raw: string, env: Env) => HubConfig[keyof HubConfig];
}

/** A setting that does not validate; the message names the variable and what it wants. */
export class HubConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HubConfigError';
  }
}

const port = (name: string) => (raw: string) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new HubConfigError(`${name} must be a port number 0-65535 (got "${raw}")`);
  return n;
};
const positiveInt = (name: string) => (raw: string) => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new HubConfigError(`${name} must be a positive integer (got "${raw}")`);
  return n;
};
const bool = (name: string) => (raw: string) => {
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new HubConfigError(`${name} must be true or false (got "${raw}")`);
};
const duration = (name: string) => (raw: string) => {
  try {
    return parseDuration(raw);
  } catch {
    throw new HubConfigError(`${name} must be a duration like 90s, 15m, 2h or 7d (got "${raw}")`);
  }
};
const text = (raw: string) => raw;
const optionalText = (raw: string) => (raw === '' ? undefined : raw);
const list = (raw: string) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** `90s`, `15m`, `2h`, `7d` (or plain milliseconds) -> ms. */
export function parseDuration(raw: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m || Number(m[1]) <= 0) throw new Error(`not a duration: "${raw}" (use 90s, 15m, 2h or 7d)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return Number(m[1]) * unit;
}

/** Every setting, in documentation order. */
export const HUB_SETTINGS: HubSetting[] = [
  {
    env: 'WATCHPOST_HTTP_PORT',
    key: 'httpPort',
    default: '8443',
    description: 'Port of the REST API, enrollment endpoints and web page.',
    parse: port('WATCHPOST_HTTP_PORT'),
  },
  {
    env: 'WATCHPOST_HTTP_HOST',
    key: 'httpHost',
    default: '0.0.0.0',
    description: 'Address the HTTP server listens on.',
    parse: text,
  },
  {
    env: 'WATCHPOST_HTTP_TLS',
    key: 'httpTls',
    default: 'true',
    description:
      'Serve HTTPS with a server certificate from the hub CA. Turn off only behind a TLS-terminating proxy (agent renewal needs mTLS to the hub).',
    parse: bool('WATCHPOST_HTTP_TLS'),
  },
  {
    env: 'WATCHPOST_TLS_SANS',
    key: 'tlsSans',
    default: 'localhost,127.0.0.1,<hostname>',
    description:
      'Comma-separated DNS names and IPs in the hub server certificate (HTTPS and embedded broker). Changing them reissues the certificate at the next start.',
    parse: list,
  },
  {
    env: 'WATCHPOST_MQTT_PORT',
    key: 'mqttPort',
    default: '8883',
    description:
      'Port of the embedded MQTT broker (TLS, client certificates required). Ignored with WATCHPOST_MQTT_URL.',
    parse: port('WATCHPOST_MQTT_PORT'),
  },
  {
    env: 'WATCHPOST_MQTT_HOST',
    key: 'mqttHost',
    default: '0.0.0.0',
    description: 'Address the embedded broker listens on.',
    parse: text,
  },
  {
    env: 'WATCHPOST_MQTT_URL',
    key: 'mqttUrl',
    default: '(unset: embedded broker)',
    description:
      'External MQTT 5 broker, e.g. mqtts://mosquitto.example:8883. The hub connects as watchpost-hub with its client certificate and a shared subscription.',
    parse: optionalText,
  },
  {
    env: 'WATCHPOST_MQTT_PUBLIC_URL',
    key: 'mqttPublicUrl',
    default: 'WATCHPOST_MQTT_URL, else mqtts://<first SAN>:<mqtt port>',
    description:
      'Broker URL given to agents at enrollment (what agents can reach, which may differ from what the hub uses).',
    parse: text,
  },
  {
    env: 'WATCHPOST_MQTT_CA_FILE',
    key: 'mqttCaFile',
    default: '(unset: hub CA)',
    description: "CA that signed the external broker's server certificate.",
    parse: optionalText,
  },
  {
    env: 'WATCHPOST_MQTT_CLIENT_ID',
    key: 'mqttClientId',
    default: 'watchpost-hub',
    description:
      "Client id on an external broker, and the CN of the hub's client certificate there (reissued at start when it differs). Must stay the same across restarts of one replica (its persistent session holds the reports that arrived while it was down) and differ between replicas: watchpost-hub for a single hub, watchpost-hub-0 .. watchpost-hub-7 for replicas (the names the shipped Mosquitto ACL grants).",
    parse: text,
  },
  {
    env: 'WATCHPOST_MQTT_SHARE_GROUP',
    key: 'mqttShareGroup',
    default: 'watchpost-hub',
    description:
      'Shared-subscription group on an external broker: hub replicas in one group split the reports.',
    parse: text,
  },
  {
    env: 'WATCHPOST_MQTT_SESSION_EXPIRY',
    key: 'mqttSessionExpirySec',
    default: '7d',
    description: "How long the broker keeps the hub's session (and queues reports) while the hub is down.",
    parse: (raw) => Math.round(duration('WATCHPOST_MQTT_SESSION_EXPIRY')(raw) / 1000),
  },
  {
    env: 'WATCHPOST_DB_URL',
    key: 'dbUrl',
    default: '(unset: SQLite)',
    description: 'PostgreSQL URL (postgres://user:pass@host:5432/db). Unset: SQLite at WATCHPOST_DB_PATH.',
    parse: optionalText,
  },
  {
    env: 'WATCHPOST_DB_PATH',
    key: 'dbPath',
    default: '.watchpost/hub.sqlite',
    description: 'SQLite database file (WAL mode).',
    parse: text,
  },
  {
    env: 'WATCHPOST_DATA_DIR',
    key: 'dataDir',
    default: '.watchpost/hub',
    description:
      'Hub CA, server and client certificates and keys (keys 0600). Back it up: losing the CA means re-enrolling every agent.',
    parse: text,
  },
  {
    env: 'WATCHPOST_STALE_AFTER',
    key: 'staleAfterMs',
    default: '2h',
    description: "A cluster whose newest report is older than this, by the hub's clock, is stale.",
    parse: duration('WATCHPOST_STALE_AFTER'),
  },
  {
    env: 'WATCHPOST_RESOLVED_RETENTION',
    key: 'resolvedRetentionMs',
    default: '30d',
    description:
      'Resolved findings (problems that turned pass or vanished) are kept this long after resolvedAt, then deleted when their cluster next reports.',
    parse: duration('WATCHPOST_RESOLVED_RETENTION'),
  },
  {
    env: 'WATCHPOST_MAX_REPORT_BYTES',
    key: 'maxReportBytes',
    default: String(MAX_ENVELOPE_GZIP_BYTES),
    description:
      'Largest report payload accepted on the wire (compressed), bytes. Larger ones are quarantined.',
    parse: positiveInt('WATCHPOST_MAX_REPORT_BYTES'),
  },
  {
    env: 'WATCHPOST_MAX_DECOMPRESSED_BYTES',
    key: 'maxDecompressedBytes',
    default: '67108864',
    description: 'Largest report after decompression, bytes (zip-bomb limit).',
    parse: positiveInt('WATCHPOST_MAX_DECOMPRESSED_BYTES'),
  },
  {
    env: 'WATCHPOST_INGEST_BATCH_SIZE',
    key: 'ingestBatchSize',
    default: '200',
    description: 'Reports committed in one database transaction at most.',
    parse: positiveInt('WATCHPOST_INGEST_BATCH_SIZE'),
  },
  {
    env: 'WATCHPOST_INGEST_BATCH_MS',
    key: 'ingestBatchMs',
    default: '10',
    description: 'How long the ingest collects reports before committing a batch, ms.',
    parse: positiveInt('WATCHPOST_INGEST_BATCH_MS'),
  },
  {
    env: 'WATCHPOST_AGENT_CERT_DAYS',
    key: 'agentCertDays',
    default: '30',
    description: 'Validity of agent certificates (agents renew at two thirds of it).',
    parse: positiveInt('WATCHPOST_AGENT_CERT_DAYS'),
  },
  {
    env: 'WATCHPOST_ENROLL_TOKEN_TTL',
    key: 'enrollTokenTtlMs',
    default: '24h',
    description: 'Default validity of enrollment tokens (token create --ttl overrides).',
    parse: duration('WATCHPOST_ENROLL_TOKEN_TTL'),
  },
  {
    env: 'WATCHPOST_ENROLL_RATE',
    key: 'enrollRatePerMinute',
    default: '10',
    description:
      'Enrollment requests allowed per minute per client IP (@nestjs/throttler, sliding window, in memory, per hub process).',
    parse: positiveInt('WATCHPOST_ENROLL_RATE'),
  },
  {
    env: 'WATCHPOST_CLOCK_SKEW_TOLERANCE',
    key: 'clockSkewToleranceMs',
    default: '5m',
    description:
      "Skew between an agent's scan time and the hub's receive time beyond which the agent's clock is called wrong.",
    parse: duration('WATCHPOST_CLOCK_SKEW_TOLERANCE'),
  },
];

/** Builds and validates the configuration; throws one HubConfigError listing every bad setting. */
export function loadHubConfig(env: Env = process.env, overrides: Partial<HubConfig> = {}): HubConfig {
  const defaults: HubConfig = {
    httpPort: 8443,
    httpHost: '0.0.0.0',
    httpTls: true,
    tlsSans: ['localhost', '127.0.0.1', hostname()],
    mqttPort: 8883,
    mqttHost: '0.0.0.0',
    mqttUrl: undefined,
    mqttPublicUrl: '',
    mqttCaFile: undefined,
    mqttClientId: HUB_IDENTITY,
    mqttShareGroup: 'watchpost-hub',
    mqttSessionExpirySec: 7 * 86_400,
    dbUrl: undefined,
    dbPath: '.watchpost/hub.sqlite',
    dataDir: '.watchpost/hub',
    staleAfterMs: 2 * 3_600_000,
    resolvedRetentionMs: 30 * 86_400_000,
    maxReportBytes: MAX_ENVELOPE_GZIP_BYTES,
    maxDecompressedBytes: 64 * 1024 * 1024,
    ingestBatchSize: 200,
    ingestBatchMs: 10,
    agentCertDays: 30,
    enrollTokenTtlMs: 24 * 3_600_000,
    enrollRatePerMinute: 10,
    clockSkewToleranceMs: 5 * 60_000,
  };
  const config: Record<string, unknown> = { ...defaults };
  const problems: string[] = [];
  for (const s of HUB_SETTINGS) {
    const raw = env[s.env];
    if (raw === undefined) continue;
    try {
      config[s.key] = s.parse(raw, env);
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  const c = { ...(config as unknown as HubConfig), ...overrides };
  if (c.mqttUrl !== undefined && !/^(mqtts|mqtt|wss|ws):\/\//.test(c.mqttUrl)) {
    problems.push(`WATCHPOST_MQTT_URL must be an mqtts:// (or mqtt://) URL (got "${c.mqttUrl}")`);
  }
  if (!isHubIdentity(c.mqttClientId))
    problems.push(
      `WATCHPOST_MQTT_CLIENT_ID must be watchpost-hub or watchpost-hub-<suffix> (lower-case letters, digits, "-" and "."; e.g. watchpost-hub-0), got "${c.mqttClientId}"`,
    );
  if (/[/+#]/.test(c.mqttShareGroup)) problems.push('WATCHPOST_MQTT_SHARE_GROUP must not contain /, + or #');
  if (c.tlsSans.length === 0) problems.push('WATCHPOST_TLS_SANS must name at least one DNS name or IP');
  if (c.maxDecompressedBytes < c.maxReportBytes) {
    problems.push('WATCHPOST_MAX_DECOMPRESSED_BYTES must be at least WATCHPOST_MAX_REPORT_BYTES');
  }
  if (problems.length > 0) throw new HubConfigError(`invalid hub configuration:\n  ${problems.join('\n  ')}`);
  if (!c.mqttPublicUrl) c.mqttPublicUrl = c.mqttUrl ?? `mqtts://${c.tlsSans[0]}:${c.mqttPort}`;
  return c;
}

/** Files under the data dir. */
export function hubPaths(config: Pick<HubConfig, 'dataDir'>): {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The CRL the hub keeps for an external broker (Mosquitto `crlfile`). */
  crl: string;
} {
  const d = config.dataDir;
  return {
    caCert: join(d, 'ca.crt'),
    caKey: join(d, 'ca.key'),
    serverCert: join(d, 'server.crt'),
    serverKey: join(d, 'server.key'),
    clientCert: join(d, 'hub-client.crt'),
    clientKey: join(d, 'hub-client.key'),
    crl: join(d, 'crl.pem'),
  };
}

/** Injection token of the HubConfig object. */
export const HUB_CONFIG = 'WATCHPOST_HUB_CONFIG';
