import { describe, expect, it } from 'vitest';
import { RepeatedFailure } from './repeated-failure';

describe('RepeatedFailure', () => {
  it('lets the first failure of a run through, then one per interval, and measures the run', () => {
    let now = 1_000;
    const failures = new RepeatedFailure(30_000, () => now);
    expect(failures.recovered()).toBeUndefined();
    expect(failures.failed()).toEqual({ loud: true, failingForMs: 0 });
    now += 500;
    expect(failures.failed()).toEqual({ loud: false, failingForMs: 500 });
    now += 29_499;
    expect(failures.failed()).toEqual({ loud: false, failingForMs: 29_999 });
    now += 1;
    expect(failures.failed()).toEqual({ loud: true, failingForMs: 30_000 });
    now += 1;
    expect(failures.failed().loud).toBe(false);
    now += 4_999;
    expect(failures.recovered()).toBe(35_000);
    expect(failures.recovered()).toBeUndefined();
  });

  it('starts a new run after a recovery, its first failure loud again', () => {
    let now = 0;
    const failures = new RepeatedFailure(30_000, () => now);
    failures.failed();
    now += 100;
    failures.recovered();
    now += 100;
    expect(failures.failed()).toEqual({ loud: true, failingForMs: 0 });
  });
});
