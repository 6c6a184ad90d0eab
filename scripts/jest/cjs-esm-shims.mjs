// Jest global setup: ESM copies of the CommonJS packages that require() ESM-only Nest 12.
//
// @nestjs/throttler ships CommonJS that calls require('@nestjs/common'). Node >= 20.19 loads ESM through
// require() natively, so the built hub runs it as is; Jest's own module system can do that only on Node >= 24.9.
// Under Jest (only) the package is bundled once into an ES module whose require() of Nest and Node built-ins is
// answered by static imports, and jest.config.js maps the package name to it. The code that runs is the
// library's own, unchanged; nothing is vendored into the repository (the output lives in node_modules/.cache).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHIM_DIR = join(root, 'node_modules', '.cache', 'watchpost-jest');

const SHIMS = [
  {
    name: '@nestjs/throttler',
    file: 'nestjs-throttler.mjs',
    externals: ['@nestjs/common', '@nestjs/core', 'async_hooks', 'net', 'node:crypto'],
  },
];

export default function setup() {
  mkdirSync(SHIM_DIR, { recursive: true });
  const require = createRequire(join(root, 'package.json'));
  for (const shim of SHIMS) {
    const imports = shim.externals.map((id, i) => `import * as __x${i} from '${id}';`).join('\n');
    const table = shim.externals.map((id, i) => `'${id}': __x${i}`).join(', ');
    const bundle = join(SHIM_DIR, `bundle-${shim.file}`);
    buildSync({
      entryPoints: [require.resolve(shim.name)],
      bundle: true,
      format: 'esm',
      platform: 'node',
      external: shim.externals,
      outfile: bundle,
      logLevel: 'error',
      banner: { js: `${imports}\nconst require = (id) => ({ ${table} })[id];` },
    });
    // Named exports, as Node's own require() sees the package.
    const names = Object.keys(require(shim.name)).filter(
      (n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default',
    );
    writeFileSync(
      join(SHIM_DIR, shim.file),
      `import m from './bundle-${shim.file}';\nexport default m;\n` +
        names.map((n) => `export const ${n} = m.${n};`).join('\n') +
        '\n',
    );
  }
}
