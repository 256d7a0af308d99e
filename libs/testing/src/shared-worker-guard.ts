import { afterAll, expect, vi } from 'vitest';

/**
 * A unit file's setup (vitest.config.mts): the unit files of a worker run one after another in one
 * process, so a clock or a timer a file leaves faked runs on in the next files, where a wait never
 * ends and a test fails 30 s later, far from its cause. This fails the file that left it, saying
 * what to restore.
 */
const ORIGINALS = Symbol.for('holdfast.sharedWorkerGuard.originals');
const TIMER_GLOBALS = ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'Date', 'performance', 'fetch'] as const;

type Originals = Record<(typeof TIMER_GLOBALS)[number], unknown>;
const held = globalThis as unknown as Record<symbol, Originals | undefined>;
// The first file of a worker finds the globals as Node made them.
held[ORIGINALS] ??= Object.fromEntries(TIMER_GLOBALS.map((name) => [name, globalThis[name]])) as Originals;
const originals = held[ORIGINALS];

/** The globals a file left replaced, by name; empty when it restored every one. */
function replacedGlobals(): (typeof TIMER_GLOBALS)[number][] {
  return TIMER_GLOBALS.filter((name) => globalThis[name] !== originals[name]);
}

afterAll(() => {
  const file = expect.getState().testPath ?? 'this file';
  if (vi.isFakeTimers()) {
    vi.useRealTimers();
    throw new Error(`${file} left fake timers on for the unit files after it in this worker: call vi.useRealTimers() in an afterEach.`);
  }
  const replaced = replacedGlobals();
  if (replaced.length > 0) {
    for (const name of replaced) Object.assign(globalThis, { [name]: originals[name] });
    throw new Error(
      `${file} left ${replaced.join(', ')} replaced for the unit files after it in this worker: restore it in an afterEach (a vi.spyOn made while fake timers ran puts the fake back when mocks are restored).`,
    );
  }
});
