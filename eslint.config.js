// Typed ESLint for the whole workspace, with Nx module boundaries on two axes (scope and type).
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const bannedInShared = [
  'typeorm',
  'mqtt',
  'better-sqlite3',
  '@kubernetes/client-node',
  'pg',
  'aedes',
  'etcd3',
  '@nestjs/*',
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      'node_modules/**',
      'test/fixtures/**',
      'bench/results.json',
      '**/*.js',
      '**/*.cjs',
      '**/*.mjs',
    ],
  },
  // ...except the web app's browser modules, linted below without type information.
  { ignores: ['!apps/hub/src/web/static/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      'no-console': 'error',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:app'] },
            {
              sourceTag: 'scope:shared',
              onlyDependOnLibsWithTags: ['scope:shared'],
              bannedExternalImports: bannedInShared,
            },
            { sourceTag: 'scope:agent', onlyDependOnLibsWithTags: ['scope:shared', 'scope:agent'] },
            { sourceTag: 'scope:hub', onlyDependOnLibsWithTags: ['scope:shared', 'scope:hub'] },
            {
              sourceTag: 'scope:e2e',
              onlyDependOnLibsWithTags: ['scope:shared', 'scope:agent', 'scope:hub'],
            },
          ],
        },
      ],
    },
  },
  {
    // `import { z } from 'zod'` is zod's namespace object, which holds every export: the agent's bundle
    // (scripts/bundle-agent.mjs) would carry zod's 60 locales and its JSON Schema converters (~560 KB) to every
    // start. With `import * as z`, esbuild keeps only what is used (docs/agent.md, "Fifth round: one file to load").
    files: ['libs/*/src/**/*.ts', 'apps/agent/src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
          message: "write import * as z from 'zod'",
        },
      ],
    },
  },
  {
    // Specs may poke at internals; the CLI printer and bench/tools are the only places that print.
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: [
      'apps/*/src/cli/**/*.ts',
      'apps/*/src/bench/**/*.ts',
      'apps/*/src/tools/**/*.ts',
      'apps/*/src/main.ts',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    // The web app's plain ES modules run in the browser: no TypeScript program, browser globals.
    files: ['apps/hub/src/web/static/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'history',
          'location',
          'sessionStorage',
          'fetch',
          'URL',
          'URLSearchParams',
          'FormData',
          'Node',
          'Event',
          'CSS',
          'HTMLInputElement',
          'HTMLSelectElement',
          'performance',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
        ].map((g) => [g, 'readonly']),
      ),
    },
  },
  prettier,
);
