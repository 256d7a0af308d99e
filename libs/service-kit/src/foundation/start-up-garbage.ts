import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface StartUpCollection {
  durationMs: number;
  heapBeforeBytes: number;
  heapAfterBytes: number;
}

/**
 * Collects, in one full pause before the service takes work, what its start-up left behind
 * (compiled modules' scratch, the dependency graph's builders, migrations, the first fetches).
 * Left to V8, that garbage is marked and compacted during the first seconds of work, and a
 * mark-compact of 4-25 ms then lands inside the first surges' holds (docs/performance-journal.md,
 * "Start-up garbage"). `gc` is reached the way jest-leak-detector reaches it: the flag exposes it
 * in a new context only, then is turned off again, so nothing else sees a global `gc`.
 */
export function collectStartUpGarbage(): StartUpCollection {
  const heapBeforeBytes = getHeapStatistics().used_heap_size;
  const startedAt = performance.now();
  setFlagsFromString('--expose-gc');
  try {
    (runInNewContext('gc') as () => void)();
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  return { durationMs: performance.now() - startedAt, heapBeforeBytes, heapAfterBytes: getHeapStatistics().used_heap_size };
}
