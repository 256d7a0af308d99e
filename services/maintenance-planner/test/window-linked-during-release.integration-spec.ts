import { expectEventually, ManualClock } from '@holdfast/testing';
import type { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WindowsService } from '../src/windows/windows.service';
import { placeHold, planWindow, plannerApi, type PlannerAnswer } from './support/planner-with-readers';
import { type PlannerWithSpy, settled, startPlannerWithSpy } from './support/planner-with-spy';

const clock = new ManualClock('2026-10-01T00:00:00Z');

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
  let planner: PlannerWithSpy;
  let windows: WindowsService;
  let blocker: Client;

  const api = plannerApi(() => planner.service);
  const written = async (windowId: string) =>
    (await planner.spy.query(`SELECT event_type AS type, payload->>'holdId' AS "holdId" FROM outbox_message WHERE message_key = $1 ORDER BY id`, [windowId])).rows as { type: string; holdId: string | null }[];

  beforeAll(async () => {
    // A day of runs stored ahead, so the daily window's run in the hold's period is stored only once the clock nears it.
    planner = await startPlannerWithSpy(clock, { OCCURRENCE_HORIZON_DAYS: '1' });
    windows = planner.service.app.get(WindowsService);
    blocker = await planner.connect();
  });

  afterAll(() => planner?.close());

  it('the horizon step meets the hold released, linking none of its runs, and an override sent meanwhile is refused, reviving no link', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const held = await planWindow(api, ['MN'], '2026-10-03T06:00:00Z', '2026-10-03T07:00:00Z');
    const daily = await planWindow(api, ['MN'], '2026-10-01T12:00:00Z', '2026-10-01T13:00:00Z', { recurrence: 'FREQ=DAILY' });
    const holdId = await placeHold(api, 'MN', '2026-10-03T00:00:00Z', '2026-10-04T00:00:00Z');
    // The daily window has no run stored in the hold's period yet: the hold holds the other window alone.
    expect((await planner.spy.query('SELECT DISTINCT window_id FROM hold_occurrence WHERE hold_id = $1', [holdId])).rows).toEqual([{ window_id: held }]);
    clock.set('2026-10-02T13:00:00Z');

    const hold = await planner.holds.get(holdId);
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM maintenance_window WHERE id = $1 FOR UPDATE', [held]);
    let overriding: Promise<PlannerAnswer> | undefined;
    let released: Promise<void> | undefined;
    let extending: Promise<{ extended: number }> | undefined;
    try {
      released = planner.db.transaction(async (tx) => {
        expect(await planner.holds.release(tx, hold, 'network-ops/key-1', 'polls closed')).toBe(true);
        overriding = api('POST', `/v1/windows/${daily}/override`, { reason: 'the certificate expires today' });
        // The override waits at the hold set's lock, which this release holds, as the horizon step does, or runs to its end first.
        await expectEventually(async () => expect((await planner.waitingOnAdvisory()) === 2 || (await settled(overriding!))).toBe(true));
      });
      // The release has marked the hold released and waits for the window it holds.
      await expectEventually(async () => expect(await planner.waitingOnRows()).toBe(1));
      // Meanwhile the horizon step stores the daily window's runs up to a day ahead, one of them in the hold's period (and waits for the release to link them).
      extending = windows.extendHorizon();
      await expectEventually(async () => expect((await settled(extending!)) || (await planner.waitingOnAdvisory()) === 1).toBe(true));
    } finally {
      await blocker.query('ROLLBACK');
    }
    await released;
    const overridden = await overriding!;
    expect((await extending!).extended).toBe(1);

    // As an override sent after the release: the hold no longer stops the window.
    expect(overridden, JSON.stringify(overridden.body)).toMatchObject({ status: 409, body: { code: 'not-held' } });
    expect(await planner.holdEvents(holdId)).toEqual(['hold.placed', 'hold.released']);
    expect(await planner.linksInForce(holdId)).toBe(0);
    // The horizon step waited for the release and found the hold released: the run in its period was never held, nor told so.
    expect((await written(daily)).filter((event) => event.holdId === holdId)).toEqual([]);
    expect((await planner.spy.query(`SELECT number, status FROM occurrence WHERE window_id = $1 AND starts_at = '2026-10-03T12:00:00Z'`, [daily])).rows).toEqual([{ number: 3, status: 'scheduled' }]);
    expect((await api('GET', `/v1/windows/${daily}`)).body.status).toBe('scheduled');
  });
});
