import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

/**
 * bin/watchpost-agent.js runs `run` and every command but `status` from the bundle (dist/bundle, made by
 * scripts/bundle-agent.mjs in `npm run build`) when it is there and not older than tsc's last build of the agent
 * or of its libraries,
 * and from tsc's output (dist/src) otherwise: after `tsc -b` alone the bundle is stale or missing. The choice is
 * checked on a copy of the bin in a layout of stand-in entries; the built bundle itself against dist/src.
 */

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'apps', 'agent', 'bin', 'watchpost-agent.js');
const DIST = join(ROOT, 'apps', 'agent', 'dist');

describe('bin/watchpost-agent.js: bundle or tsc output', () => {
  let root: string;
  let app: string;
  const write = (rel: string, text: string) => {
    mkdirSync(dirname(join(app, rel)), { recursive: true });
    writeFileSync(join(app, rel), text);
  };
  const stand = (rel: string) => write(rel, `console.log(${JSON.stringify(rel)});\n`);
  const at = (rel: string, seconds: number) => utimesSync(join(app, rel), seconds, seconds);
  const ran = async (...args: string[]) =>
    (await run(process.execPath, [join(app, 'bin', 'watchpost-agent.js'), ...args])).stdout.trim();

  beforeAll(() => {
    // The repository's layout: the agent in apps/agent, its libraries' tsc output in libs/*/dist.
    root = mkdtempSync(join(tmpdir(), 'agent-bin-'));
    app = join(root, 'apps', 'agent');
    write('package.json', '{ "type": "module" }\n');
    mkdirSync(join(app, 'bin'));
    copyFileSync(BIN, join(app, 'bin', 'watchpost-agent.js'));
    for (const e of ['main.js', 'run.main.js', 'status.main.js']) stand(`dist/src/cli/${e}`);
    for (const e of ['main.js', 'run.main.js']) stand(`dist/bundle/${e}`);
    write('dist/src/scan/heap-settings.js', 'export function tuneHeapForOneScan() {}\n');
    write('dist/tsconfig.app.tsbuildinfo', '{}\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("runs the bundle when it is newer than tsc's build, except for status", async () => {
    at('dist/tsconfig.app.tsbuildinfo', 1_000_000);
    at('dist/bundle/main.js', 1_000_010);
    at('dist/bundle/run.main.js', 1_000_010);
    expect(await ran('scan')).toBe('dist/bundle/main.js');
    expect(await ran('--version')).toBe('dist/bundle/main.js');
    expect(await ran('run')).toBe('dist/bundle/run.main.js');
    expect(await ran('status')).toBe('dist/src/cli/status.main.js');
    expect(await ran('status', '--help')).toBe('dist/bundle/main.js');
  });

  it("runs tsc's output when tsc built after the bundle was made", async () => {
    at('dist/bundle/main.js', 1_000_000);
    at('dist/bundle/run.main.js', 1_000_000);
    at('dist/tsconfig.app.tsbuildinfo', 1_000_010);
    expect(await ran('scan')).toBe('dist/src/cli/main.js');
    expect(await ran('run')).toBe('dist/src/cli/run.main.js');
  });

  it("runs tsc's output when tsc built a library after the bundle was made (a change in libs alone)", async () => {
    at('dist/tsconfig.app.tsbuildinfo', 1_000_000);
    at('dist/bundle/main.js', 1_000_010);
    at('dist/bundle/run.main.js', 1_000_010);
    for (const lib of ['shared', 'netpol']) {
      const info = join(root, 'libs', lib, 'dist', 'tsconfig.lib.tsbuildinfo');
      mkdirSync(dirname(info), { recursive: true });
      writeFileSync(info, '{}\n');
      utimesSync(info, 1_000_020, 1_000_020);
      expect(await ran('scan')).toBe('dist/src/cli/main.js');
      expect(await ran('run')).toBe('dist/src/cli/run.main.js');
      utimesSync(info, 1_000_005, 1_000_005);
    }
    expect(await ran('scan')).toBe('dist/bundle/main.js');
  });

  it('runs the bundle where no tsc build info is shipped (the installed artifact)', async () => {
    rmSync(join(app, 'dist/tsconfig.app.tsbuildinfo'));
    expect(await ran('checks')).toBe('dist/bundle/main.js');
  });

  it("runs tsc's output when there is no bundle", async () => {
    rmSync(join(app, 'dist/bundle'), { recursive: true });
    expect(await ran('checks')).toBe('dist/src/cli/main.js');
    expect(await ran('run')).toBe('dist/src/cli/run.main.js');
  });
});

describe('the built bundle', () => {
  const FIXTURE = join(ROOT, 'test', 'fixtures', 'bundles', 'aks-hci-workload');
  const scan = async (entry: string, format: string) =>
    (
      await run(
        process.execPath,
        [
          entry,
          'scan',
          '--bundle',
          FIXTURE,
          '--format',
          format,
          '--at',
          '2026-12-06T00:00:00Z',
          '--fail-on',
          'none',
        ],
        { maxBuffer: 64 * 1024 * 1024 },
      )
    ).stdout;

  it("prints the same reports as tsc's output", async () => {
    for (const format of ['json', 'table', 'sarif']) {
      const bundled = await scan(join(DIST, 'bundle', 'main.js'), format);
      expect(bundled.length).toBeGreaterThan(1000);
      expect(bundled).toBe(await scan(join(DIST, 'src', 'cli', 'main.js'), format));
    }
  });

  it('prints the version from the same package.json', async () => {
    const version = async (entry: string) => (await run(process.execPath, [entry, '--version'])).stdout;
    expect(await version(join(DIST, 'bundle', 'main.js'))).toBe(
      await version(join(DIST, 'src', 'cli', 'main.js')),
    );
  });
});
