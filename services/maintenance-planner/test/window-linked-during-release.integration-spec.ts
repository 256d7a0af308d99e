/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { HoldsService } from '../src/holds/holds.service';
import { WindowsService } from '../src/windows/windows.service';

const clock = new ManualClock('2026-10-01T00:00:00Z');

interface Answer {
  status: number;
  body: Record<string, any>;
}

/**
 * A window the hold did not link when its release locked the windows it holds, linked while the release goes on: a daily
 * window whose next runs the sweep's horizon step stores, one of them in the hold's period. Overridden before the release
 * commits, it is the narrower case of an override racing a release: the window's lock, which the release never took,
 * does not order the two. Before, the release let go of the link the horizon step made and the override revived it,
 * answering 200 and announcing hold.overridden after hold.released and the window released twice. The horizon step now
 * waits for the release at the hold set's lock and finds the hold released; so does the override. The release is stopped
 * before its windows' lock by a lock of the spec's on the window it does hold, and runs in a transaction of the spec's own,
 * left open, while the override is sent.
 */
describe("maintenance-planner: a window linked to a hold while the hold's release goes on", () => {
  let service: ServiceUnderTest;
  let db: DataSource;
  let holds: HoldsService;
  let windows: WindowsService;
  let spy: Client;
  let blocker: Client;

  const api = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };
  const plan = async (region: string, startsAt: string, endsAt: string, recurrence?: string) => {
    const answer = await api('POST', '/v1/windows', {
      title: `Kernel patch in ${region}`,
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: [region] },
      startsAt,
      endsAt,
      plannedZone: 'UTC',
      ...(recurrence ? { recurrence } : {}),
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.windowId as string;
  };
  const written = async (windowId: string) =>
    (await spy.query(`SELECT event_type AS type, payload->>'holdId' AS "holdId" FROM outbox_message WHERE message_key = $1 ORDER BY id`, [windowId])).rows as { type: string; holdId: string | null }[];
  const holdEvents = async (holdId: string) =>
    (await spy.query(`SELECT event_type FROM outbox_message WHERE payload->>'holdId' = $1 AND event_type LIKE 'hold.%' ORDER BY id`, [holdId])).rows.map((row: { event_type: string }) => row.event_type);
  const linksInForce = async (holdId: string) => (await spy.query('SELECT count(*)::int AS links FROM hold_occurrence WHERE hold_id = $1 AND released_at IS NULL', [holdId])).rows[0].links as number;
  const waitingOnAdvisory = async () =>
    (await spy.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event = 'advisory'`)).rows[0].waiting as number;
  const waitingOnRows = async () =>
    (
      await spy.query(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND wait_event <> 'advisory'`,
      )
    ).rows[0].waiting as number;

  beforeAll(async () => {
    // A day of runs stored ahead, so the daily window's run in the hold's period is stored only once the clock nears it.
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0', OCCURRENCE_HORIZON_DAYS: '1' } });
    db = service.app.get(DataSource);
    holds = service.app.get(HoldsService);
    windows = service.app.get(WindowsService);
    spy = new Client({ connectionString: service.database.url, options: '-c search_path=maintenance_planner' });
    blocker = new Client({ connectionString: service.database.url, options: '-c search_path=maintenance_planner' });
    await Promise.all([spy.connect(), blocker.connect()]);
  });

  afterAll(async () => {
    await blocker?.end();
    await spy?.end();
    await service?.close();
  });

  it('the horizon step meets the hold released, linking none of its runs, and an override sent meanwhile is refused, reviving no link', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const held = await plan('MN', '2026-10-03T06:00:00Z', '2026-10-03T07:00:00Z');
    const daily = await plan('MN', '2026-10-01T12:00:00Z', '2026-10-01T13:00:00Z', 'FREQ=DAILY');
    const placed = await api('POST', '/v1/holds', { regions: ['MN'], from: '2026-10-03T00:00:00Z', until: '2026-10-04T00:00:00Z', reason: 'Elections in MN' });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const holdId = placed.body.id as string;
    // The daily window has no run stored in the hold's period yet: the hold holds the other window alone.
    expect((await spy.query('SELECT DISTINCT window_id FROM hold_occurrence WHERE hold_id = $1', [holdId])).rows).toEqual([{ window_id: held }]);
    clock.set('2026-10-02T13:00:00Z');

    const hold = await holds.get(holdId);
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM maintenance_window WHERE id = $1 FOR UPDATE', [held]);
    let overriding: Promise<Answer> | undefined;
    let released: Promise<void> | undefined;
    let extending: Promise<{ extended: number }> | undefined;
    try {
      released = db.transaction(async (tx) => {
        expect(await holds.release(tx, hold, 'network-ops/key-1', 'polls closed')).toBe(true);
        overriding = api('POST', `/v1/windows/${daily}/override`, { reason: 'the certificate expires today' });
        // The override waits at the hold set's lock, which this release holds, as the horizon step does, or runs to its end first.
        await expectEventually(async () => expect((await waitingOnAdvisory()) === 2 || (await settled(overriding!))).toBe(true));
      });
      // The release has marked the hold released and waits for the window it holds.
      await expectEventually(async () => expect(await waitingOnRows()).toBe(1));
      // Meanwhile the horizon step stores the daily window's runs up to a day ahead, one of them in the hold's period (and waits for the release to link them).
      extending = windows.extendHorizon();
      await expectEventually(async () => expect((await settled(extending!)) || (await waitingOnAdvisory()) === 1).toBe(true));
    } finally {
      await blocker.query('ROLLBACK');
    }
    await released;
    const overridden = await overriding!;
    expect((await extending!).extended).toBe(1);

    // As an override sent after the release: the hold no longer stops the window.
    expect(overridden, JSON.stringify(overridden.body)).toMatchObject({ status: 409, body: { code: 'not-held' } });
    expect(await holdEvents(holdId)).toEqual(['hold.placed', 'hold.released']);
    expect(await linksInForce(holdId)).toBe(0);
    // The horizon step waited for the release and found the hold released: the run in its period was never held, nor told so.
    expect((await written(daily)).filter((event) => event.holdId === holdId)).toEqual([]);
    expect((await spy.query(`SELECT number, status FROM occurrence WHERE window_id = $1 AND starts_at = '2026-10-03T12:00:00Z'`, [daily])).rows).toEqual([{ number: 3, status: 'scheduled' }]);
    expect((await api('GET', `/v1/windows/${daily}`)).body.status).toBe('scheduled');
  });
});

/** Whether the promise has settled, without waiting for it: asked after the microtasks queued now, so one settled already says so. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  return (await Promise.race([promise.then(() => true, () => true), new Promise((resolve) => setImmediate(() => resolve(pending)))])) !== pending;
}
