import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { readBundle } from '../../collectors/bundle.reader.js';
import { runChecks } from '../../scan/runner.js';

const dir = mkdtempSync(join(tmpdir(), 'watchpost-workload-common-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bundle(pods: unknown[]) {
  mkdirSync(join(dir, 'kube'), { recursive: true });
  writeFileSync(
    join(dir, 'cluster.json'),
    JSON.stringify({ name: 'c', platform: 'aks-hci', role: 'workload' }),
  );
  writeFileSync(
    join(dir, 'kube', 'pods.json'),
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods }),
  );
  return readBundle(dir);
}

const pod = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop' },
  spec,
});

describe('the container view the workload checks share', () => {
  test('a container list it cannot walk fails every check that asks, not only the first', async () => {
    // The view is kept per scan; one left half-built by the first check would let the next ones pass on it.
    const evidence = await bundle([
      pod('fine', { containers: [{ name: 'app', image: 'mcr.microsoft.com/app:1' }] }),
      pod('odd', { containers: { name: 'app' } }),
    ]);
    const report = runChecks(evidence, {
      now: new Date('2026-06-01T00:00:00Z'),
      only: ['pod-privileged', 'pod-run-as-root', 'pod-seccomp-profile'],
    });
    const byCheck = new Map(report.results.map((r) => [r.checkId, r]));
    for (const id of ['pod-privileged', 'pod-run-as-root', 'pod-seccomp-profile']) {
      expect(byCheck.get(id)?.outcome).toBe('error');
      expect(byCheck.get(id)?.message).toMatch(/^check crashed: .*not iterable/);
    }
  });

  test('init, regular and ephemeral containers are judged in that order, each under its own label', async () => {
    const evidence = await bundle([
      pod('p', {
        ephemeralContainers: [{ name: 'debug', securityContext: { privileged: true } }],
        containers: [{ name: 'app', securityContext: { privileged: true } }],
        initContainers: [{ name: 'setup', securityContext: { privileged: true } }],
      }),
    ]);
    const report = runChecks(evidence, { now: new Date('2026-06-01T00:00:00Z'), only: ['pod-privileged'] });
    const pods = report.results.filter((r) => r.resource.kind === 'Pod');
    expect(pods.map((r) => r.message.split(':')[0])).toEqual([
      expect.stringContaining('init container "setup"'),
      expect.stringContaining('container "app"'),
      expect.stringContaining('ephemeral container "debug"'),
    ]);
  });
});
