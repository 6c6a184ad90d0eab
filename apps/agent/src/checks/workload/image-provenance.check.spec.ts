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
});
