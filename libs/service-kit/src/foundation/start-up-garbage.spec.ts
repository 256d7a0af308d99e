import { describe, expect, it } from 'vitest';
import { collectStartUpGarbage } from './start-up-garbage';

/** Objects reachable from nothing once this returns: what a start-up leaves behind. */
function leaveGarbage(count: number): number {
  return Array.from({ length: count }, (_, index) => ({ index, label: `window ${index}` })).length;
}

describe('collecting the start-up garbage', () => {
  it('frees what nothing reaches any more, and says how much and how long', () => {
    expect(leaveGarbage(200_000)).toBe(200_000);
    const collection = collectStartUpGarbage();
    expect(collection.heapAfterBytes).toBeLessThan(collection.heapBeforeBytes - 5_000_000);
    expect(collection.durationMs).toBeGreaterThan(0);
  });

  it('leaves no global gc behind for the rest of the process to call', () => {
    const before = 'gc' in globalThis;
    collectStartUpGarbage();
    expect('gc' in globalThis).toBe(before);
    expect(() => collectStartUpGarbage()).not.toThrow();
  });
});
