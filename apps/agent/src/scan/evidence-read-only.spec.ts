import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLargeBundle } from '../bench/large-bundle.generator.js';
import { readBundle } from '../collectors/bundle.reader.js';
import { runChecks } from './runner.js';

// The bundle reader keeps one copy of the pod parts replicas hold alike (collectors/sanitise.ts, PodSharing): that
// is only sound while no check writes to the evidence. Every check runs here on evidence frozen all the way down
// (a write throws, and the runner reports the check as crashed) and must report exactly what it reports on the
// same evidence unfrozen.

const BUNDLES = fileURLToPath(new URL('../../../../test/fixtures/bundles', import.meta.url));
const NOW = new Date('2026-12-06T00:00:00Z');

function deepFreeze(v: unknown): void {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}

describe('checks only read the evidence', () => {
  const generated = mkdtempSync(join(tmpdir(), 'watchpost-read-only-'));
  afterAll(() => rmSync(generated, { recursive: true, force: true }));
  writeLargeBundle(generated, { pods: 300, namespaces: 15, k8sPolicies: 60, globalPolicies: 6, nodes: 3 });
  const bundles = [
    ...readdirSync(BUNDLES).map((b) => [b, join(BUNDLES, b)] as const),
    ['generated 300 pods', generated] as const,
  ];

  test.each(bundles)('%s: the same report on frozen evidence', async (_name, dir) => {
    const open = await readBundle(dir);
    const frozen = await readBundle(dir);
    deepFreeze(frozen);
    const expected = runChecks(open, { now: NOW });
    const actual = runChecks(frozen, { now: NOW });
    expect(actual.results.filter((r) => r.message.startsWith('check crashed'))).toEqual(
      expected.results.filter((r) => r.message.startsWith('check crashed')),
    );
    expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
  });
});
