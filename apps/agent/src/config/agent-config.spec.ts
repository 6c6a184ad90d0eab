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
  loadPolicyConfig,
  resolveConfig,
  settingsMarkdownTable,
} from './agent-config.js';
import { SYSTEM_NAMESPACES } from '../checks/workload/system-namespaces.js';

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

  describe('exemptions, severity overrides, platform namespaces', () => {
    const NOW = new Date('2026-12-06T00:00:00Z');
    const file = '/etc/watchpost/agent.yaml';
    const required = {
      agentId: 'hci-01.node-1',
      tls: { cert: 'c', key: 'k', ca: 'a' },
      broker: { url: 'mqtts://broker.example:8883' },
    };
    const problems = (extra: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): string => {
      try {
        resolveConfig({ ...required, ...extra }, env, file, NOW);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    const good = {
      checkId: 'pod-host-path',
      scope: { kind: 'namespace', namespace: 'monitoring' },
      reason: 'node-exporter reads /proc of the host',
      expiresAt: '2027-03-31T00:00:00Z',
    };

    it('accepts a valid policy, normalises times, and defaults the platform namespaces to the built-in list', () => {
      const c = resolveConfig(
        { ...required, exemptions: [good], severityOverrides: { 'pod-run-as-root': 'low' } },
        {},
        file,
        NOW,
      );
      expect(c.exemptions).toEqual([{ ...good, expiresAt: '2027-03-31T00:00:00.000Z' }]);
      expect(c.severityOverrides).toEqual({ 'pod-run-as-root': 'low' });
      expect(c.platformNamespaces).toEqual([...SYSTEM_NAMESPACES]);
      expect(c.warnings).toEqual([]);
    });

    it('refuses an exemption without reason or expiry, beyond 365 days, with an unknown check, naming file and field', () => {
      const { reason: _r, ...noReason } = good;
      const { expiresAt: _e, ...noExpiry } = good;
      const msg = problems({
        exemptions: [
          noReason,
          noExpiry,
          { ...good, expiresAt: '2028-01-01T00:00:00Z' },
          { ...good, checkId: 'pod-privilegd' },
          { ...good, area: 'workload' },
          { ...good, scope: { kind: 'resource', resource: { kind: 'Deployment' } } },
          { ...good, reason: '   ' },
        ],
      });
      expect(msg).toContain(
        `exemptions[0].reason (exemptions in ${file}): is required: say why the risk is accepted`,
      );
      expect(msg).toContain(`exemptions[1].expiresAt (exemptions in ${file})`);
      expect(msg).toContain(
        `exemptions[3].checkId (exemptions in ${file}): must be a check id of the catalogue`,
      );
      expect(msg).toContain('exemptions[4] (exemptions in');
      expect(msg).toContain('give exactly one of checkId or area');
      expect(msg).toContain('exemptions[5].scope');
      expect(msg).toContain('a resource scope names the resource');
      expect(msg).toContain('exemptions[6].reason');
      // The 365-day bound is checked only once the entries are otherwise valid.
      const far = problems({ exemptions: [{ ...good, expiresAt: '2028-01-01T00:00:00Z' }] });
      expect(far).toContain(
        `exemptions[0].expiresAt (exemptions in ${file}): 2028-01-01T00:00:00.000Z is more than 365 days from now`,
      );
    });

    it('keeps an already expired exemption (a date passing must not stop the agent) and warns about it', () => {
      const c = resolveConfig(
        { ...required, exemptions: [{ ...good, expiresAt: '2026-11-01T00:00:00Z' }] },
        {},
        file,
        NOW,
      );
      expect(c.warnings).toEqual([
        expect.stringContaining(
          'exemptions[0] (exemptions in /etc/watchpost/agent.yaml, pod-host-path) expired at 2026-11-01',
        ),
      ]);
    });

    it('refuses unknown check ids and severities in severityOverrides, and takes JSON from the environment', () => {
      const msg = problems({ severityOverrides: { 'pod-run-as-root': 'urgent', 'no-such-check': 'low' } });
      expect(msg).toContain('severityOverrides.pod-run-as-root (severityOverrides in');
      expect(msg).toContain('use one of critical, high, medium, low, info');
      expect(msg).toContain('severityOverrides');
      expect(msg).toContain('severityOverrides.no-such-check (severityOverrides in');
      expect(msg).toContain('not a check id of the catalogue');
      const c = resolveConfig(
        required,
        { WATCHPOST_SEVERITY_OVERRIDES: '{"pod-privileged":"high"}' },
        file,
        NOW,
      );
      expect(c.severityOverrides).toEqual({ 'pod-privileged': 'high' });
      expect(problems({}, { WATCHPOST_EXEMPTIONS: '[{' })).toContain('WATCHPOST_EXEMPTIONS: must be JSON');
    });

    it('platformNamespaces: add/remove change the built-in list, replace gives the whole list, typos are refused', () => {
      const changed = resolveConfig(
        { ...required, platformNamespaces: { add: ['vendor-*'], remove: ['cert-manager'] } },
        {},
        file,
        NOW,
      ).platformNamespaces;
      expect(changed).toContain('vendor-*');
      expect(changed).toContain('kube-system');
      expect(changed).not.toContain('cert-manager');
      expect(
        resolveConfig({ ...required, platformNamespaces: { replace: ['kube-system'] } }, {}, file, NOW)
          .platformNamespaces,
      ).toEqual(['kube-system']);
      const msg = problems({ platformNamespaces: { remove: ['kube-sytem'], add: ['Bad_Name'] } });
      expect(msg).toContain('platformNamespaces.remove (platformNamespaces in');
      expect(msg).toContain('kube-sytem is not in the built-in list');
      expect(msg).toContain('platformNamespaces.add[0]');
      expect(problems({ platformNamespaces: { replace: ['a'], add: ['b'] } })).toContain(
        'give either replace (the whole list) or add/remove',
      );
    });

    it('scan --config reads only the policy settings, from a file without the daemon settings', async () => {
      const path = await write(
        `exemptions:\n  - checkId: image-provenance\n    scope: { kind: cluster }\n    reason: mirrored next quarter\n    expiresAt: 2027-01-31T00:00:00Z\n`,
      );
      const p = loadPolicyConfig(path, {}, NOW);
      expect(p.exemptions?.[0]).toMatchObject({
        checkId: 'image-provenance',
        expiresAt: '2027-01-31T00:00:00.000Z',
      });
      expect(p.platformNamespaces).toEqual([...SYSTEM_NAMESPACES]);
      const bad = await write(`exemptions:\n  - checkId: image-provenance\n    scope: { kind: cluster }\n`);
      expect(() => loadPolicyConfig(bad, {}, NOW)).toThrow(`exemptions[0].reason (exemptions in ${bad})`);
    });
  });
});
