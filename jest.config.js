// One jest run for the whole workspace: unit specs beside the code, cross-app e2e specs in test/.
// ESM throughout (Nest 12, client-node 1.x and Aedes are ESM-only); @swc/jest compiles TypeScript with
// decorator metadata so Nest's DI works under test exactly as in the tsc build.
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    // `import ... with { type: 'json' }` (the shipped support document) reaches Jest as written.
    experimental: { keepImportAttributes: true },
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  // CommonJS packages that require() ESM-only Nest: bundled to ESM for Jest only (see the setup file).
  globalSetup: '<rootDir>/scripts/jest/cjs-esm-shims.mjs',
  moduleNameMapper: {
    '^@nestjs/throttler$': '<rootDir>/node_modules/.cache/watchpost-jest/nestjs-throttler.mjs',
    '^@watchpost/(shared|netpol)$': '<rootDir>/libs/$1/src/index.ts',
    '^@watchpost/(shared|netpol)/testing$': '<rootDir>/libs/$1/src/testing/index.ts',
    '^@watchpost/shared/(wire|catalogue|evidence|report|support-data|pki)$':
      '<rootDir>/libs/shared/src/$1/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: [
    '<rootDir>/{apps,libs}/*/src/**/*.spec.ts',
    '<rootDir>/test/**/*.e2e-spec.ts',
    '<rootDir>/test/**/*.spec.ts',
  ],
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
  testTimeout: 60000,
  maxWorkers: 2,
};
