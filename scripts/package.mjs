#!/usr/bin/env node
// Builds the installable artifacts (docs: deploy/README.md, "Artifacts"):
//   dist/packages/watchpost-agent-<version>-linux-x64.tar.gz
//   dist/packages/watchpost-hub-<version>-linux-x64.tar.gz
// Each holds the app's compiled code, the workspace libraries it imports, its production dependencies only (found
// from the bare imports of the compiled code, at the versions the workspace pins) and the native SQLite binding
// built for this platform, plus `bin/watchpost-<app>`. Nothing else is needed but Node.js >= 20.19.
// Usage: node scripts/package.mjs [--out DIR] [--skip-build] [--only agent|hub]
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const out = resolve(option('--out') ?? join(ROOT, 'dist', 'packages'));
const only = option('--only');
const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
const version = rootPkg.version;
const platform = `${process.platform}-${process.arch}`;
if (platform !== 'linux-x64') {
  console.error(`package: artifacts are built for linux-x64 only (this machine is ${platform})`);
  process.exit(2);
}

/** The workspace libraries an app may import, by package name. */
const LIBS = { '@watchpost/shared': 'libs/shared', '@watchpost/netpol': 'libs/netpol' };
const APPS = {
  agent: { dir: 'apps/agent', bin: 'watchpost-agent' },
  hub: { dir: 'apps/hub', bin: 'watchpost-hub' },
};

/**
 * Named in compiled code only on paths that run from TypeScript sources (tests, tsx), never from dist: the ingest's
 * decode worker registers tsx when it was itself loaded from a `.ts` file.
 */
const SOURCE_ONLY = ['tsx'];

/** Packages loaded at run time by name, which no import statement shows: TypeORM's drivers, Nest's HTTP platform. */
const LOADED_BY = { typeorm: ['better-sqlite3'], '@nestjs/core': ['@nestjs/platform-express'] };

const run = (cmd, argv, opts = {}) => execFileSync(cmd, argv, { stdio: 'inherit', ...opts });

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else yield p;
  }
}

/** Compiled output without benchmarks, tests' helpers and build info: what runs in production. */
const keep = (src) => !/\.tsbuildinfo$|[/\\](bench|testing)([/\\]|$)|\.spec\.js$/.test(src);

/** Bare package names imported (statically or dynamically) by the compiled JavaScript under `dir`. */
function importedPackages(dir) {
  const found = new Set();
  const builtins = new Set(builtinModules);
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"./][^'"]*)['"]/g;
  for (const file of files(dir)) {
    if (!file.endsWith('.js') || !keep(file)) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(re)) {
      const spec = m[1];
      if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/[\w./-]+)?$/.test(spec)) continue;
      if (spec.startsWith('node:') || builtins.has(spec.split('/')[0])) continue;
      const parts = spec.split('/');
      found.add(spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]);
    }
  }
  return found;
}

/**
 * Copies `roots` and everything they need at run time from the workspace's node_modules into `stage`, keeping
 * npm's layout (nested copies stay nested), so the versions are exactly those the workspace resolved and tested,
 * native bindings included. Resolution is Node's: a dependency is looked up in the package's own node_modules,
 * then in each parent's. Optional peers that are not installed are skipped.
 */
function copyDependencyClosure(roots, stage) {
  const packages = lock.packages;
  const resolveFrom = (from, dep) => {
    let base = from;
    for (;;) {
      const candidate = base ? `${base}/node_modules/${dep}` : `node_modules/${dep}`;
      if (packages[candidate] && existsSync(join(ROOT, candidate))) return candidate;
      if (!base) return undefined;
      const i = base.lastIndexOf('/node_modules/');
      base = i < 0 ? '' : base.slice(0, i);
    }
  };
  const seen = new Set();
  const queue = roots.map((r) => {
    const p = resolveFrom('', r);
    if (!p) throw new Error(`${r} is not installed: run npm install`);
    return p;
  });
  while (queue.length > 0) {
    const path = queue.pop();
    if (seen.has(path)) continue;
    seen.add(path);
    const meta = JSON.parse(readFileSync(join(ROOT, path, 'package.json'), 'utf8'));
    const optionalPeers = meta.peerDependenciesMeta ?? {};
    const wanted = [
      ...Object.keys(meta.dependencies ?? {}),
      ...Object.keys(meta.optionalDependencies ?? {}),
      ...Object.keys(meta.peerDependencies ?? {}).filter((p) => !optionalPeers[p]?.optional),
    ];
    for (const dep of wanted) {
      const found = resolveFrom(path, dep);
      if (found) queue.push(found);
      else if (!meta.optionalDependencies?.[dep] && !meta.peerDependencies?.[dep])
        throw new Error(`${path} needs ${dep}, which is not installed: run npm install`);
    }
  }
  // Parents before their nested node_modules, so a nested copy lands inside its parent's folder.
  for (const path of [...seen].sort()) {
    const from = join(ROOT, path);
    // A native addon ships its loader and the compiled binding, not its C sources or build intermediates.
    const native = existsSync(join(from, 'binding.gyp'));
    cpSync(from, join(stage, path), {
      recursive: true,
      filter: (src) => {
        const rel = relative(from, src);
        if (rel === 'node_modules' || rel.startsWith(`node_modules/`)) return false;
        if (!native) return true;
        if (/^(deps|src)(\/|$)/.test(rel)) return false;
        if (rel === 'build' || rel === 'build/Release') return true;
        if (rel.startsWith('build/')) return /^build\/Release\/[^/]+\.node$/.test(rel);
        return true;
      },
    });
  }
}

