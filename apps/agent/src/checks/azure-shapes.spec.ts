// A bundle whose azure/managed-cluster.json is the ARM resource and one whose file is `az aks show -o json`
// output (settings at the top level, the CLI's key casing) must give the same verdicts.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from '@jest/globals';
import { readBundle } from '../collectors/bundle.reader.js';
import { runChecks } from '../scan/runner.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SAMPLE = join(ROOT, 'test/fixtures/bundles/aks-azure');
const AZ_SHOW = join(ROOT, 'test/fixtures/azure/aks-show.json');
const dirs: string[] = [];

afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function verdicts(dir: string): Promise<string[]> {
  const evidence = await readBundle(dir);
  return runChecks(evidence, { now: new Date('2026-11-23T12:00:00Z') })
    .results.map((r) => `${r.checkId} ${r.outcome} ${r.resource.kind}/${r.resource.name}: ${r.message}`)
    .sort();
}

describe('Azure resource shapes', () => {
  test('ARM resource and az aks show output give the same verdicts on every check', async () => {
    const d = mkdtempSync(join(tmpdir(), 'wp-azshow-'));
    dirs.push(d);
    cpSync(SAMPLE, d, { recursive: true });
    cpSync(AZ_SHOW, join(d, 'azure/managed-cluster.json'));
    const arm = await verdicts(SAMPLE);
    expect(await verdicts(d)).toEqual(arm);
    const azure = arm.filter((v) => /^(aks-|defender-|azure-policy|fleet-hub-)/.test(v));
    expect(azure.filter((v) => / (error|not_applicable) ManagedCluster/.test(v))).toEqual([]);
    expect(azure.length).toBeGreaterThanOrEqual(7);
  });

  test('the encryption area is judged from the Azure settings, not not_applicable', async () => {
    const evidence = await readBundle(SAMPLE);
    const enc = runChecks(evidence, { now: new Date('2026-11-23T12:00:00Z') }).results.filter(
      (r) => r.area === 'encryption',
    );
    expect(enc.map((r) => r.outcome).filter((o) => o === 'not_applicable')).toEqual([]);
    expect(enc.find((r) => r.checkId === 'aks-keyvault-kms')?.outcome).toBe('warn');
  });
});
