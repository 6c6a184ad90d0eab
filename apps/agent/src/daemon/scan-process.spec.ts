import { describe, expect, test } from '@jest/globals';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { observe } from '../history/observations.js';
import { loadEvidence } from '../scan/evidence-source.js';
import { runChecks } from '../scan/runner.js';
import { scanInChildProcess } from './scan-process.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const BUNDLE = join(ROOT, 'test', 'fixtures', 'bundles', 'aks-hci-workload');
const NOW = '2026-06-02T00:00:00.000Z';
const history = { certificates: {}, kmsKeys: {} };

describe('scan in a child process', () => {
  test('gives the same report and observations as the scan in-process, policy and options applied', async () => {
    const policy = { severityOverrides: { 'pod-run-as-root': 'low' as const } };
    const options = { caWarnMaxDays: 3650 };
    const child = await scanInChildProcess({
      evidence: { bundle: BUNDLE },
      history,
      now: NOW,
      policy,
      options,
    });
    const evidence = await loadEvidence({ bundle: BUNDLE });
    evidence.history = history;
    const inline = runChecks(evidence, { now: new Date(NOW), policy, options });
    expect(child.report).toEqual(inline);
    expect(child.observations).toEqual(observe(evidence));
    expect(child.report.results.some((r) => r.checkId === 'pod-run-as-root' && r.severity === 'low')).toBe(
      true,
    );
  }, 60_000);

  test('a scan that fails in the child rejects with its reason', async () => {
    const missing = join(ROOT, 'test', 'fixtures', 'bundles', 'no-such-bundle');
    await expect(scanInChildProcess({ evidence: { bundle: missing }, history, now: NOW })).rejects.toThrow(
      /no-such-bundle/,
    );
  }, 60_000);
});
