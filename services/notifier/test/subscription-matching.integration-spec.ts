import { createEvent, EventExamples } from '@holdfast/contracts';
import { expectEventually, ManualClock } from '@holdfast/testing';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { holdPlaced, json, notifierWithReceiversForSuite } from './support/notifier-fixtures';

describe('notifier matching of events to subscriptions, read filtered from PostgreSQL', () => {
  const clock = new ManualClock('2026-06-14T21:00:10Z');
  const suite = notifierWithReceiversForSuite(['everything', 'uruguay', 'heldInUruguay', 'coreTeam', 'turnedOff', 'upperCase'], clock, { NOTIFIER_WORKER_POLL_MS: '50' });

  it('tells each subscription what its type, region, team and window filters let through: a global window reaches every region filter', async () => {
    const { receivers, notifier, publisher } = suite;
    const windowId = uuidv7();
    await notifier.subscribe({ channel: 'webhook', target: receivers.everything.url });
    await notifier.subscribe({ channel: 'webhook', target: receivers.uruguay.url, filters: { regions: ['UY'] } });
    await notifier.subscribe({ channel: 'webhook', target: receivers.heldInUruguay.url, filters: { regions: ['PY', 'UY'], eventTypes: ['window.held', 'hold.placed'] } });
    await notifier.subscribe({ channel: 'webhook', target: receivers.coreTeam.url, filters: { teams: ['core'], windowIds: [windowId] } });
    await notifier.subscribe({ channel: 'webhook', target: receivers.turnedOff.url, enabled: false });

    const everywhere = { ...EventExamples['window.scheduled'], windowId, ownerTeam: 'core', footprint: { global: true, regions: [] } };
    const events = [
      createEvent('window.held', { ...everywhere, status: 'held', holdId: uuidv7() }, { source: 'notifier-spec' }),
      createEvent('window.scheduled', { ...EventExamples['window.scheduled'], windowId: uuidv7(), footprint: { global: false, regions: ['AR', 'UY'] } }, { source: 'notifier-spec' }),
      holdPlaced(['AR']),
      holdPlaced(['UY', 'BR']),
      createEvent('surge.started', { ...EventExamples['surge.started'], region: 'PY' }, { source: 'notifier-spec' }),
    ];
    await publisher.publish(...events);

    const heard = (name: string) => receivers[name].requests.map((request) => (JSON.parse(request.body) as { id: string }).id).sort();
    const ids = (...picked: number[]) => picked.map((index) => events[index].id).sort();
    await expectEventually(() => expect(heard('everything')).toEqual(ids(0, 1, 2, 3, 4)));
    await expectEventually(() => {
      expect(heard('uruguay')).toEqual(ids(0, 1, 3));
      expect(heard('heldInUruguay')).toEqual(ids(0, 3));
      expect(heard('coreTeam')).toEqual(ids(0));
    });
    expect(heard('turnedOff')).toEqual([]);
  });

  it('takes a window id in upper case as the same id, stored and answered in lower case: it matches the window, and is the lower-case one again', async () => {
    const { receivers, notifier, publisher } = suite;
    const windowId = uuidv7();
    const filters = { windowIds: [windowId.toUpperCase()] };
    const created = await notifier.call('POST', '/v1/subscriptions', { ownerTeam: 'edge', channel: 'webhook', target: receivers.upperCase.url, filters });
    const subscription = await json<{ id: string; filters: { windowIds: string[] } }>(created);
    expect([created.status, subscription.filters.windowIds]).toEqual([201, [windowId]]);
    expect(await json<{ code: string; subscriptionId: string }>(await notifier.call('POST', '/v1/subscriptions', { ownerTeam: 'edge', channel: 'webhook', target: receivers.upperCase.url, filters: { windowIds: [windowId] } }))).toMatchObject({
      code: 'subscription-exists',
      subscriptionId: subscription.id,
    });

    const scheduled = createEvent('window.scheduled', { ...EventExamples['window.scheduled'], windowId, footprint: { global: false, regions: ['AR'] } }, { source: 'notifier-spec' });
    await publisher.publish(scheduled);
    await expectEventually(() => expect(receivers.upperCase.requests.map((request) => (JSON.parse(request.body) as { id: string }).id)).toEqual([scheduled.id]));
  });
});
