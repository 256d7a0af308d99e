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
  const collect = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exit = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return { child, output, exit };
}

/** Resolves once npm start says all three services are up; fails with everything it printed if it exits first. */
export function untilUp(system: StartedSystem, timeoutMs: number): Promise<unknown> {
  return Promise.race([
    expectEventually(() => expect(system.output).toContain('[holdfast] all three services are up. Try a hold: declare a critical period for IR, then see the hold it places:'), { timeoutMs }),
    system.exit.then((code) => {
      throw new Error(`npm start exited (code ${code}) before the services were up:\n${system.output.join('\n')}`);
    }),
  ]);
}
