import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  configPath,
  describeSettings,
  envName,
  loadConfig,
  settingsMarkdownTable,
} from './agent-config.js';

const base = `agentId: hci-01.node-1
tls: { cert: /etc/watchpost/agent.crt, key: /etc/watchpost/agent.key, ca: /etc/watchpost/ca.crt }
broker: { url: "mqtts://broker.example:8883" }
`;

describe('agent config', () => {
  let dir: string;
  const write = async (text: string) => {
    dir ??= await mkdtemp(join(tmpdir(), 'agent-config-'));
    const file = join(dir, 'agent.yaml');
    await writeFile(file, text);
    return file;
  };
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('applies defaults', async () => {
    const c = loadConfig(await write(base), {});
    expect(c).toMatchObject({
      agentId: 'hci-01.node-1',
      intervalSeconds: 300,
      broker: { protocolVersion: 5 },
      retention: { maxRows: 4032 },
      evidence: {},
    });
  });

  it('lets WATCHPOST_* override the file, coercing numbers and JSON', async () => {
    const c = loadConfig(await write(base), {
      WATCHPOST_BROKER_PROTOCOL_VERSION: '4',
      WATCHPOST_INTERVAL_SECONDS: '60',
      WATCHPOST_EVIDENCE_BUNDLE: '/data/bundle',
      WATCHPOST_CHECKS: '{"certWarnLifetimeShare":0.3}',
    });
    expect(c.broker.protocolVersion).toBe(4);
    expect(c.intervalSeconds).toBe(60);
    expect(c.evidence.bundle).toBe('/data/bundle');
    expect(c.checks).toEqual({ certWarnLifetimeShare: 0.3 });
  });

  it('names every bad setting, where it came from, and what to do', async () => {
    const file = await write(
      `agentId: Bad/Id\nbroker: { url: "mqtt://plain:1883", protocolVersion: 3 }\nintervalSecs: 5\nchecks: { nope: 1 }\n`,
    );
    let err: unknown;
    try {
      loadConfig(file, { WATCHPOST_JITTER: '2' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain(`agentId (agentId in ${file})`);
    expect(msg).toContain('tls.cert');
    expect(msg).toContain('WATCHPOST_TLS_CERT');
    expect(msg).toContain('use mqtts://host:port');
    expect(msg).toContain('broker.protocolVersion');
    expect(msg).toContain('jitter (WATCHPOST_JITTER)');
    expect(msg).toContain('intervalSecs: unknown setting');
    expect(msg).toContain('checks');
  });

  it('bounds duration settings and says which one and what range', async () => {
    const file = await write(base);
    expect(() => loadConfig(file, { WATCHPOST_INTERVAL_SECONDS: '99999999999' })).toThrow(
      /intervalSeconds \(WATCHPOST_INTERVAL_SECONDS\).*use at most 604800 seconds \(7 days\)/,
    );
    expect(() => loadConfig(file, { WATCHPOST_ACK_TIMEOUT_SECONDS: '0' })).toThrow(
      /ackTimeoutSeconds \(WATCHPOST_ACK_TIMEOUT_SECONDS\).*use at least 1 second/,
    );
    expect(loadConfig(file, { WATCHPOST_INTERVAL_SECONDS: '604800' }).intervalSeconds).toBe(604800);
  });

  it('explains a missing or unparsable file', async () => {
    expect(() => loadConfig('/nonexistent/agent.yaml', {})).toThrow(
      /cannot read config file \/nonexistent\/agent.yaml \(ENOENT\).*enroll/,
    );
    const broken = await write('a: [1,');
    expect(() => loadConfig(broken, {})).toThrow(/not valid YAML/);
  });

  it('picks the file from --config, then WATCHPOST_CONFIG, then the default', () => {
    expect(configPath('/a.yaml', { WATCHPOST_CONFIG: '/b.yaml' })).toBe('/a.yaml');
    expect(configPath(undefined, { WATCHPOST_CONFIG: '/b.yaml' })).toBe('/b.yaml');
    expect(configPath(undefined, {})).toBe('/etc/watchpost/agent.yaml');
  });

  it('describes every setting, and docs/agent.md carries the current table', async () => {
    expect(envName('broker.protocolVersion')).toBe('WATCHPOST_BROKER_PROTOCOL_VERSION');
    for (const s of describeSettings()) expect(s.description.length).toBeGreaterThan(10);
    const doc = await readFile(join(import.meta.dirname, '..', '..', '..', '..', 'docs', 'agent.md'), 'utf8');
    const table = /<!-- settings:begin -->\n([\s\S]*?)\n<!-- settings:end -->/.exec(doc)?.[1];
    expect(table).toBe(settingsMarkdownTable());
  });
});
