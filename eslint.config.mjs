import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const infrastructure = ['@nestjs/*', 'typeorm', 'kafkajs', 'pg', 'express', 'nestjs-pino', 'prom-client'];

/**
 * Which project may import which. Specs and their helpers may also use libs/testing; production
 * code may not.
 */
function boundaries({ forTests }) {
  const testing = forTests ? ['type:testing'] : [];
  return {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: [
      // A service may use shared libraries and itself, never another service.
      { sourceTag: 'scope:maintenance-planner', onlyDependOnLibsWithTags: ['scope:maintenance-planner', 'scope:shared'] },
      { sourceTag: 'scope:impact-analyzer', onlyDependOnLibsWithTags: ['scope:impact-analyzer', 'scope:shared'] },
      { sourceTag: 'scope:notifier', onlyDependOnLibsWithTags: ['scope:notifier', 'scope:shared'] },
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
      // The CLI is installable on its own: it talks HTTP to the services and imports no workspace code.
      { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['scope:cli'] },
      // Contracts and pure time arithmetic stay free of infrastructure so every edge can reuse them.
      { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts', ...testing], bannedExternalImports: infrastructure },
      { sourceTag: 'type:pure', onlyDependOnLibsWithTags: ['type:pure', 'type:contracts', ...testing], bannedExternalImports: infrastructure },
      { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts', 'type:pure', ...testing] },
      { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts', 'type:pure', 'type:testing'] },
      { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts', 'type:pure', ...testing] },
    ],
  };
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.holdfast/**', '.nx/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts'],
    plugins: { '@nx': nx },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': ['error', boundaries({ forTests: false })],
    },
  },
  {
    // Command-line tooling in plain JavaScript runs on Node.
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.spec.ts', '**/*.integration-spec.ts', '**/test/**/*.ts', '**/src/testing/**/*.ts', '**/*.fixture.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries({ forTests: true })] },
  },
  {
    // The unit files of a vitest worker share one module graph (vitest.config.mts): a module mocked
    // in one file would be the real one in a file that imported it first, or the mock in the next.
    files: ['**/*.spec.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='vi'][callee.property.name=/^(mock|doMock|unmock|doUnmock|resetModules)$/]",
          message: 'Unit specs share a module graph per worker: pass the dependency in (a constructor parameter or provider) instead of mocking its module.',
        },
      ],
    },
  },
  {
    // Scripts, benchmarks and deploy tooling are command-line programs: printing is their output.
    files: ['bench/**', 'scripts/**', 'deploy/**', 'e2e/**', 'libs/testing/src/global-setup.ts'],
    rules: { 'no-console': 'off' },
  },
);
