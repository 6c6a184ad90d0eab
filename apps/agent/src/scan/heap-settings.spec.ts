import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { SCAN_PROCESS_V8_FLAGS, SCAN_RUNTIME_V8_FLAGS, scanHeapSettingsWanted } from './heap-settings.js';

/**
 * A child node that sets `runtimeFlags` (as bin/watchpost-agent.js does for `scan`), keeps 500,000 small
 * objects alive (as a scan keeps its evidence) and answers the size of V8's young generation.
 */
function youngGenerationBytes(nodeFlags: readonly string[], runtimeFlags: readonly string[]): number {
  const script = `
    import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
    for (const f of JSON.parse(process.argv.at(-1))) setFlagsFromString(f);
    const kept = [];
    for (let i = 0; i < 500_000; i++) kept.push({ i, s: 'pod-' + i });
    const space = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(JSON.stringify({ bytes: space.space_size, kept: kept.length }));
  `;
  const res = spawnSync(
    process.execPath,
    [...nodeFlags, '--input-type=module', '-e', script, JSON.stringify(runtimeFlags)],
    { encoding: 'utf8' },
  );
  if (res.status !== 0) throw new Error(`child node failed (${res.status}): ${res.stderr}`);
  const out = JSON.parse(res.stdout) as { bytes: number; kept: number };
  expect(out.kept).toBe(500_000);
  return out.bytes;
}

const MiB = 1024 * 1024;

describe('scan heap settings', () => {
  it('without them, the young generation grows under a scan-like load (what the settings prevent)', () => {
    expect(youngGenerationBytes([], [])).toBeGreaterThanOrEqual(16 * MiB);
  });

  it('set at run time (the scan command), they keep the young generation at its start size', () => {
    expect(youngGenerationBytes([], SCAN_RUNTIME_V8_FLAGS)).toBeLessThanOrEqual(4 * MiB);
  });

  it('given on the command line (the daemon scan child), node accepts them and they hold from the start', () => {
    expect(youngGenerationBytes(SCAN_PROCESS_V8_FLAGS, [])).toBeLessThanOrEqual(4 * MiB);
  });

  it('the growth factor of 1 works at run time only: on the command line V8 raises it (why two lists exist)', () => {
    expect(youngGenerationBytes(['--semi-space-growth-factor=1'], [])).toBeGreaterThanOrEqual(16 * MiB);
  });

  it('WATCHPOST_SCAN_HEAP=default turns them off', () => {
    expect(scanHeapSettingsWanted({})).toBe(true);
    expect(scanHeapSettingsWanted({ WATCHPOST_SCAN_HEAP: 'default' })).toBe(false);
  });
});
