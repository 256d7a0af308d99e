import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const infrastructure = ['@nestjs/*', 'typeorm', 'kafkajs', 'pg', 'express', 'nestjs-pino', 'prom-client'];

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
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // A service may use shared libraries and itself, never another service.
            { sourceTag: 'scope:maintenance-planner', onlyDependOnLibsWithTags: ['scope:maintenance-planner', 'scope:shared'] },
            { sourceTag: 'scope:impact-analyzer', onlyDependOnLibsWithTags: ['scope:impact-analyzer', 'scope:shared'] },
            { sourceTag: 'scope:notifier', onlyDependOnLibsWithTags: ['scope:notifier', 'scope:shared'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            // Contracts and pure time arithmetic stay free of infrastructure so every edge can reuse them.
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'], bannedExternalImports: infrastructure },
            { sourceTag: 'type:pure', onlyDependOnLibsWithTags: ['type:pure', 'type:contracts'], bannedExternalImports: infrastructure },
            { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts', 'type:pure'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:infra', 'type:contracts', 'type:pure', 'type:testing'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:service', 'type:infra', 'type:contracts', 'type:pure', 'type:testing'] },
          ],
        },
      ],
    },
  },
  {
    // Scripts, benchmarks and deploy tooling are command-line programs: printing is their output.
    files: ['bench/**', 'scripts/**', 'deploy/**', 'libs/testing/src/global-setup.ts'],
    rules: { 'no-console': 'off' },
  },
);
