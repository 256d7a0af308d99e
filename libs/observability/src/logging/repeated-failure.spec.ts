import { describe, expect, it } from 'vitest';
import { RepeatedFailure } from './repeated-failure';

describe('RepeatedFailure', () => {
  it('lets the first failure of a run through, then one per interval, counting the failures each stands for, and measures the run', () => {
    let now = 1_000;
    const failures = new RepeatedFailure(30_000, () => now);
    expect(failures.recovered()).toBeUndefined();
    expect(failures.failed()).toEqual({ loud: true, failingForMs: 0, failures: 1 });
    now += 500;
    expect(failures.failed()).toEqual({ loud: false, failingForMs: 500, failures: 1 });
    now += 29_499;
    expect(failures.failed()).toEqual({ loud: false, failingForMs: 29_999, failures: 2 });
    now += 1;
    expect(failures.failed()).toEqual({ loud: true, failingForMs: 30_000, failures: 3 });
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
    expect(failures.failed()).toEqual({ loud: true, failingForMs: 0, failures: 1 });
  });
});

describe('RepeatedFailure.log and succeeded', () => {
  it('logs the loud failures at their level and the others at debug, then one line for the recovery', () => {
    let now = 0;
    const failures = new RepeatedFailure(30_000, () => now);
    const lines: [string, object, string][] = [];
    const logger = {
      debug: (fields: object, message: string) => lines.push(['debug', fields, message]),
      warn: (fields: object, message: string) => lines.push(['warn', fields, message]),
      error: (fields: object, message: string) => lines.push(['error', fields, message]),
    };
    const say = (fields: object, message: string) => lines.push(['info', fields, message]);
    failures.succeeded(say, {}, 'works again');
    for (const at of [0, 1_000, 30_000]) {
      now = at;
      failures.log(logger, 'error', { job: 'sweep' }, 'sweep failed');
    }
    now = 31_500;
    failures.succeeded(say, { job: 'sweep' }, 'works again');
    expect(lines).toEqual([
      ['error', { job: 'sweep', failingForMs: 0 }, 'sweep failed (logged every 30 s while it fails)'],
      ['debug', { job: 'sweep', failingForMs: 1_000 }, 'sweep failed'],
      ['error', { job: 'sweep', failingForMs: 30_000 }, 'sweep failed (logged every 30 s while it fails)'],
      ['info', { job: 'sweep', failedForMs: 31_500 }, 'works again'],
    ]);
  });
});
