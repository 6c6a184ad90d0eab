import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { readBundle } from '../../collectors/bundle.reader.js';
import { runChecks } from '../../scan/runner.js';
import type { PodSpec } from '../lib/pod-specs.js';
import { effectiveSecurityContext } from '../lib/security-context.js';
import { containers, type WorkloadItem } from './common.js';

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

describe('effective contexts in the container view', () => {
  const item = (name: string, spec: PodSpec, annotations: Record<string, string> = {}): WorkloadItem =>
    ({
      src: { kind: 'Pod', namespace: 'shop', name, labels: {}, annotations, spec, object: {} },
      resource: { kind: 'Pod', namespace: 'shop', name },
      os: { os: 'linux', reason: 'default' },
      system: false,
    }) as unknown as WorkloadItem;

  test('found by the securityContext objects replicas share, each still the one its own inputs give', () => {
    // Shared as the bundle reader shares them: one container object in pods with different pod contexts, an
    // annotation naming a profile for the container, and equal contexts that are not the same objects.
    const sc = { allowPrivilegeEscalation: false };
    const root = { runAsUser: 0 };
    const nonRoot = { runAsUser: 1000 };
    const items = [
      item('a', { securityContext: root, containers: [{ name: 'app', securityContext: sc }] }),
      item('b', { securityContext: root, containers: [{ name: 'app', securityContext: sc }] }),
      item('c', { securityContext: nonRoot, containers: [{ name: 'app', securityContext: sc }] }),
      item(
        'd',
        { securityContext: root, containers: [{ name: 'app', securityContext: sc }] },
        {
          'container.seccomp.security.alpha.kubernetes.io/app': 'runtime/default',
        },
      ),
      item('e', {
        securityContext: { runAsUser: 0 },
        containers: [{ name: 'app', securityContext: { ...sc } }],
      }),
      item('f', { containers: [{ name: 'app' }, { name: 'side', securityContext: sc }] }),
      item(
        'g',
        { securityContext: root, containers: [{ name: 'app', securityContext: sc }] },
        { other: 'x' },
      ),
    ];
    const view = containers(items);
    for (const c of view)
      expect([c.src.name, c.sc]).toEqual([
        c.src.name,
        effectiveSecurityContext(c.src.spec, c.src.annotations, c.container),
      ]);
    const byPod = new Map(view.map((c) => [c.src.name, c.sc]));
    // One context object per distinct set of inputs, whichever way it was found.
    expect(byPod.get('b')).toBe(byPod.get('a'));
    expect(byPod.get('e')).toBe(byPod.get('a'));
    expect(byPod.get('g')).toBe(byPod.get('a'));
    expect(byPod.get('c')).not.toBe(byPod.get('a'));
    expect(byPod.get('d')).not.toBe(byPod.get('a'));
  });
});
