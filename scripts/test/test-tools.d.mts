// Types for test-tools.mjs, so its spec can use it from TypeScript.
import type { spawnSync } from 'node:child_process';

export interface TestTool {
  program: string;
  /** A variable that names another build of the program, which then counts as present. */
  override?: string;
  debianPackage: string;
  neededBy: string;
}

export const TEST_TOOLS: readonly TestTool[];
export function onPath(program: string, path?: string): boolean;
export function missingTools(tools?: readonly TestTool[], options?: { has?: (program: string) => boolean; env?: Record<string, string | undefined> }): TestTool[];
export function ensureTestTools(
  say: (line: string) => void,
  options?: { missing?: readonly TestTool[]; run?: typeof spawnSync; isRoot?: boolean; hasAptGet?: boolean },
): TestTool[];
