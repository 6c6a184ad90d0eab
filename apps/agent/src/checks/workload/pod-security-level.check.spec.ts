import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { readBundle } from '../../collectors/bundle.reader.js';
import { runChecks } from '../../scan/runner.js';

const BUNDLE = fileURLToPath(
  new URL('../../../../../test/fixtures/bundles/aks-hci-workload', import.meta.url),
);

describe('pod-security-level in a whole scan', () => {
  test('per-namespace pass summaries are never folded by the runner, so every pod keeps its level by name', async () => {
    const evidence = await readBundle(BUNDLE);
    // A threshold of 1 makes the runner summarise any check with more than one pass.
    const report = runChecks(evidence, {
      now: new Date('2026-06-01T00:00:00Z'),
      only: ['pod-security-level'],
      passSummaryThreshold: 1,
    });
    const passes = report.results.filter((r) => r.outcome === 'pass');
    expect(passes.length).toBeGreaterThan(1);
    for (const p of passes) {
      expect(p.resource.kind).toBe('Namespace');
      expect(p.message).toMatch(/satisf(y|ies) the namespace's Pod Security policy/);
    }
    const payments = passes.find((p) => p.resource.name === 'payments');
    expect(payments?.message).toContain('Deployment/payments-api (restricted)');
    expect(payments?.evidence?.['workloads']).toEqual(
      expect.arrayContaining([{ kind: 'Deployment', name: 'payments-api', level: 'restricted' }]),
    );
    const web = passes.find((p) => p.resource.name === 'web');
    expect(web?.message).toContain('has no enforce label (admission default privileged:latest)');
  });
});
