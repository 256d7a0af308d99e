// Types for system-runner.mjs, so the end-to-end specs can use it from TypeScript.
import type { ChildProcess } from 'node:child_process';

export const ROOT: string;
export const SERVICES: ReadonlyArray<{ name: string; port: number }>;
/** The Node flags each service is started with (its young generation's size and pretenuring). */
export const SERVICE_NODE_FLAGS: Readonly<Record<'maintenance-planner' | 'impact-analyzer' | 'notifier', readonly string[]>>;

export interface RunningService {
  name: string;
  port: number;
  baseUrl: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Each service's port under `npm start`: its `<SERVICE>_PORT` when set in `env`, else its default. */
export function servicePorts(env: Record<string, string | undefined>): Record<string, number>;
/** NOTIFIER_PLANNER_URL at the planner's port, unless `env` sets it. */
export function linkEnvironment(ports: Record<string, number>, env: Record<string, string | undefined>): Record<string, string>;
export function buildServices(options?: { log?: (line: string) => void }): void;
export function mainOf(service: string): string;
export { freePort } from './free-port.mjs';
export function startService(options: {
  name: string;
  port: number;
  env: Record<string, string>;
  onLine?: (line: string) => void;
  onSpawn?: (child: ChildProcess) => void;
  readyTimeoutMs?: number;
}): Promise<RunningService>;
export function stopChild(child: ChildProcess, timeoutMs?: number): Promise<void>;
