import { Logger } from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutboundError } from '../../outbound/outbound-http.client';
import { HoldAlertRefresher } from './hold-alert-refresher';

const RUN_EVERY_MS = 60_000;

/** The refresher, with PostgreSQL stood in for by `find` (the holds due), `query` (those never posted, and those untold) and `transaction` (one hold's post). */
function refresherWith(find: () => Promise<unknown[]>, transaction: () => Promise<unknown>, query: () => Promise<unknown[]> = () => Promise.resolve([])): HoldAlertRefresher {
  const dataSource = { getRepository: () => ({ find }), transaction, query };
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

  it("tries an Alertmanager that does not answer once a run, leaving its subscription's other holds to the next run, so other subscriptions' alerts do not lapse behind it", async () => {
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const [away, up] = ['0196f0c8-0000-7000-8000-000000000001', '0196f0c8-0000-7000-8000-000000000002'];
    const hold = (subscriptionId: string, n: number) => ({ subscriptionId, holdId: `0196f0c8-0000-7000-8000-0000000000a${n}` });
    // One hold's transaction, as PostgreSQL would answer it: its alerts kept and due (or its placement dead), its subscription on, no release.
    const manager = {
      getRepository: (entity: { name: string }) => ({
        findOne: () => Promise.resolve({ alerts: [], active: true }),
        findOneBy: ({ id }: { id?: string }) => Promise.resolve(entity.name === 'SubscriptionEntity' ? { id, enabled: true } : null),
        existsBy: () => Promise.resolve(false),
        find: () => Promise.resolve([]),
        update: () => Promise.resolve(),
        upsert: () => Promise.resolve(),
      }),
      query: (sql: string) => Promise.resolve(sql.startsWith('SELECT') ? [{ id: '0196f0c8-0000-7000-8000-0000000000d1' }] : []),
    };
    const posted: string[] = [];
    const channel = {
      placementAlerts: () => [],
      post: (targetUrl: string) => {
        posted.push(targetUrl);
        return targetUrl.includes(away) ? Promise.reject(new OutboundError('timeout', 'no response from 127.0.0.1:9093 within 5000 ms', true)) : Promise.resolve(200);
      },
    };
    const dataSource = {
      getRepository: () => ({ find: () => Promise.resolve([hold(away, 1), hold(away, 2), hold(up, 3)]) }),
      // The dead placements; no hold in force untold.
      query: (sql: string) => Promise.resolve(sql.includes('hold_placement') ? [] : [hold(away, 4), hold(up, 5)]),
      transaction: (work: (transaction: typeof manager) => Promise<unknown>) => work(manager),
    };
    const subscriptions = { sendingDetails: ({ id }: { id: string }) => ({ secret: null, targetUrl: `http://alertmanager-of-${id}` }) };
    const clock = { now: () => new Date('2026-06-14T21:00:00Z') };
    refresher = new HoldAlertRefresher(dataSource as never, clock as never, channel as never, subscriptions as never, { settings: { alertTtlMs: 15 * 60_000 } } as never);

    expect(await refresher.refreshDue()).toBe(2);
    expect(posted).toEqual([`http://alertmanager-of-${away}`, `http://alertmanager-of-${up}`, `http://alertmanager-of-${up}`]);
  });
});
