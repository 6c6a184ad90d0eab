import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { readBundle } from '../../collectors/bundle.reader.js';
import { runChecks } from '../../scan/runner.js';

// Checks judge each distinct input once and share the verdict; these prove inputs that differ only in what the
// sharing could miss still get their own answers.

const dir = mkdtempSync(join(tmpdir(), 'watchpost-shared-verdicts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function bundle(pods: unknown[], namespaces: unknown[] = []) {
  const d = join(dir, String(n++));
  mkdirSync(join(d, 'kube'), { recursive: true });
  writeFileSync(
    join(d, 'cluster.json'),
    JSON.stringify({ name: 'c', platform: 'aks-hci', role: 'workload' }),
  );
  const list = (items: unknown[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
  writeFileSync(join(d, 'kube', 'pods.json'), list(pods));
  writeFileSync(join(d, 'kube', 'namespaces.json'), list(namespaces));
  return readBundle(d);
}

const pod = (name: string, spec: Record<string, unknown>, status?: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop' },
  spec,
  ...(status ? { status } : {}),
});

const now = new Date('2026-06-01T00:00:00Z');

describe('verdicts shared between workloads', () => {
  test('pod-run-as-root: equal contexts and labels still differ by the uid the runtime reports', async () => {
    const spec = { containers: [{ name: 'app', securityContext: {} }] };
    const uid = (u: number) => ({ containerStatuses: [{ name: 'app', user: { linux: { uid: u } } }] });
    const evidence = await bundle([
      pod('a', spec, uid(0)),
      pod('b', spec, uid(1000)),
      pod('c', spec),
      pod('d', spec, uid(0)),
    ]);
    const report = runChecks(evidence, { now, only: ['pod-run-as-root'] });
    const byPod = new Map(report.results.map((r) => [r.resource.name, r]));
    expect(byPod.get('a')?.outcome).toBe('fail');
    expect(byPod.get('a')?.message).toContain('the runtime reports uid 0');
    expect(byPod.get('d')?.message).toBe(byPod.get('a')?.message);
    expect(byPod.get('b')?.outcome).toBe('warn');
    expect(byPod.get('b')?.message).toContain('(currently uid 1000)');
    expect(byPod.get('c')?.outcome).toBe('warn');
    expect(byPod.get('c')?.message).not.toContain('currently');
  });

  test('pod-security-level: a namespace summary names its pods in locale order, whatever order they came in', async () => {
    const spec = { containers: [{ name: 'app', image: 'x' }] };
    const evidence = await bundle(
      ['web-b', 'web-a', 'Web-c', 'web-10', 'web-9'].map((name) => pod(name, spec)),
      [{ metadata: { name: 'shop', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } }],
    );
    const report = runChecks(evidence, { now, only: ['pod-security-level'] });
    const summary = report.results.find((r) => r.outcome === 'pass')!;
    const names = ['web-b', 'web-a', 'Web-c', 'web-10', 'web-9'].sort((a, b) => a.localeCompare(b));
    expect(summary.message).toContain(names.map((m) => `Pod/${m} (baseline)`).join(', '));
    expect(summary.evidence?.['workloads']).toEqual(
      names.map((name) => ({ kind: 'Pod', name, level: 'baseline' })),
    );
  });

  test('pod-security-level: pods that pass and pods that fail one namespace policy get their own answers, with a name listed twice or not', async () => {
    const ok = { containers: [{ name: 'app', image: 'x' }] };
    const bad = { containers: [{ name: 'app', image: 'x', securityContext: { privileged: true } }] };
    const ns = [{ metadata: { name: 'shop', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } }];
    for (const twice of [false, true]) {
      const pods = [pod('a', ok), pod('b', bad), pod('c', ok)];
      // The same name twice: the check keeps the first's place and the last's answer, as it always did.
      if (twice) pods.push(pod('a', bad));
      const report = runChecks(await bundle(pods, ns), { now, only: ['pod-security-level'] });
      const fails = report.results.filter((r) => r.outcome === 'fail').map((r) => r.resource.name);
      expect(fails).toEqual(twice ? ['a', 'b'] : ['b']);
      const pass = report.results.find((r) => r.outcome === 'pass');
      expect(pass?.message).toContain(twice ? ': Pod/c (baseline)' : ': Pod/a (baseline), Pod/c (baseline)');
    }
  });

  test("pod-security-level: one spec shape passes or fails by its own namespace's policy", async () => {
    const spec = { containers: [{ name: 'app', image: 'x' }] };
    const inNs = (name: string, namespace: string) => ({ ...pod(name, spec), metadata: { name, namespace } });
    const ns = (name: string, level: string) => ({
      metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': level } },
    });
    const evidence = await bundle(
      [inNs('a', 'lax'), inNs('b', 'strict'), inNs('c', 'lax'), inNs('d', 'strict')],
      [ns('lax', 'baseline'), ns('strict', 'restricted')],
    );
    const report = runChecks(evidence, { now, only: ['pod-security-level'] });
    const fails = report.results.filter((r) => r.outcome === 'fail').map((r) => r.resource.name);
    expect(fails).toEqual(['b', 'd']);
    const pass = report.results.find((r) => r.outcome === 'pass');
    expect(pass?.resource.name).toBe('lax');
    expect(pass?.message).toContain(': Pod/a (baseline), Pod/c (baseline)');
  });
});
