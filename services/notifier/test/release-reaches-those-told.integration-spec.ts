import { createEvent, EventExamples, type HoldWindow } from '@holdfast/contracts';
import { expectEventually, ManualClock } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { HttpReceiver } from './support/http-receiver';
import { holdPlaced, notifierWithReceiversForSuite } from './support/notifier-fixtures';

/**
 * A receiver told of a hold must be told it ended. The planner's hold.released lists only the windows it let go
 * of then, so a window cancelled or moved out during the hold is not in it, nor its team: matched on its own
 * payload, the release missed every subscription that heard of the hold through that window.
 */
describe("notifier: a hold's release reaches every subscription that was told of the hold", () => {
  const clock = new ManualClock('2026-06-14T21:00:10Z');
  const suite = notifierWithReceiversForSuite(['byWindow', 'slack', 'byRegion', 'byOverride', 'noReleases', 'deleted', 'turnedOff', 'lateHeld'], clock, { NOTIFIER_WORKER_POLL_MS: '50' });

  const types = (receiver: HttpReceiver) => receiver.requests.map((request) => (JSON.parse(request.body) as { type: string }).type);
  const heldWindow = (windowId: string, ownerTeam: string): HoldWindow => ({ ...EventExamples['hold.placed'].windows![0], windowId, ownerTeam });
  const windowEvent = (windowId: string, ownerTeam: string, regions: string[]) => ({
    ...EventExamples['window.scheduled'],
    windowId,
    ownerTeam,
    footprint: { global: false, regions },
  });
  const released = (holdId: string, regions: string[], windows: HoldWindow[]) =>
    createEvent(
      'hold.released',
      { holdId, regions, releasedAt: '2026-06-14T23:30:00Z', reason: 'The surge cleared and the cool-down passed', windowIds: windows.map(({ windowId }) => windowId), windows },
      { source: 'notifier-spec' },
    );

  it('sends the release to a subscription of one window cancelled during the hold, after the placement, though the release no longer lists that window', async () => {
    const cancelledId = uuidv7();
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.byWindow.url, filters: { windowIds: [cancelledId] } });
    const window = windowEvent(cancelledId, 'r3-ops', ['TH']);
    const stillHeld = heldWindow(uuidv7(), 'r3-web');
    const placed = holdPlaced(['TH'], { windowIds: [cancelledId, stillHeld.windowId], windows: [heldWindow(cancelledId, 'r3-ops'), stillHeld] });
    await suite.publisher.publish(createEvent('window.held', { ...window, status: 'held', holdId: placed.data.holdId }, { source: 'notifier-spec' }), placed);
    await expectEventually(() => expect(types(suite.receivers.byWindow).sort()).toEqual(['hold.placed', 'window.held']));

    // Cancelling the window let go of its link to the hold: the release lists only the window still held.
    await suite.publisher.publish(createEvent('window.cancelled', { ...window, status: 'cancelled', reason: 'Not needed any more', cancelledBy: 'ops@r3' }, { source: 'notifier-spec' }));
    await expectEventually(() => expect(types(suite.receivers.byWindow)).toContain('window.cancelled'));
    const release = released(placed.data.holdId, ['TH'], [stillHeld]);
    await suite.publisher.publish(release);

    await expectEventually(() => expect(types(suite.receivers.byWindow)).toContain('hold.released'));
    const heard = types(suite.receivers.byWindow);
    expect(heard.indexOf('hold.placed')).toBeLessThan(heard.indexOf('hold.released'));
    // The receiver has the request before the worker records its answer.
    await expectEventually(async () => expect(await suite.notifier.deliveries(`eventId=${release.id}`)).toMatchObject([{ subscriptionId: id, status: 'delivered' }]));
  });

  it('records the release for every subscription sent the placement, an override or a window.held of the hold, but not one that takes no release or was deleted', async () => {
    const team = 'r3-ops';
    const placedWindow = heldWindow(uuidv7(), team);
    const overriddenId = uuidv7();
    const subscribe = async (name: string, body: Record<string, unknown>) => (await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers[name].url, ...body })).id;
    const slack = (await suite.notifier.subscribe({ channel: 'slack', target: `${suite.receivers.slack.url}/services/T1/B2/ops`, filters: { teams: [team] } })).id;
    // The held window runs in TH too; the hold is on IN alone, so none of the hold's own events names TH.
    const byRegion = await subscribe('byRegion', { filters: { regions: ['TH'] } });
    const byOverride = await subscribe('byOverride', { filters: { windowIds: [overriddenId], eventTypes: ['hold.overridden', 'hold.released'] } });
    // Told of the hold, but taking no release of it: nothing is recorded for it (nor for the deleted one).
    await subscribe('noReleases', { filters: { teams: [team], eventTypes: ['hold.placed', 'window.held'] } });
    const deleted = await subscribe('deleted', { filters: { teams: [team] } });
    const turnedOff = await subscribe('turnedOff', { filters: { teams: [team] } });

    const placed = holdPlaced(['IN'], { windowIds: [placedWindow.windowId], windows: [placedWindow] });
    const held = createEvent('window.held', { ...windowEvent(placedWindow.windowId, team, ['IN', 'TH']), status: 'held', holdId: placed.data.holdId }, { source: 'notifier-spec' });
    const overridden = createEvent(
      'hold.overridden',
      { holdId: placed.data.holdId, regions: ['IN'], windowId: overriddenId, overriddenBy: 'lead@r3', reason: 'Security fix that cannot wait', overriddenAt: '2026-06-14T22:00:00Z' },
      { source: 'notifier-spec' },
    );
    await suite.publisher.publish(placed, held, overridden);
    await expectEventually(() => {
      expect(suite.receivers.slack.requests).toHaveLength(2);
      expect(types(suite.receivers.byRegion)).toEqual(['window.held']);
      expect(types(suite.receivers.byOverride)).toEqual(['hold.overridden']);
      expect(types(suite.receivers.noReleases).sort()).toEqual(['hold.placed', 'window.held']);
      expect(types(suite.receivers.deleted).sort()).toEqual(['hold.placed', 'window.held']);
      expect(types(suite.receivers.turnedOff).sort()).toEqual(['hold.placed', 'window.held']);
    });
    expect((await suite.notifier.call('DELETE', `/v1/subscriptions/${deleted}`)).status).toBe(204);
    expect((await suite.notifier.call('PATCH', `/v1/subscriptions/${turnedOff}`, { enabled: false })).status).toBe(200);

    // Every window of the hold was let go of before (cancelled, moved): the release carries none, nor a team.
    const release = released(placed.data.holdId, ['IN'], []);
    await suite.publisher.publish(release);

    const recorded = await expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`eventId=${release.id}`);
      expect(deliveries).not.toEqual([]);
      return deliveries;
    });
    // One transaction records the release for all of them: what is not here now never will be.
    expect(Object.fromEntries(recorded.map((delivery) => [delivery.subscriptionId, delivery.status === 'dead' ? 'dead' : 'sent']))).toEqual({
      [slack]: 'sent',
      [byRegion]: 'sent',
      [byOverride]: 'sent',
      [turnedOff]: 'dead',
    });
    await expectEventually(() => {
      expect(suite.receivers.slack.requests).toHaveLength(3);
      expect(types(suite.receivers.byRegion)).toEqual(['window.held', 'hold.released']);
      expect(types(suite.receivers.byOverride)).toEqual(['hold.overridden', 'hold.released']);
    });
    expect(JSON.parse(suite.receivers.slack.requests[2].body)).toMatchObject({ text: expect.stringContaining('Hold released in IN') });

    // Turned on again, what waited for it goes out: the release too.
    expect((await suite.notifier.call('PATCH', `/v1/subscriptions/${turnedOff}`, { enabled: true })).status).toBe(200);
    await expectEventually(() => expect(types(suite.receivers.turnedOff).sort()).toEqual(['hold.placed', 'hold.released', 'window.held']));
    expect(types(suite.receivers.noReleases)).toHaveLength(2);
    expect(types(suite.receivers.deleted)).toHaveLength(2);
  });

  it('cancels a window.held read after its hold was released to a subscription told of the hold only by it, which takes hold.released but no window.released', async () => {
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.lateHeld.url, filters: { regions: ['MY'], eventTypes: ['window.held', 'hold.released'] } });
    const holdId = uuidv7();
    // The holds topic is read ahead of the windows topic: the release comes first, and nothing had told the subscription of the hold.
    await suite.publisher.publish(released(holdId, ['ID'], []));
    await expectEventually(async () => expect(await suite.app.get(DataSource).query('SELECT hold_id FROM hold_release WHERE hold_id = $1', [holdId])).toHaveLength(1));
    const held = createEvent('window.held', { ...windowEvent(uuidv7(), 'r3-ops', ['ID', 'MY']), status: 'held', holdId }, { source: 'notifier-spec' });
    await suite.publisher.publish(held);

    await expectEventually(async () =>
      expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([
        {
          eventId: held.id,
          status: 'cancelled',
          lastError: `not sent: superseded by the release of hold ${holdId} at 2026-06-14T23:30:00.000Z, consumed before this window.held went out, and none of its releases is recorded for this subscription, nor can one come: sent now, it would say the released hold is in force, and nothing would follow to say otherwise`,
        },
      ]),
    );
    expect(suite.receivers.lateHeld.requests).toEqual([]);
  });
});
