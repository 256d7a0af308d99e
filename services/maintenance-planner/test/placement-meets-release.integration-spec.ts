import { expectEventually, ManualClock } from '@holdfast/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeHold, planWindow, plannerApi, type PlannerAnswer } from './support/planner-with-readers';
import { type PlannerWithSpy, startPlannerWithSpy } from './support/planner-with-spy';

const clock = new ManualClock('2026-10-01T00:00:00Z');

/**
 * A placement and a release at the same moment over a run the released hold held past its start. The release gives that
 * run a new slot unless another hold still holds it; the placement links only runs still to be held. Interleaved, each
 * in a transaction left open (a spec's own) while the other runs over HTTP, they must come out as one after the other
 * would: the run waits for a new slot and the new hold does not hold it, or the new hold holds it and it waits for
 * that hold's release. Not both: a run waiting for a new slot, or moved to one, that a hold in force still holds.
 */
describe('maintenance-planner: a placement racing a release over a run held past its start', () => {
  let planner: PlannerWithSpy;

  const api = plannerApi(() => planner.service);
  const plan = (region: string, startsAt: string, more: Record<string, unknown> = {}) =>
    planWindow(api, [region], startsAt, new Date(Date.parse(startsAt) + 3_600_000).toISOString(), more);
  /** The run as stored, and the holds whose links in force hold it. */
  const runOf = async (windowId: string) =>
    (
      await planner.spy.query(
        `SELECT o.status, o.starts_at AS "startsAt", ARRAY(SELECT l.hold_id::text FROM hold_occurrence l WHERE l.window_id = o.window_id AND l.number = o.number AND l.released_at IS NULL AND l.overridden_by IS NULL) AS "heldBy"
           FROM occurrence o WHERE o.window_id = $1 AND o.number = 1`,
        [windowId],
      )
    ).rows[0] as { status: string; startsAt: Date; heldBy: string[] };

  beforeAll(async () => {
    planner = await startPlannerWithSpy(clock);
  });

  afterAll(() => planner?.close());

  it('a hold placed while a release gives the run a new slot does not hold the run waiting for it', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const windowId = await plan('MN', '2026-10-01T06:00:00Z');
    const released = await placeHold(api, 'MN', '2026-10-01T00:00:00Z', '2026-10-03T00:00:00Z');
    clock.set('2026-10-01T07:00:00Z');

    let placing: Promise<PlannerAnswer> | undefined;
    await planner.db.transaction(async (tx) => {
      expect(await planner.holds.release(tx, await planner.holds.get(released), undefined, 'The held period ended')).toBe(true);
      placing = api('POST', '/v1/holds', { regions: ['MN'], from: '2026-10-01T00:00:00Z', until: '2026-10-03T00:00:00Z', reason: 'Census in MN' });
      await expectEventually(async () => expect(await planner.waitingOnLocks()).toBe(1));
    });
    const placed = await placing!;
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);

    expect(await runOf(windowId)).toMatchObject({ status: 'needs-reschedule', heldBy: [] });
    expect((await api('GET', `/v1/holds/${placed.body.id}`)).body).toMatchObject({ heldOccurrences: 0 });
    expect((await api('GET', `/v1/windows/${windowId}`)).body.status).toBe('needs-reschedule');
  });

  it('a run moved to a new slot by a release is not held there by a hold placed meanwhile', async () => {
    clock.set('2026-10-05T00:00:00Z');
    // Free to move within the week, and its owner allows automatic moves: the release moves it.
    const windowId = await plan('BT', '2026-10-05T06:00:00Z', { flexibility: { earliestStartAt: '2026-10-05T00:00:00Z', deadlineAt: '2026-10-12T00:00:00Z', autoMove: true } });
    const released = await placeHold(api, 'BT', '2026-10-05T00:00:00Z', '2026-10-05T12:00:00Z');
    clock.set('2026-10-05T07:00:00Z');

    let placing: Promise<PlannerAnswer> | undefined;
    await planner.db.transaction(async (tx) => {
      expect(await planner.holds.release(tx, await planner.holds.get(released), undefined, 'The held period ended')).toBe(true);
      placing = api('POST', '/v1/holds', { regions: ['BT'], from: '2026-10-05T00:00:00Z', until: '2026-10-05T09:00:00Z', reason: 'Census in BT' });
      await expectEventually(async () => expect(await planner.waitingOnLocks()).toBe(1));
    });
    const placed = await placing!;
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);

    const run = await runOf(windowId);
    expect(run.status).toBe('scheduled');
    expect(run.startsAt.getTime()).toBeGreaterThanOrEqual(Date.parse('2026-10-05T07:00:00Z'));
    // Held by the new hold only where its period reaches the run's new slot.
    expect(run.heldBy).toEqual(run.startsAt.getTime() < Date.parse('2026-10-05T09:00:00Z') ? [placed.body.id] : []);
  });

  it('a release while a hold is being placed over the run leaves the run to the new hold, to be given a new slot at its release', async () => {
    clock.set('2026-10-10T00:00:00Z');
    const windowId = await plan('NP', '2026-10-10T06:00:00Z');
    const released = await placeHold(api, 'NP', '2026-10-10T00:00:00Z', '2026-10-12T00:00:00Z');
    clock.set('2026-10-10T07:00:00Z');

    let releasing: Promise<PlannerAnswer> | undefined;
    let placedId: string | undefined;
    await planner.db.transaction(async (tx) => {
      const placed = await planner.holds.place(tx, {
        source: 'manual',
        causeId: uuidv7(),
        regions: ['NP'],
        reason: 'Census in NP',
        from: new Date('2026-10-10T00:00:00Z'),
        until: new Date('2026-10-12T00:00:00Z'),
        placedBy: 'spec',
      });
      placedId = placed!.id;
      releasing = api('POST', `/v1/holds/${released}/release`, { reason: 'results are in' });
      await expectEventually(async () => expect(await planner.waitingOnLocks()).toBe(1));
    });
    const answer = await releasing!;
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);

    expect(await runOf(windowId)).toMatchObject({ status: 'scheduled', heldBy: [placedId] });
    expect((await api('GET', `/v1/windows/${windowId}`)).body.status).toBe('held');
  });
});
