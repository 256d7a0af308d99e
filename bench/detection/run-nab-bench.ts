import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Entry point of `npm run bench:detection`: runs nab-bench.ts under vite-node with the workspace's
 * path aliases (the detector imports @holdfast/time), which a bare vite-node run does not resolve.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const bench = fileURLToPath(new URL('./nab-bench.ts', import.meta.url));
const { status, error } = spawnSync('npx', ['vite-node', '--config', 'vitest.config.mts', bench, '--', ...process.argv.slice(2).filter((a) => a !== '--')], {
  cwd: root,
  stdio: 'inherit',
});
if (error) throw error;
process.exitCode = status ?? 1;
