import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import { readBundle } from '../../collectors/bundle.reader.js';
import { runChecks } from '../../scan/runner.js';
import { allowed, imageRegistry } from './image-provenance.check.js';

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

describe('image references and allow-list entries read by position', () => {
  // What the check read with regular expressions before: the oracle the positional reading must match.
  const byRegex = (image: string) => {
    const digest = /@sha256:[0-9a-f]{64}$/.test(image);
    const name = image.replace(/@.*$/, '');
    const slash = name.indexOf('/');
    const first = slash > 0 ? name.slice(0, slash) : '';
    const explicit = first.includes('.') || first.includes(':') || first === 'localhost';
    const rest = explicit ? name.slice(slash + 1) : name;
    const repository = rest.replace(/:[^/:]*$/, '');
    return {
      registry: explicit ? first.toLowerCase() : 'docker.io',
      repository: explicit || rest.includes('/') ? repository : `library/${repository}`,
      digest,
    };
  };

  test('every reference, odd ones included, gives what the regular expressions gave', () => {
    const hex = '0123456789abcdef'.repeat(4);
    const parts = [
      '',
      'nginx',
      'nginx:1',
      'a/b:1',
      'R.io:5000/a',
      'localhost/x',
      '@',
      '@x',
      ':',
      '/',
      '\n',
      '@a\u2028',
    ];
    const ends = ['', `@sha256:${hex}`, `@sha256:${hex.toUpperCase()}`, `@sha256:${hex}x`, ':t', '@'];
    for (const a of parts)
      for (const b of parts)
        for (const end of ends)
          expect([a + b + end, imageRegistry(a + b + end)]).toEqual([a + b + end, byRegex(a + b + end)]);
  });

  test('allow-list entries: wildcards, hosts, path prefixes, case and trailing slashes', () => {
    const list = [' *.AzureCR.io ', 'ghcr.io/my-org/', 'quay.io', '', 'r.io//a'];
    expect(allowed(list, 'x.azurecr.io', 'app')).toBe(true);
    expect(allowed(list, 'azurecr.io', 'app')).toBe(false);
    expect(allowed(list, 'ghcr.io', 'my-org/app')).toBe(true);
    expect(allowed(list, 'ghcr.io', 'my-org')).toBe(true);
    expect(allowed(list, 'ghcr.io', 'my-organisation/app')).toBe(false);
    expect(allowed(list, 'quay.io', 'anything/at/all')).toBe(true);
    expect(allowed(list, 'r.io', 'a')).toBe(false);
    expect(allowed(list, 'r.io', '/a/b')).toBe(true);
    expect(allowed([], 'quay.io', 'x')).toBe(false);
  });
});
