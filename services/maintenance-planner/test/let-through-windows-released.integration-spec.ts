import { expectEventually, ManualClock, type TopicRecorder } from '@holdfast/testing';
import type { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WindowAnnouncementBacklog, WINDOWS_PER_ANNOUNCEMENT } from '../src/holds/window-announcement-backlog';
import { placeHold, planWindow, plannerApi, type PlannerWithReaders, startPlannerWithReaders } from './support/planner-with-readers';
import { connectToPlanner } from './support/planner-with-spy';

const clock = new ManualClock('2026-10-01T00:00:00Z');

/**
 * A subscriber told `window.held` must hear that the hold no longer holds the window. An override asked so the job runs
 * now lets the hold's last held run of the window through: the hold's window.released is written then, in the override's
 * transaction, naming who let the runs through and why, and the hold's release, hours later, tells that window nothing
 * more. Before, it came only with the release, saying `scheduled` of a window that had run meanwhile.
 */
describe('maintenance-planner: a window whose held runs are all let through by an override is told released at the override', () => {
  let planner: PlannerWithReaders;
  let windowEvents: TopicRecorder;
  let holdEvents: TopicRecorder;
  let db: Client;

  const api = plannerApi(() => planner.service);
  const override = async (windowId: string, reason: string, occurrence?: number) => {
    const answer = await api('POST', `/v1/windows/${windowId}/override`, { reason, ...(occurrence === undefined ? {} : { occurrence }) });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  };
  const release = async (holdId: string) => {
    const answer = await api('POST', `/v1/holds/${holdId}/release`, { reason: 'polls closed' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  };
  /** Who the planner records as letting runs through: the test's key. */
  const overriddenBy = async (holdId: string) => (await api('GET', `/v1/holds/${holdId}`)).body.overrides[0].overriddenBy as string;
  const typesOf = (windowId: string) => windowEvents.messages.filter((message) => message.key === windowId).map((message) => message.headers.ce_type);
  /** What the planner wrote for a window, in order: the override's and the release's transactions committed before they answered. */
  const written = async (windowId: string) =>
    (await db.query('SELECT event_type FROM outbox_message WHERE message_key = $1 ORDER BY id', [windowId])).rows.map((row: { event_type: string }) => row.event_type);
  const releasedWritten = async (windowId: string) =>
    (
      await db.query(`SELECT payload FROM outbox_message WHERE message_key = $1 AND event_type = 'window.released' ORDER BY id`, [windowId])
    ).rows.map((row: { payload: unknown }) => (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<string, unknown>);

  beforeAll(async () => {
    planner = await startPlannerWithReaders(clock, 'let-through-released');
    ({ windowEvents, holdEvents } = planner);
    db = await connectToPlanner(planner.service);
  });

  afterAll(async () => {
    await db?.end();
    await planner?.close();
  });

  it("a window told held is told released by the override that lets it through, with the override's who and why, and nothing at the release; a second override, or a window planned through the hold, tells nothing", async () => {
    clock.set('2026-10-01T00:00:00Z');
    const windowId = await planWindow(api, ['MN'], '2026-10-01T06:00:00Z', '2026-10-01T07:00:00Z');
    const holdId = await placeHold(api, 'MN', '2026-10-01T00:00:00Z', '2026-10-05T00:00:00Z');
    expect(await written(windowId)).toEqual(['window.scheduled', 'window.held']);

    clock.advance(60_000);
    await override(windowId, 'the certificate expires today');
    const by = await overriddenBy(holdId);
    // Never told held, a window planned into the hold with an override is told nothing, then or at the release.
    const plannedThrough = await planWindow(api, ['MN'], '2026-10-02T06:00:00Z', '2026-10-02T07:00:00Z', { override: { reason: 'the vendor is on site' } });
    expect(await written(windowId)).toEqual(['window.scheduled', 'window.held', 'window.released']);
    const [told] = await releasedWritten(windowId);
    expect(told).toMatchObject({
      windowId,
      holdId,
      status: 'scheduled',
      holdReason: `Let through by an override by ${by} (the certificate expires today)`,
      occurrences: [expect.objectContaining({ number: 1, status: 'scheduled' })],
    });
    await expectEventually(() => expect(typesOf(windowId)).toEqual(['window.scheduled', 'window.held', 'window.released']));
    // Caused by the hold.overridden the override announced, as a release's are by its hold.released.
    const overriddenOf = () => holdEvents.messages.filter((message) => message.headers.ce_type === 'hold.overridden' && JSON.parse(message.value).windowId === windowId);
    await expectEventually(() => expect(overriddenOf()).toHaveLength(1));
    expect(windowEvents.messages.find((message) => message.key === windowId && message.headers.ce_type === 'window.released')!.headers.ce_causationid).toBe(overriddenOf()[0].headers.ce_id);

    // The same override again changes nothing; another's reason for the runs let through already is recorded, but the window was not held.
    clock.advance(60_000);
    await override(windowId, 'the certificate expires today');
    await override(windowId, 'the vendor asked too');
    await expectEventually(() => expect(overriddenOf()).toHaveLength(2));
    expect(await written(windowId)).toEqual(['window.scheduled', 'window.held', 'window.released']);

    clock.advance(60_000);
    await override(plannedThrough, 'the vendor is on site again');
    await release(holdId);
    expect(await written(windowId)).toEqual(['window.scheduled', 'window.held', 'window.released']);
    expect(await written(plannedThrough)).toEqual(['window.scheduled']);
    // hold.released still names it among the windows it let go of, each told its window.released.
    expect((await db.query(`SELECT payload FROM outbox_message WHERE event_type = 'hold.released' AND payload->>'holdId' = $1`, [holdId])).rows[0].payload.windowIds).toContain(windowId);
  });

  it('a recurring window with one of two held runs let through is told nothing at the override and released with the release; with both let through, at the second override', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const daily = { recurrence: 'FREQ=DAILY;COUNT=2' };
    const partly = await planWindow(api, ['KG'], '2026-10-01T06:00:00Z', '2026-10-01T07:00:00Z', daily);
    const wholly = await planWindow(api, ['KG'], '2026-10-01T08:00:00Z', '2026-10-01T09:00:00Z', daily);
    const holdId = await placeHold(api, 'KG', '2026-10-01T00:00:00Z', '2026-10-05T00:00:00Z');

    clock.advance(60_000);
    await override(partly, 'the first night cannot wait', 1);
    await override(wholly, 'the first night cannot wait', 1);
    // Each still has its second run held: still held, told nothing.
    for (const windowId of [partly, wholly]) {
      expect((await api('GET', `/v1/windows/${windowId}`)).body.status).toBe('held');
      expect(await written(windowId)).toEqual(['window.scheduled', 'window.held']);
    }
    clock.advance(60_000);
    await override(wholly, 'the second night neither', 2);
    expect(await written(wholly)).toEqual(['window.scheduled', 'window.held', 'window.released']);
    expect((await releasedWritten(wholly))[0]).toMatchObject({
      holdId,
      status: 'scheduled',
      holdReason: `Let through by overrides by ${await overriddenBy(holdId)} (the first night cannot wait; the second night neither)`,
      occurrences: [expect.objectContaining({ number: 1 }), expect.objectContaining({ number: 2 })],
    });

    await release(holdId);
    // The hold still held a run of the first: it let go with its release, which says why. The other was told at its override.
    expect(await written(partly)).toEqual(['window.scheduled', 'window.held', 'window.released']);
    expect((await releasedWritten(partly))[0]).toMatchObject({ holdId, status: 'scheduled', holdReason: 'polls closed' });
    expect(await written(wholly)).toEqual(['window.scheduled', 'window.held', 'window.released']);
  });

  it('a window under two holds is told released by each hold once, at the override that lets its last held run through, while the other still holds it too', async () => {
    clock.set('2026-10-01T00:00:00Z');
    // Both holds hold both runs of the first; of the second, one holds the first run and the other the second.
    const both = await planWindow(api, ['AM', 'AZ'], '2026-10-01T06:00:00Z', '2026-10-01T07:00:00Z');
    const split = await planWindow(api, ['AM', 'AZ'], '2026-10-01T10:00:00Z', '2026-10-01T11:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=2' });
    const armenia = await placeHold(api, 'AM', '2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z');
    const azerbaijan = await placeHold(api, 'AZ', '2026-10-02T00:00:00Z', '2026-10-05T00:00:00Z');
    const morning = await placeHold(api, 'AZ', '2026-10-01T00:00:00Z', '2026-10-01T12:00:00Z');
    expect(await written(both)).toEqual(['window.scheduled', 'window.held', 'window.held']);

    clock.advance(60_000);
    await override(both, 'the certificate expires today');
    expect(await written(both)).toEqual(['window.scheduled', 'window.held', 'window.held', 'window.released', 'window.released']);
    expect(new Set((await releasedWritten(both)).map((event) => event.holdId))).toEqual(new Set([armenia, morning]));

    await override(split, 'the first night cannot wait', 1);
    // Armenia's and the morning hold's only run of it let through: each tells it released, the night's hold still holding it.
    const toldSplit = await releasedWritten(split);
    expect(toldSplit.map((event) => [event.holdId, event.status])).toEqual(expect.arrayContaining([[armenia, 'held'], [morning, 'held']]));
    expect(toldSplit).toHaveLength(2);
    clock.advance(60_000);
    await override(split, 'the second night neither', 2);
    expect((await releasedWritten(split)).slice(2).map((event) => [event.holdId, event.status])).toEqual([[azerbaijan, 'scheduled']]);

    for (const holdId of [armenia, azerbaijan, morning]) await release(holdId);
    expect(await releasedWritten(both)).toHaveLength(2);
    expect(await releasedWritten(split)).toHaveLength(3);
  });

  it(`a hold over more than ${WINDOWS_PER_ANNOUNCEMENT} windows: a window told held is told released at its override, one whose window.held is still owed is told neither, the override pays no debt, and the release owes neither`, async () => {
    clock.set('2026-10-01T00:00:00Z');
    const windowIds: string[] = [];
    for (let index = 0; index <= WINDOWS_PER_ANNOUNCEMENT; index++) {
      const startsAt = new Date(Date.parse('2026-10-02T00:00:00Z') + index * 600_000);
      windowIds.push(await planWindow(api, ['TJ'], startsAt.toISOString(), new Date(startsAt.getTime() + 300_000).toISOString()));
    }
    // The placement's window.held events are owed; nothing pays them until the drain runs again.
    const backlog = planner.service.app.get(WindowAnnouncementBacklog);
    const drain = vi.spyOn(backlog, 'drain').mockResolvedValue(0);
    const holdId = await placeHold(api, 'TJ', '2026-10-01T00:00:00Z', '2026-10-05T00:00:00Z');
    const [untold, toldFirst] = [...windowIds].sort().reverse();
    expect(await written(untold)).toEqual(['window.scheduled']);

    clock.advance(60_000);
    await override(untold, 'the disk is failing');
    // Neither told by the override nor paid for the others in its transaction (the whole hold's events, in a large one).
    expect(await written(untold)).toEqual(['window.scheduled']);
    expect(await written(toldFirst)).toEqual(['window.scheduled']);
    drain.mockRestore();
    await backlog.drainAll();
    // The payments leave out a window let through before its turn: it was never told held, so it is not told released.
    expect(await written(untold)).toEqual(['window.scheduled']);
    expect(await written(toldFirst)).toEqual(['window.scheduled', 'window.held']);
    await override(toldFirst, 'the fan is failing');
    expect(await written(toldFirst)).toEqual(['window.scheduled', 'window.held', 'window.released']);
    const by = await overriddenBy(holdId);
    expect((await releasedWritten(toldFirst))[0]).toMatchObject({ holdId, status: 'scheduled', holdReason: `Let through by an override by ${by} (the fan is failing)` });

    clock.advance(60_000);
    await release(holdId);
    const others = windowIds.filter((windowId) => windowId !== untold);
    await expectEventually(() => expect(windowEvents.messages.filter((message) => message.headers.ce_type === 'window.released' && windowIds.includes(message.key!))).toHaveLength(others.length));
    expect(await written(untold)).toEqual(['window.scheduled']);
    expect(await written(toldFirst)).toEqual(['window.scheduled', 'window.held', 'window.released']);
    const rest = others.find((windowId) => windowId !== toldFirst)!;
    expect((await releasedWritten(rest))[0]).toMatchObject({ holdId, status: 'scheduled', holdReason: 'polls closed' });
  });
});
