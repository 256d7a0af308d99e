import { spawnSync } from 'node:child_process';

/**
 * Entry point of `npm run bench:detection`: runs nab-bench.ts under vite-node with the workspace's
 * path aliases (the detector imports @holdfast/time), which a bare vite-node run does not resolve.
 */
// npm runs scripts from the repository root, where vitest.config.mts holds the aliases.
const args = ['vite-node', '--config', 'vitest.config.mts', 'bench/detection/nab-bench.ts', '--', ...process.argv.slice(2).filter((a) => a !== '--')];
const { status, error } = spawnSync('npx', args, { stdio: 'inherit' });
if (error) throw error;
process.exitCode = status ?? 1;
