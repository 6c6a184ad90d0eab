// The README's first command, end to end: hub + embedded broker + SQLite + three enrolled agents scanning live
// copies of the sample bundles, through the real CLIs (run-demo builds first; npm test has built already).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@jest/globals';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SAMPLES = {
  'aks-azure': 'aks-shop-weu',
  'aks-hci-management': 'hci-mgmt-seattle',
  'aks-hci-workload': 'hci-wl-retail',
};
/** The hub's default clock-skew tolerance: beyond it the demo would greet a newcomer with "clock wrong". */
const SKEW_TOLERANCE_S = 300;

const collectedAt = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { collectedAt: string }).collectedAt;

test('the demo brings up a live-looking fleet and prints URL, viewer token, summary and risks first', async () => {
  const startedAt = new Date();
  const fixturesBefore = Object.keys(SAMPLES).map((s) => collectedAt(join(ROOT, 'test/fixtures/bundles', s)));
  const child = spawn(process.execPath, [join(ROOT, 'apps/hub/dist/src/demo/demo.js'), '--exit'], {
    cwd: ROOT,
    env: { ...process.env, WATCHPOST_HTTP_PORT: '0', WATCHPOST_MQTT_PORT: '0' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toMatch(/Watchpost hub: {2}https:\/\/localhost:\d+/);
  expect(stdout).toMatch(/Viewer token: {3}wpt_\S+/);
  expect(stdout).toMatch(/onPrem\s+2 clusters/);
  expect(stdout).toMatch(/azure\s+1 clusters/);

  // Collected now (the demo's own copies), the committed fixtures untouched.
  for (const [sample, name] of Object.entries(SAMPLES)) {
    const live = collectedAt(join(ROOT, '.watchpost/demo/bundles', sample));
    expect([sample, Date.parse(live) >= startedAt.getTime() - 1000]).toEqual([sample, true]);
    const line = new RegExp(`${name}\\s+\\S+\\s+\\S+\\s+score \\d+\\s+clock skew (-?[\\d.]+) s`).exec(stdout);
    expect([name, line !== null]).toEqual([name, true]);
    expect(Math.abs(Number(line![1]))).toBeLessThan(SKEW_TOLERANCE_S);
  }
  expect(Object.keys(SAMPLES).map((s) => collectedAt(join(ROOT, 'test/fixtures/bundles', s)))).toEqual(
    fixturesBefore,
  );

  // The expiry list: what needs action first; no expired "pass" rows, no pass above a real risk.
  const section = stdout.split('Certificates, what needs action first')[1] ?? '';
  const rows = [...section.matchAll(/^ {2}(\S+)\s+(\S+)\s+(-?\d+\.\d) days {2}(\w+)(.*)$/gm)].map((m) => ({
    cluster: m[1],
    days: Number(m[3]),
    outcome: m[4],
    rest: m[5],
  }));
  expect(rows.length).toBeGreaterThan(3);
  expect(['fail', 'warn']).toContain(rows[0].outcome);
  expect(rows.filter((r) => r.outcome === 'pass' && r.days < 0)).toEqual([]);
  const lastRisk = rows.map((r) => r.outcome).lastIndexOf('warn');
  const firstPass = rows.findIndex((r) => r.outcome === 'pass');
  if (firstPass >= 0) expect(firstPass).toBeGreaterThan(lastRisk);
  // The designed risks of the sample fleet are there: the kubelet serving certificate nobody renews (43 days
  // left) and the hand-uploaded partner-api TLS secret (40 days left).
  expect(
    rows.some(
      (r) =>
        r.outcome === 'warn' &&
        r.rest.includes('/var/lib/kubelet/pki/kubelet.crt') &&
        r.days > 40 &&
        r.days < 46,
    ),
  ).toBe(true);
  expect(
    rows.some((r) => r.outcome === 'warn' && r.rest.includes('partner-api') && r.days > 38 && r.days < 42),
  ).toBe(true);
  // The demo ships one accepted risk, with its reason, read back from the REST API; it lifts the cluster's
  // network score and leaves the open counts, and its findings stay listed.
  expect(stdout).toMatch(
    /Accepted risks \(GET \/api\/v1\/exemptions\):\n {2}\S+ {2}netpol-namespace-default-deny-egress {2}\{"kind":"cluster","cluster":"hci-wl-retail"\}.*by demo-operator: Egress default-deny policies/,
  );
  const lift = /hci-wl-retail: score (\d+) -> (\d+), network (\d+) -> (\d+), open medium (\d+) -> (\d+)/.exec(
    stdout,
  );
  expect(lift).not.toBeNull();
  const [scoreBefore, scoreAfter, netBefore, netAfter, openBefore, openAfter] = lift!.slice(1).map(Number);
  expect(scoreAfter).toBeGreaterThan(scoreBefore);
  expect(netAfter).toBeGreaterThan(netBefore);
  expect(openBefore - openAfter).toBe(5);
  expect(stdout).toMatch(/\d+ findings exempted \(5 on the hub, \d+ by annotation\)/);
}, 300_000);
