import swc from 'unplugin-swc';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const lib = (name: string) => fileURLToPath(new URL(`./libs/${name}/src/index.ts`, import.meta.url));

// SWC rather than esbuild: NestJS dependency injection needs emitted decorator metadata.
const shared = {
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    alias: {
      '@holdfast/contracts': lib('contracts'),
      '@holdfast/messaging': lib('messaging'),
      '@holdfast/time': lib('time'),
      '@holdfast/database': lib('database'),
      '@holdfast/observability': lib('observability'),
      '@holdfast/testing': lib('testing'),
      '@holdfast/service-kit': lib('service-kit'),
      '@holdfast/regions': lib('regions'),
    },
  },
};

export default defineConfig({
  ...shared,
  test: {
    // Integration and e2e files mostly wait on the broker and PostgreSQL, so even two cores run
    // two files at once (vitest's default would be one worker there): 35 s -> 24 s measured.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    minWorkers: 1,
    reporters: ['default', './scripts/test/totals-reporter.mts'],
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: ['libs/*/src/**/*.spec.ts', 'services/*/src/**/*.spec.ts', 'cli/**/*.spec.ts', 'deploy/**/*.spec.ts', 'bench/**/*.spec.ts', 'scripts/**/*.spec.ts'],
          environment: 'node',
          // Property specs run hundreds of cases; on a loaded two-core runner 5 s is too tight.
          testTimeout: 30_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'integration',
          include: ['libs/*/src/**/*.integration-spec.ts', 'services/*/test/**/*.integration-spec.ts', 'deploy/**/*.integration-spec.ts', 'bench/**/*.integration-spec.ts'],
          environment: 'node',
          globalSetup: ['./libs/testing/src/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e-spec.ts'],
          environment: 'node',
          globalSetup: ['./libs/testing/src/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
