import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../scripts/system/system-runner.mjs';

const UP = join(ROOT, 'scripts/holdfast-up.mjs');

export interface StartedSystem {
  child: ChildProcess;
  output: string[];
  exit: Promise<number | null>;
}

/** Runs `npm start`'s script as a person would; `env` entries set to undefined are removed. */
export function startSystem(env: Record<string, string | undefined>): StartedSystem {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete merged[name];
  const child = spawn(process.execPath, [UP], { cwd: ROOT, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exit = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return { child, output, exit };
}
