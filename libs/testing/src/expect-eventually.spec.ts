import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectEventually } from './expect-eventually';

describe('expectEventually', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns the result of the first attempt that passes', async () => {
    let calls = 0;
    const result = await expectEventually(
      () => {
        calls++;
        expect(calls).toBeGreaterThanOrEqual(3);
        return calls;
      },
      { intervalMs: 1 },
    );
    expect(result).toBe(3);
  });

  it('awaits async assertions', async () => {
    let ready = false;
    setTimeout(() => (ready = true), 20);
    await expectEventually(async () => expect(ready).toBe(true), { intervalMs: 5 });
    expect(ready).toBe(true);
  });

  it('throws the last assertion error with the elapsed time and the message', async () => {
    let calls = 0;
    const failure = await expectEventually(() => expect(++calls).toBe(-1), {
      timeoutMs: 60,
      intervalMs: 10,
      message: 'the hold is placed',
    }).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(Error);
    const { message } = failure as Error;
    expect(message).toMatch(/^the hold is placed: still failing after \d+ ms \(\d+ attempts\): expected \d+ to be -1/);
    expect(message).toContain(`expected ${calls} to be -1`);
    expect(calls).toBeGreaterThan(2);
  });

  it('wraps a thrown non-error value', async () => {
    await expect(
      expectEventually(
        () => {
          throw 'not yet';
        },
        { timeoutMs: 10, intervalMs: 5 },
      ),
    ).rejects.toThrow(/still failing after \d+ ms \(\d+ attempts\): not yet/);
  });

  it('keeps polling on real time while a test freezes the clock', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-12T21:00:00Z') });
    let calls = 0;
    await expectEventually(() => expect(++calls).toBe(3), { intervalMs: 1 });
    expect(calls).toBe(3);
    await expect(expectEventually(() => expect(true).toBe(false), { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(
      /still failing after/,
    );
  });
});