function packageApp(name) {
  const app = APPS[name];
  const appDir = join(ROOT, app.dir);
  if (!existsSync(join(appDir, 'dist', 'src')))
    throw new Error(`${app.dir}/dist is missing: run npm run build first`);
  const base = `${app.bin}-${version}-${platform}`;
  const stageRoot = mkdtempSync(join(tmpdir(), 'watchpost-package-'));
  const stage = join(stageRoot, base);
  try {
    mkdirSync(join(stage, 'bin'), { recursive: true });
    // tsc's output (dist/src) and, for the agent, its bundle (dist/bundle), which the bin runs when present.
    cpSync(join(appDir, 'dist'), join(stage, 'dist'), { recursive: true, filter: keep });
    // The hub serves its web page from dist/src/web/static (the first place web-assets.ts looks).
    const staticSrc = join(appDir, 'src', 'web', 'static');
    const staticDst = join(stage, 'dist', 'src', 'web', 'static');
    if (existsSync(staticSrc) && !existsSync(staticDst)) cpSync(staticSrc, staticDst, { recursive: true });
    cpSync(join(appDir, 'bin', `${app.bin}.js`), join(stage, 'bin', `${app.bin}.js`));
    // An app may ship its own launcher (the agent's sets the daemon's memory options); else a plain one.
    if (existsSync(join(appDir, 'bin', app.bin)))
      cpSync(join(appDir, 'bin', app.bin), join(stage, 'bin', app.bin));
    else
      writeFileSync(
        join(stage, 'bin', app.bin),
        `#!/bin/sh\n# ${app.bin} ${version}: needs Node.js >= 20.19 on PATH.\n` +
          `here=$(dirname "$(readlink -f "$0")")\nexec node "$here/${app.bin}.js" "$@"\n`,
      );
    chmodSync(join(stage, 'bin', app.bin), 0o755);
    chmodSync(join(stage, 'bin', `${app.bin}.js`), 0o755);

    // Workspace libraries: their imports count as the app's.
    const deps = importedPackages(join(stage, 'dist'));
    const libs = Object.keys(LIBS).filter((l) => deps.has(l));
    for (const lib of libs) for (const d of importedPackages(join(ROOT, LIBS[lib], 'dist'))) deps.add(d);
    for (const lib of Object.keys(LIBS)) deps.delete(lib);
    for (const dep of SOURCE_ONLY) deps.delete(dep);
    for (const [dep, loaded] of Object.entries(LOADED_BY))
      if (deps.has(dep)) for (const l of loaded) deps.add(l);

    // Production dependencies at the versions the workspace resolved (package-lock.json).
    const dependencies = {};
    for (const dep of [...deps].sort()) {
      const locked = lock.packages[`node_modules/${dep}`];
      if (!locked) throw new Error(`${name} imports ${dep}, which package-lock.json does not hold`);
      if (!rootPkg.dependencies[dep])
        throw new Error(`${name} imports ${dep}, a devDependency: production code may only use dependencies`);
      dependencies[dep] = locked.version;
    }
    const pkg = {
      name: `@watchpost/${name}`,
      version,
      private: true,
      type: 'module',
      description: `${app.bin} ${version} for ${platform}`,
      engines: rootPkg.engines,
      bin: { [app.bin]: `./bin/${app.bin}.js` },
      dependencies,
    };
    writeFileSync(join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    copyDependencyClosure(Object.keys(dependencies), stage);
    for (const lib of libs) {
      const libDir = join(ROOT, LIBS[lib]);
      const dst = join(stage, 'node_modules', ...lib.split('/'));
      mkdirSync(dst, { recursive: true });
      cpSync(join(libDir, 'package.json'), join(dst, 'package.json'));
      cpSync(join(libDir, 'dist'), join(dst, 'dist'), { recursive: true, filter: keep });
    }
    if (dependencies['better-sqlite3']) {
      const binding = join(
        stage,
        'node_modules',
        'better-sqlite3',
        'build',
        'Release',
        'better_sqlite3.node',
      );
      if (!existsSync(binding))
        throw new Error('better-sqlite3 has no native binding: run npm rebuild better-sqlite3');
    }
    mkdirSync(out, { recursive: true });
    const tarball = join(out, `${base}.tar.gz`);
    run('tar', ['-czf', tarball, '--owner=0', '--group=0', '-C', stageRoot, base]);
    const bytes = statSync(tarball).size;
    console.log(
      `package: ${relative(process.cwd(), tarball) || tarball} (${(bytes / 1048576).toFixed(1)} MiB)`,
    );
    return tarball;
  } finally {
    rmSync(stageRoot, { recursive: true, force: true });
  }
}

if (!flag('--skip-build')) run('npm', ['run', 'build', '--silent'], { cwd: ROOT });
for (const name of Object.keys(APPS)) if (!only || only === name) packageApp(name);
