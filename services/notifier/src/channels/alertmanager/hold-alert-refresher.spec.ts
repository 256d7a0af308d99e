import { Logger } from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HoldAlertRefresher } from './hold-alert-refresher';

const RUN_EVERY_MS = 60_000;

/** The refresher on its own timer, with PostgreSQL stood in for by `find` and `transaction`. */
function refresherWith(find: () => Promise<unknown[]>, transaction: () => Promise<unknown>): HoldAlertRefresher {
  const dataSource = { getRepository: () => ({ find }), transaction };
  const clock = { now: () => new Date('2026-06-14T21:00:00Z') };
  return new HoldAlertRefresher(dataSource as never, clock as never, {} as never, {} as never, { settings: { alertTtlMs: 15 * 60_000 } } as never);
}

describe('HoldAlertRefresher on its timer', () => {
  const unhandled: unknown[] = [];
  const recordUnhandled = (reason: unknown) => unhandled.push(reason);
  let refresher: HoldAlertRefresher | undefined;

  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', recordUnhandled);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });

  afterEach(() => {
    refresher?.beforeApplicationShutdown();
    vi.useRealTimers();
    vi.restoreAllMocks();
    process.off('unhandledRejection', recordUnhandled);
  });

  it('logs a run that cannot read its holds (PostgreSQL away) and runs again, leaving no rejection to end the process', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const find = vi.fn(() => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')));
    refresher = refresherWith(find, () => Promise.resolve());
    refresher.onApplicationBootstrap();

    await vi.advanceTimersByTimeAsync(RUN_EVERY_MS);
    await nextTurn();
    await vi.advanceTimersByTimeAsync(RUN_EVERY_MS);
    await nextTurn();

    expect(unhandled).toEqual([]);
    expect(find).toHaveBeenCalledTimes(2);
    expect(warn).toHaveBeenCalledWith({ err: 'connect ECONNREFUSED 127.0.0.1:5432' }, 'could not look for hold alerts to re-post; trying again on the next run');
  });

  it('starts no run while the one before is still posting (a slow Alertmanager), so runs never pile up on the pool', async () => {
    const find = vi.fn(() => Promise.resolve([{ subscriptionId: '0196f0c8-0000-7000-8000-000000000001', holdId: '0196f0c8-0000-7000-8000-0000000000a1' }]));
    // The refresh of that hold: its transaction posting to an Alertmanager that does not answer.
    const transaction = vi.fn(() => new Promise(() => undefined));
    refresher = refresherWith(find, transaction);
    refresher.onApplicationBootstrap();

    await vi.advanceTimersByTimeAsync(3 * RUN_EVERY_MS);

    expect(find).toHaveBeenCalledTimes(1);
    expect(transaction).toHaveBeenCalledTimes(1);
  });
});
