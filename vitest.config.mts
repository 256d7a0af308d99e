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
    // Workers are reused across files (the pool's setting, which only the root can make); each
    // project says whether its files also share one module graph.
    poolOptions: { forks: { isolate: false } },
    reporters: ['default', './scripts/test/totals-reporter.mts'],
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: ['libs/*/src/**/*.spec.ts', 'services/*/src/**/*.spec.ts', 'cli/**/*.spec.ts', 'deploy/**/*.spec.ts', 'bench/**/*.spec.ts', 'scripts/**/*.spec.ts'],
          environment: 'node',
          // One module graph per worker rather than per file: importing NestJS, zod and the contracts
          // afresh for each of 138 files was most of the unit run (115 s -> 38 s on one worker). A
          // spec must leave globals as it found them; a dependency is passed in, never vi.mock'ed.
          poolOptions: { forks: { isolate: false } },
          // Fails a file that leaves faked timers or globals behind, rather than a later file 30 s on.
          setupFiles: ['./libs/testing/src/shared-worker-guard.ts'],
          // Property specs run hundreds of cases; on a loaded two-core runner 5 s is too tight.
          testTimeout: 30_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'integration',
          // A fresh module graph for each file: specs that start NestJS applications keep their own.
          poolOptions: { forks: { isolate: true } },
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
          // A fresh module graph for each file: specs that start NestJS applications keep their own.
          poolOptions: { forks: { isolate: true } },
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
