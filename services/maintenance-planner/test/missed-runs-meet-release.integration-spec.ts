import { expectEventually, ManualClock } from '@holdfast/testing';
import type { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WindowsService } from '../src/windows/windows.service';
import { placeHold, planWindow, plannerApi } from './support/planner-with-readers';
import { type PlannerWithSpy, settled, startPlannerWithSpy } from './support/planner-with-spy';

const clock = new ManualClock('2026-10-01T00:00:00Z');

/**
 * The sweep's missed runs and a release of a hold over the same windows, at the same moment, each with its transaction
 * open while the other runs: a run the hold let through by an override and that never started is missed, one it held
 * until its time passed needs a new slot, whichever commits first. The two write no run in common (marking missed only
 * runs no hold in force holds as it reads them, the release only runs its hold held), and of the windows both refresh
 * the release first takes only KEY SHARE, which a status refresh does not wait for: neither waits for the other, so
 * they cannot deadlock. A release locking its windows any stronger would hold up marking runs missed, or be held up by it.
 */
describe('maintenance-planner: marking runs missed while a hold over their windows is released', () => {
  let planner: PlannerWithSpy;
  let windows: WindowsService;
  let blocker: Client;

  const api = plannerApi(() => planner.service);
  const plan = (region: string, startsAt: string) => planWindow(api, [region], startsAt, new Date(Date.parse(startsAt) + 3_600_000).toISOString());
  /** A hold over two windows of the region, their runs ended unstarted by 08:00: one held, one let through by an override. */
  const heldAndLetThrough = async (region: string) => {
    clock.set('2026-10-01T00:00:00Z');
    const held = await plan(region, '2026-10-01T06:00:00Z');
    const letThrough = await plan(region, '2026-10-01T03:00:00Z');
    const holdId = await placeHold(api, region, '2026-10-01T00:00:00Z', '2026-10-05T00:00:00Z');
    const overridden = await api('POST', `/v1/windows/${letThrough}/override`, { reason: 'the certificate expires today' });
    expect(overridden.status, JSON.stringify(overridden.body)).toBe(200);
    clock.set('2026-10-01T08:00:00Z');
    return { held, letThrough, holdId };
  };
  const runStatus = async (windowId: string) => (await planner.spy.query('SELECT status FROM occurrence WHERE window_id = $1 AND number = 1', [windowId])).rows[0].status as string;
  const windowStatus = async (windowId: string) => (await api('GET', `/v1/windows/${windowId}`)).body.status as string;
  const releasedBy = async (windowId: string, holdId: string) =>
    (await planner.spy.query(`SELECT payload->>'status' AS status FROM outbox_message WHERE message_key = $1 AND event_type = 'window.released' AND payload->>'holdId' = $2 ORDER BY id`, [windowId, holdId])).rows;
  /** Both runs as they should be once both have committed, and each window told released by the hold once. */
  const expectSettled = async ({ held, letThrough, holdId }: { held: string; letThrough: string; holdId: string }) => {
    expect(await runStatus(letThrough)).toBe('missed');
    expect(await runStatus(held)).toBe('needs-reschedule');
    expect(await windowStatus(letThrough)).toBe('needs-reschedule');
    expect(await windowStatus(held)).toBe('needs-reschedule');
    expect(await releasedBy(held, holdId)).toEqual([{ status: 'needs-reschedule' }]);
    // Told released by its override, when it let the hold's last held run through; the release tells it nothing more.
    expect(await releasedBy(letThrough, holdId)).toHaveLength(1);
    expect((await api('GET', `/v1/holds/${holdId}`)).body).toMatchObject({ active: false });
  };

  beforeAll(async () => {
    planner = await startPlannerWithSpy(clock);
    windows = planner.service.app.get(WindowsService);
    blocker = await planner.connect();
  });

  afterAll(() => planner?.close());

  it('marks the run let through missed while the release is open, leaving the run it held for the release to give a new slot', async () => {
    const setUp = await heldAndLetThrough('MN');
    const hold = await planner.holds.get(setUp.holdId);

    let marking: Promise<number> | undefined;
    await planner.db.transaction(async (tx) => {
      expect(await planner.holds.release(tx, hold, undefined, 'The held period ended')).toBe(true);
      // The release has refreshed the held window's status and locked both windows' rows: marking missed ends before it commits.
      marking = windows.markMissed();
      await expectEventually(async () => expect(await settled(marking!)).toBe(true), { message: 'marking missed ends while the release is open' });
    });
    expect(await marking!).toBe(1);

    await expectSettled(setUp);
  });

  it('releases the hold while marking missed waits with its runs marked, leaving the run it held alone', async () => {
    const setUp = await heldAndLetThrough('KG');

    // Marking missed stops at the window whose status it refreshes, its run marked missed, its transaction open.
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM maintenance_window WHERE id = $1 FOR NO KEY UPDATE', [setUp.letThrough]);
    let marking: Promise<number> | undefined;
    try {
      marking = windows.markMissed();
      await expectEventually(async () => expect(await planner.waitingOnRows()).toBe(1));
      const releasing = api('POST', `/v1/holds/${setUp.holdId}/release`, { reason: 'polls closed' });
      await expectEventually(async () => expect(await settled(releasing)).toBe(true), { message: 'the release ends while marking missed is open' });
      const released = await releasing;
      expect(released, JSON.stringify(released.body)).toMatchObject({ status: 200, body: { active: false } });
    } finally {
      await blocker.query('ROLLBACK');
    }
    expect(await marking!).toBe(1);

    await expectSettled(setUp);
  });
});
