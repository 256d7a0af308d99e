import { describe, expect, it } from 'vitest';
import { retried } from './retried';

const quick = { startingDelayMs: 20, maxDelayMs: 40 };

/** Work that fails `failures` times, then answers; each call's start time is kept. */
function flaky(failures: number) {
  const calls: number[] = [];
  const work = async () => {
    calls.push(performance.now());
    if (calls.length <= failures) throw new Error(`failure ${calls.length}`);
    return `answer after ${calls.length} call(s)`;
  };
  return { work, calls };
}

describe('retried', () => {
  it('answers from the first attempt without asking whether to retry', async () => {
    const { work, calls } = flaky(0);
    const asked: number[] = [];
    await expect(retried(work, quick, (_, attempt) => asked.push(attempt) > 0)).resolves.toBe('answer after 1 call(s)');
    expect(calls).toHaveLength(1);
    expect(asked).toEqual([]);
  });

  it('numbers the failed attempts from 1 across the direct attempt and the backoff, and answers once one succeeds', async () => {
    const { work, calls } = flaky(3);
    const asked: { attempt: number; message: string }[] = [];
    const answer = await retried(work, quick, (error, attempt) => {
      asked.push({ attempt, message: (error as Error).message });
      return true;
    });
    expect(answer).toBe('answer after 4 call(s)');
    expect(asked).toEqual([
      { attempt: 1, message: 'failure 1' },
      { attempt: 2, message: 'failure 2' },
      { attempt: 3, message: 'failure 3' },
    ]);
    expect(calls).toHaveLength(4);
  });

  it('throws the error of the attempt it was told not to retry, the first or a later one', async () => {
    const first = flaky(5);
    await expect(retried(first.work, quick, () => false)).rejects.toThrow('failure 1');
    expect(first.calls).toHaveLength(1);

    const later = flaky(5);
    await expect(retried(later.work, quick, async (_, attempt) => attempt < 3)).rejects.toThrow('failure 3');
    expect(later.calls).toHaveLength(3);
  });
});
