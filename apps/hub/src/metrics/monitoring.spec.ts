import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_NOW, seedFixture } from '../api/testing/api-fixture.js';
import { startApiTestApp, type ApiTestApp } from '../api/testing/api-test-app.js';
import { POSTURE_SERIES } from './metrics.service.js';

const MONITORING = join(import.meta.dirname, '..', '..', '..', '..', 'deploy', 'monitoring');
const RULES = join(MONITORING, 'watchpost-alerts.yaml');
const RULE_TESTS = join(MONITORING, 'watchpost-alerts.test.yaml');
const DASHBOARD = join(MONITORING, 'grafana', 'watchpost-fleet.json');

function promtool(args: string[], input?: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd: MONITORING, input, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** `watchpost_*` metric names an expression or document mentions. */
const namesIn = (text: string): Set<string> =>
  new Set([...text.matchAll(/\bwatchpost_[a-z_]+/g)].map((m) => m[0]));

describe('posture metrics, alert rules and dashboard', () => {
  let t: ApiTestApp;
  let scrape: string;

  beforeAll(async () => {
    try {
      execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    } catch {
      throw new Error(
        'promtool not found: install the Debian package "prometheus" (scripts/setup.sh --for-tests does)',
      );
    }
    t = await startApiTestApp({ kind: 'sqlite', now: FIXTURE_NOW, seed: seedFixture });
    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.tokens.viewer}` } });
    expect(res.status).toBe(200);
    scrape = await res.text();
  });
  afterAll(async () => {
    await t?.close();
  });

  const sample = (name: string, labels: string): number | undefined => {
    const line = scrape.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  it('exposes the posture series with the contract names and labels, from the posture tables and typed facts', () => {
    expect(sample('watchpost_cluster_score', 'cluster="hci-mgmt",platform="aks-hci",area="overall"')).toBe(
      33,
    );
    expect(
      sample('watchpost_cluster_score', 'cluster="hci-mgmt",platform="aks-hci",area="certificates"'),
    ).toBe(33);
    expect(
      sample('watchpost_findings_open', 'cluster="hci-mgmt",platform="aks-hci",severity="critical"'),
    ).toBe(1);
    // Every severity has a sample for every cluster, so `== 0` and absent never mean the same thing.
    expect(
      sample('watchpost_findings_open', 'cluster="new-cluster",platform="aks",severity="critical"'),
    ).toBe(0);
    // Least time left among certificates nobody renews: hci-mgmt's apiserver certificate (1 day of 365)...
    expect(sample('watchpost_certificate_expiry_seconds', 'cluster="hci-mgmt",platform="aks-hci"')).toBe(
      86_400,
    );
    expect(
      sample('watchpost_certificate_lifetime_left_ratio', 'cluster="hci-mgmt",platform="aks-hci"'),
    ).toBeCloseTo(1 / 365, 6);
    // ...while hci-wl1's only certificate is a 4-day AKS hybrid one the platform renews: no sample.
    expect(
      sample('watchpost_certificate_expiry_seconds', 'cluster="hci-wl1",platform="aks-hci"'),
    ).toBeUndefined();
    expect(sample('watchpost_certificate_expiry_seconds', 'cluster="aks-prod",platform="aks"')).toBe(
      30 * 86_400,
    );
    expect(sample('watchpost_kms_key_age_seconds', 'cluster="arc-edge"')).toBe(95 * 86_400);
    expect(sample('watchpost_kms_key_age_seconds', 'cluster="hci-mgmt"')).toBe(40 * 86_400);
    expect(
      sample('watchpost_cluster_last_report_timestamp_seconds', 'cluster="hci-mgmt",platform="aks-hci"'),
    ).toBe((FIXTURE_NOW.getTime() - 10 * 60_000) / 1000);
    // Enrolled, never reported: 0, so the stale alert fires for it as the hub calls it stale.
    expect(
      sample('watchpost_cluster_last_report_timestamp_seconds', 'cluster="new-cluster",platform="aks"'),
    ).toBe(0);
    expect(sample('watchpost_agent_clock_skew_seconds', 'cluster="hci-mgmt"')).toBe(1.5);
    for (const name of POSTURE_SERIES) expect(scrape).toContain(`# TYPE ${name} gauge`);
    // The plumbing series keep their names.
    for (const name of [
      'watchpost_ingest_messages_total',
      'watchpost_agents_online',
      'process_resident_memory_bytes',
    ])
      expect(scrape).toContain(`# TYPE ${name} `);
  });

  it('passes promtool check metrics for every watchpost series', () => {
    const r = promtool(['check', 'metrics'], scrape);
    // prom-client's own nodejs_* gauges end in _total; nothing of ours may be flagged.
    const ours = r.out.split('\n').filter((l) => l.includes('watchpost_'));
    expect(ours).toEqual([]);
  });

  it('ships alert rules that promtool checks and whose unit tests pass', () => {
    const check = promtool(['check', 'rules', RULES]);
    expect(check.out).toContain('SUCCESS: 5 rules found');
    expect(check.status).toBe(0);
    const tests = promtool(['test', 'rules', RULE_TESTS]);
    expect(tests.out).toContain('SUCCESS');
    expect(tests.status).toBe(0);
  });

  it('rules and dashboard use only series the hub exposes, and cover the four alerts', () => {
    const rules = readFileSync(RULES, 'utf8');
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      uid: string;
      panels: { title: string; targets: { expr: string }[] }[];
      templating: { list: { query?: unknown }[] };
    };
    const exposed = namesIn(scrape);
    for (const name of namesIn(rules)) expect(exposed).toContain(name);
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((x) => x.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(8);
    for (const name of namesIn(JSON.stringify(dashboard))) expect(exposed).toContain(name);
    for (const name of POSTURE_SERIES) expect(exprs.some((e) => e.includes(name))).toBe(true);
    for (const alert of [
      'WatchpostClusterStale',
      'WatchpostCertificateExpiring',
      'WatchpostKmsKeyNotRotated',
      'WatchpostCriticalFindingsOpen',
    ])
      expect(rules).toContain(`alert: ${alert}\n`);
  });
});
