import { expectEventually, testEnvironment, uniqueTestId } from '@holdfast/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import { ROOT } from '../scripts/system/system-runner.mjs';


export interface StartedSystem {
  child: ChildProcess;
  output: string[];
  exit: Promise<number | null>;
}

/** What every spec's `npm start` shares: this run's broker and a topic prefix of its own, its ports, warnings only. */
export function runEnvironment(name: string, ports: { planner: number; analyzer: number; notifier: number }): Record<string, string> {
  return {
    KAFKA_BROKERS: testEnvironment().kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: `${uniqueTestId(name)}.`,
    MAINTENANCE_PLANNER_PORT: String(ports.planner),
    IMPACT_ANALYZER_PORT: String(ports.analyzer),
    NOTIFIER_PORT: String(ports.notifier),
    LOG_LEVEL: 'warn',
  };
}

/**
 * Runs `npm start` as a person or a supervisor would, npm and all: a signal sent to `child` reaches
 * the system only as npm passes it on. `env` entries set to undefined are removed.
 */
export function startSystem(env: Record<string, string | undefined>): StartedSystem {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete merged[name];
  const child = spawn('npm', ['start'], { cwd: ROOT, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  // A pipe's chunk may end mid-line: each stream keeps its unfinished line until the rest arrives.
  const collector = () => {
    let unfinished = '';
    return (chunk: Buffer) => {
      const lines = (unfinished + chunk.toString('utf8')).split('\n');
      unfinished = lines.pop() ?? '';
      output.push(...lines.filter(Boolean));
    };
  };
  child.stdout?.on('data', collector());
  child.stderr?.on('data', collector());
  const exit = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return { child, output, exit };
}

/**
 * Resolves once npm start has printed its whole greeting, through the last line: the services are
 * up and the lines a spec reads from it (the admin key's file) are in. CI on 2026-12-07 read the
 * greeting's first line, which came in a chunk of its own, and missed the key's line after it.
 * Fails with everything it printed if it exits first.
 */
export function untilUp(system: StartedSystem, timeoutMs: number): Promise<unknown> {
  return Promise.race([
    expectEventually(() => expect(system.output).toContain('[holdfast] Ctrl-C stops them.'), { timeoutMs }),
    system.exit.then((code) => {
      throw new Error(`npm start exited (code ${code}) before the services were up:\n${system.output.join('\n')}`);
    }),
  ]);
}
