import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const DEV_ONLY = ['jest', 'typescript', 'eslint', 'nx', 'playwright-core', 'tsx', '@swc/core', 'prettier'];

/**
 * `npm run package` end to end: both artifacts are built from the compiled workspace (npm test builds first),
 * unpacked into an empty folder outside the repository (so nothing resolves from its node_modules), and run.
 */
describe('installable artifacts (scripts/package.mjs)', () => {
  let out: string;
  let install: string;
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir(), TZ: 'UTC' };

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'watchpost-packages-'));
    install = mkdtempSync(join(tmpdir(), 'watchpost-install-'));
    execFileSync('node', [join(ROOT, 'scripts', 'package.mjs'), '--skip-build', '--out', out], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const file of readdirSync(out)) execFileSync('tar', ['-xzf', join(out, file), '-C', install]);
  }, 600_000);
  afterAll(() => {
    for (const dir of [out, install]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const app = (name: 'agent' | 'hub') => join(install, `watchpost-${name}-${VERSION}-linux-x64`);
  const run = (name: 'agent' | 'hub', args: string[]) =>
    execFileSync(join(app(name), 'bin', `watchpost-${name}`), args, { cwd: install, env, encoding: 'utf8' });

  it('builds one linux-x64 tarball per app, named by version, with production dependencies and the SQLite binding', () => {
    expect(readdirSync(out).sort()).toEqual([
      `watchpost-agent-${VERSION}-linux-x64.tar.gz`,
      `watchpost-hub-${VERSION}-linux-x64.tar.gz`,
    ]);
    for (const name of ['agent', 'hub'] as const) {
      const modules = join(app(name), 'node_modules');
      for (const dev of DEV_ONLY)
        expect({ name, dev, present: existsSync(join(modules, dev)) }).toEqual({ name, dev, present: false });
      expect(existsSync(join(modules, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))).toBe(
        true,
      );
      expect(existsSync(join(modules, '@watchpost', 'shared', 'dist', 'src', 'index.js'))).toBe(true);
      // Compiled code only: no sources, tests, benchmarks or test helpers.
      const files = execFileSync(
        'find',
        [join(app(name), 'dist'), '-name', '*.spec.js', '-o', '-path', '*/bench/*'],
        {
          encoding: 'utf8',
        },
      );
      expect(files.trim()).toBe('');
    }
  });

  it("watchpost-agent's launcher is the repository's (the daemon's memory options) and starts run with them", () => {
    const shipped = readFileSync(join(app('agent'), 'bin', 'watchpost-agent'), 'utf8');
    expect(shipped).toBe(readFileSync(join(ROOT, 'apps', 'agent', 'bin', 'watchpost-agent'), 'utf8'));
    expect(shipped).toContain('exec node --lite-mode --no-expose-wasm --max-semi-space-size=1');
    // node refuses an option it does not know (exit 9): reaching run's own help proves the options were taken.
    expect(run('agent', ['run', '--help'])).toContain('--config <file>');
  });

  it('watchpost-agent scans a sample bundle from the unpacked artifact', () => {
    const report = JSON.parse(
      run('agent', [
        'scan',
        '--bundle',
        join(ROOT, 'test', 'fixtures', 'bundles', 'aks-hci-workload'),
        '--format',
        'json',
        '--fail-on',
        'none',
      ]),
    ) as { cluster: { name: string }; results: { outcome: string }[] };
    expect(report.cluster.name).toBe('hci-wl-retail');
    expect(report.results.length).toBeGreaterThan(50);
    expect(report.results.some((r) => r.outcome === 'fail')).toBe(true);
  });

  it('watchpost-hub prints its version and migrates a fresh SQLite file', () => {
    expect(run('hub', ['--version']).trim()).toBe(`watchpost-hub ${VERSION}`);
    expect(run('agent', ['--version']).trim()).toBe(`watchpost-agent ${VERSION}`);
    const db = join(install, 'hub.sqlite');
    expect(run('hub', ['migrate', '--db-path', db, '--data-dir', join(install, 'hub-data')])).toMatch(
      /^applied: /,
    );
    const sqlite = new Database(db, { readonly: true });
    try {
      const tables = sqlite.prepare("select name from sqlite_master where type = 'table'").all() as {
        name: string;
      }[];
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['findings', 'agents', 'clusters']));
    } finally {
      sqlite.close();
    }
  });
});
