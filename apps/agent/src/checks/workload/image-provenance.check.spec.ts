import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { readBundle } from '../../collectors/bundle.reader.js';
import { runChecks } from '../../scan/runner.js';

const dir = mkdtempSync(join(tmpdir(), 'watchpost-image-provenance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pod = (name: string, containers: Record<string, unknown>[]) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop' },
  spec: { containers },
});

describe('image-provenance shares one verdict per distinct list of container names and images', () => {
  test('replicas share it; containers that print differently never do', async () => {
    mkdirSync(join(dir, 'kube'), { recursive: true });
    writeFileSync(
      join(dir, 'cluster.json'),
      JSON.stringify({ name: 'c', platform: 'aks-hci', role: 'workload' }),
    );
    const image = 'docker.io/library/nginx:1.27';
    const pods = [
      pod('web-1', [{ name: 'web', image }]),
      pod('web-2', [{ name: 'web', image }]),
      pod('other', [{ name: 'other', image }]),
      // Malformed: no name, and a null one. JSON would write both as null; the messages differ.
      pod('unnamed', [{ image }]),
      pod('null-name', [{ name: null, image }]),
    ];
    writeFileSync(
      join(dir, 'kube', 'pods.json'),
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods }),
    );
    const evidence = await readBundle(dir);
    const report = runChecks(evidence, { now: new Date('2026-06-01T00:00:00Z'), only: ['image-provenance'] });
    const byPod = new Map(
      report.results.filter((r) => r.resource.kind === 'Pod').map((r) => [r.resource.name, r]),
    );
    expect(byPod.get('web-1')?.message).toContain(`web=${image}`);
    expect(byPod.get('web-2')?.message).toBe(byPod.get('web-1')?.message);
    expect(byPod.get('other')?.message).toContain(`other=${image}`);
    expect(byPod.get('unnamed')?.message).toContain(`undefined=${image}`);
    expect(byPod.get('null-name')?.message).toContain(`null=${image}`);
  });

  test('lists that share a beginning, or the same names and images paired otherwise, do not share a verdict', async () => {
    mkdirSync(join(dir, 'kube'), { recursive: true });
    writeFileSync(
      join(dir, 'cluster.json'),
      JSON.stringify({ name: 'c', platform: 'aks-hci', role: 'workload' }),
    );
    const a = 'docker.io/library/nginx:1.27';
    const b = 'docker.io/library/redis:7';
    const pods = [
      pod('one', [{ name: 'web', image: a }]),
      pod('two', [
        { name: 'web', image: a },
        { name: 'cache', image: b },
      ]),
      pod('two-again', [
        { name: 'web', image: a },
        { name: 'cache', image: b },
      ]),
      pod('swapped', [
        { name: 'web', image: b },
        { name: 'cache', image: a },
      ]),
      pod('no-image', [{ name: 'web', image: a }, { name: 'cache' }]),
    ];
    writeFileSync(
      join(dir, 'kube', 'pods.json'),
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods }),
    );
    const evidence = await readBundle(dir);
    const report = runChecks(evidence, { now: new Date('2026-06-01T00:00:00Z'), only: ['image-provenance'] });
    const message = new Map(
      report.results.filter((r) => r.resource.kind === 'Pod').map((r) => [r.resource.name, r.message]),
    );
    expect(message.get('one')).toContain(`web=${a}`);
    expect(message.get('one')).not.toContain('cache=');
    expect(message.get('two')).toContain(`web=${a}, cache=${b}`);
    expect(message.get('two-again')).toBe(message.get('two'));
    expect(message.get('swapped')).toContain(`web=${b}, cache=${a}`);
    // A container without an image adds nothing: the same verdict as the pod with only the first.
    expect(message.get('no-image')).toBe(message.get('one'));
  });
});
