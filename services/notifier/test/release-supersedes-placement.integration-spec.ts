import { createEvent, EventExamples } from '@holdfast/contracts';
import { expectEventually, ManualClock } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { HttpReceiver } from './support/http-receiver';
import { attemptsSettled, holdPlaced, holdReleased, json, notifierWithReceiversForSuite, type DeliveryView } from './support/notifier-fixtures';

/**
 * A receiver that was told a hold was released must never be told afterwards that it was placed: a
 * webhook or Slack message sent then says the released hold is in force again. The Alertmanager and
 * Grafana channels show such a placement ended (their own specs); the others are not sent it.
 */
describe('notifier: a hold placed after its release went out is cancelled, not sent, with the release that superseded it', () => {
  const clock = new ManualClock('2026-06-14T21:00:10Z');
  const suite = notifierWithReceiversForSuite(['replayed', 'redelivered', 'window', 'holdWide', 'slack', 'placementsOnly', 'heldOnly', 'windowReleases', 'replayedInBulk', 'delivered', 'deliveredUntold', 'windowLetOut', 'windowLetOutLive', 'releaseDead', 'releaseRetried', 'heldNeverSent', 'heldAttempted', 'releaseOfUnsentReplayed', 'bothDeadReplayed'], clock, { NOTIFIER_WORKER_POLL_MS: '50' });

  const types = (receiver: HttpReceiver) => receiver.requests.map((request) => (JSON.parse(request.body) as { type: string }).type);
  const superseded = (holdId: string, releasedAt: string, release: DeliveryView, eventType: string) =>
    `not sent: superseded by the release of hold ${holdId} at ${releasedAt} (delivery ${release.id}), recorded for this subscription before this ${eventType} went out: sent now, it would say the released hold is in force again`;

  const releasedUntold = (holdId: string, releasedAt: string, eventType: string) =>
    `not sent: superseded by the release of hold ${holdId} at ${releasedAt}, consumed before this ${eventType} went out: sent now, it would say the released hold is in force, and this subscription takes no release of it to say otherwise`;
  // No subscription takes these releases, so no delivery shows one was consumed: only the release the notifier keeps does.
  const releaseConsumed = (holdId: string) =>
    expectEventually(async () => expect(await suite.app.get(DataSource).query('SELECT hold_id FROM hold_release WHERE hold_id = $1', [holdId])).toHaveLength(1));

  const releasedUnowed = (holdId: string, releasedAt: string, eventType: string) =>
    `not sent: superseded by the release of hold ${holdId} at ${releasedAt}, consumed before this ${eventType} went out, and none of its releases is recorded for this subscription, nor can one come: sent now, it would say the released hold is in force, and nothing would follow to say otherwise`;

  /** The subscription's deliveries once one of them is dead and the other delivered, each as [event type, status]. */
  const oneDeadOneDelivered = (subscriptionId: string) =>
    expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`subscriptionId=${subscriptionId}`);
      expect(deliveries.map((delivery) => delivery.status).sort()).toEqual(['dead', 'delivered']);
      return deliveries;
    });

  it('cancels a dead hold.placed replayed after its hold.released reached the webhook, naming that release', async () => {
    // The placement is refused for good (the receiver could not parse it then), the release taken.
    suite.receivers.replayed.reply = (request) => ((JSON.parse(request.body) as { type: string }).type === 'hold.placed' ? { status: 400 } : { status: 204 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.replayed.url, filters: { regions: ['GT'] } });
    const placed = holdPlaced(['GT']);
    await suite.publisher.publish(placed, holdReleased(placed, '2026-06-14T23:30:00Z'));
    const [release, placement] = await oneDeadOneDelivered(id);
    expect([release.eventType, release.status, placement.eventType, placement.status]).toEqual(['hold.released', 'delivered', 'hold.placed', 'dead']);

    suite.receivers.replayed.reply = () => ({ status: 204 });
    expect((await suite.notifier.call('POST', `/v1/deliveries/${placement.id}/replay`)).status).toBe(202);
    await expectEventually(async () =>
      expect(await suite.notifier.deliveries(`subscriptionId=${id}&eventId=${placed.id}`)).toMatchObject([
        { status: 'cancelled', attempts: 0, lastError: superseded(placed.data.holdId, '2026-06-14T23:30:00.000Z', release, 'hold.placed') },
      ]),
    );
    // The refused placement, then the release: nothing after it.
    expect(types(suite.receivers.replayed)).toEqual(['hold.placed', 'hold.released']);
    // Cancelled is final: replaying it again is refused, not queued.
    expect((await suite.notifier.call('POST', `/v1/deliveries/${placement.id}/replay`)).status).toBe(409);
  });

  it('does not send a hold.placed recorded after its release (a dead letter replayed onto the topic), though that release has not reached the receiver yet', async () => {
    suite.receivers.redelivered.reply = () => ({ status: 400 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.redelivered.url, filters: { regions: ['HN'] } });
    const placed = holdPlaced(['HN']);
    await suite.publisher.publish(holdReleased(placed, '2026-06-14T23:30:00Z'));
    const [release] = await expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`subscriptionId=${id}&status=dead`);
      expect(deliveries).toMatchObject([{ eventType: 'hold.released' }]);
      return deliveries;
    });

    suite.receivers.redelivered.reply = () => ({ status: 204 });
    await suite.publisher.publish(placed);
    await expectEventually(async () =>
      expect(await suite.notifier.deliveries(`subscriptionId=${id}&eventId=${placed.id}`)).toMatchObject([
        { status: 'cancelled', lastError: superseded(placed.data.holdId, '2026-06-14T23:30:00.000Z', release, 'hold.placed') },
      ]),
    );
    // The release, replayed, still goes out; the placement never does.
    expect((await suite.notifier.call('POST', `/v1/deliveries/${release.id}/replay`)).status).toBe(202);
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}&eventId=${release.eventId}`)).toMatchObject([{ status: 'delivered' }]));
    expect(types(suite.receivers.redelivered)).toEqual(['hold.released', 'hold.released']);
  });

  it("cancels a window.held replayed after that hold's window.released of the window went out", async () => {
    suite.receivers.window.reply = (request) => ((JSON.parse(request.body) as { type: string }).type === 'window.held' ? { status: 400 } : { status: 204 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.window.url, filters: { regions: ['SV'] } });
    const window = { ...EventExamples['window.scheduled'], windowId: uuidv7(), footprint: { global: false, regions: ['SV'] } };
    const holdId = uuidv7();
    const held = createEvent('window.held', { ...window, status: 'held', holdId }, { source: 'notifier-spec' });
    const released = createEvent('window.released', { ...window, status: 'scheduled', holdId }, { source: 'notifier-spec' });
    await suite.publisher.publish(held, released);
    const [release, placement] = await oneDeadOneDelivered(id);
    expect([release.eventType, placement.eventType]).toEqual(['window.released', 'window.held']);

    suite.receivers.window.reply = () => ({ status: 204 });
    expect((await suite.notifier.call('POST', `/v1/deliveries/${placement.id}/replay`)).status).toBe(202);
    await expectEventually(async () =>
      expect(await suite.notifier.deliveries(`subscriptionId=${id}&eventId=${held.id}`)).toMatchObject([
        { status: 'cancelled', lastError: superseded(holdId, new Date(released.time).toISOString(), release, 'window.held') },
      ]),
    );
    expect(types(suite.receivers.window)).toEqual(['window.held', 'window.released']);
  });

  it("cancels a window.held replayed after its hold's own hold.released went out, on the hold's key, not the window's", async () => {
    suite.receivers.holdWide.reply = (request) => ((JSON.parse(request.body) as { type: string }).type === 'window.held' ? { status: 400 } : { status: 204 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.holdWide.url, filters: { regions: ['PA'], eventTypes: ['window.held', 'hold.released'] } });
    const placed = holdPlaced(['PA']);
    const window = { ...EventExamples['window.scheduled'], windowId: uuidv7(), footprint: { global: false, regions: ['PA'] } };
    const held = createEvent('window.held', { ...window, status: 'held', holdId: placed.data.holdId }, { source: 'notifier-spec' });
    // The window's key and the hold's are sent side by side: the placement dead first, then the release taken.
    await suite.publisher.publish(held);
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventType: 'window.held', status: 'dead' }]));
    await suite.publisher.publish(holdReleased(placed, '2026-06-14T23:30:00Z'));
    const [release, placement] = await oneDeadOneDelivered(id);
    expect([release.eventType, placement.eventType]).toEqual(['hold.released', 'window.held']);

    suite.receivers.holdWide.reply = () => ({ status: 204 });
    expect((await suite.notifier.call('POST', '/v1/deliveries/replay', { subscriptionId: id, status: 'dead' })).status).toBe(202);
    await expectEventually(async () =>
      expect(await suite.notifier.deliveries(`subscriptionId=${id}&eventId=${held.id}`)).toMatchObject([
        { status: 'cancelled', lastError: superseded(placed.data.holdId, '2026-06-14T23:30:00.000Z', release, 'window.held') },
      ]),
    );
    expect(types(suite.receivers.holdWide)).toEqual(['window.held', 'hold.released']);
  });

  it('does not post a replayed hold.placed to a Slack channel that was told of its release', async () => {
    suite.receivers.slack.reply = (_, index) => (index === 0 ? { status: 400, body: 'invalid_blocks' } : { status: 200, body: 'ok' });
    const { id } = await suite.notifier.subscribe({ channel: 'slack', target: `${suite.receivers.slack.url}/services/T1/B2/ops`, filters: { regions: ['NI'] } });
    const placed = holdPlaced(['NI']);
    await suite.publisher.publish(placed, holdReleased(placed, '2026-06-14T23:30:00Z'));
    const [release, placement] = await oneDeadOneDelivered(id);
    expect([release.eventType, placement.eventType]).toEqual(['hold.released', 'hold.placed']);

    expect((await suite.notifier.call('POST', `/v1/deliveries/${placement.id}/replay`)).status).toBe(202);
    await expectEventually(async () =>
      expect(await suite.notifier.deliveries(`subscriptionId=${id}&eventId=${placed.id}`)).toMatchObject([
        { status: 'cancelled', lastError: superseded(placed.data.holdId, '2026-06-14T23:30:00.000Z', release, 'hold.placed') },
      ]),
    );
    expect(suite.receivers.slack.requests).toHaveLength(2);
  });

  it('cancels a hold.placed retried after its hold was released, to a subscription that takes placements but no releases', async () => {
    suite.receivers.placementsOnly.reply = () => ({ status: 503 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.placementsOnly.url, filters: { regions: ['BZ'], eventTypes: ['hold.placed'] } });
    const placed = holdPlaced(['BZ']);
    await suite.publisher.publish(placed);
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventType: 'hold.placed', status: 'pending', attempts: 1 }]));
    await suite.publisher.publish(holdReleased(placed, '2026-06-14T23:30:00Z'));
    await releaseConsumed(placed.data.holdId);

    // The receiver is back and the retry is due: the hold it would announce is over.
    suite.receivers.placementsOnly.reply = () => ({ status: 204 });
    await attemptsSettled(suite.notifier, clock);
    clock.advance(10 * 60_000);
    await expectEventually(async () =>
      expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([
        { eventType: 'hold.placed', status: 'cancelled', attempts: 1, lastError: releasedUntold(placed.data.holdId, '2026-06-14T23:30:00.000Z', 'hold.placed') },
      ]),
    );
    expect(types(suite.receivers.placementsOnly)).toEqual(['hold.placed']);
  });

  it('cancels a window.held replayed after its hold was released, to a subscription that takes window.held alone', async () => {
    suite.receivers.heldOnly.reply = () => ({ status: 400 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.heldOnly.url, filters: { regions: ['CR'], eventTypes: ['window.held'] } });
    const placed = holdPlaced(['CR']);
    const window = { ...EventExamples['window.scheduled'], windowId: uuidv7(), footprint: { global: false, regions: ['CR'] } };
    const held = createEvent('window.held', { ...window, status: 'held', holdId: placed.data.holdId }, { source: 'notifier-spec' });
    await suite.publisher.publish(held);
    const [placement] = await expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`subscriptionId=${id}`);
      expect(deliveries).toMatchObject([{ eventType: 'window.held', status: 'dead' }]);
      return deliveries;
    });
    await suite.publisher.publish(holdReleased(placed, '2026-06-14T23:30:00Z'));
    await releaseConsumed(placed.data.holdId);

    suite.receivers.heldOnly.reply = () => ({ status: 204 });
    expect((await suite.notifier.call('POST', `/v1/deliveries/${placement.id}/replay`)).status).toBe(202);
    await expectEventually(async () =>
      expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([
        { eventType: 'window.held', status: 'cancelled', lastError: releasedUntold(placed.data.holdId, '2026-06-14T23:30:00.000Z', 'window.held') },
      ]),
    );
    expect(types(suite.receivers.heldOnly)).toEqual(['window.held']);
  });

  it("sends a window.held to a subscription that takes window.released, though the hold's hold.released was read first: the release let go of the window, so its own release follows it", async () => {
    suite.receivers.windowReleases.reply = () => ({ status: 400 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.windowReleases.url, filters: { regions: ['SV'], eventTypes: ['window.held', 'window.released'] } });
    const window = { ...EventExamples['window.scheduled'], windowId: uuidv7(), footprint: { global: false, regions: ['SV'] } };
    const placed = holdPlaced(['SV'], { windowIds: [window.windowId] });
    const held = createEvent('window.held', { ...window, status: 'held', holdId: placed.data.holdId }, { source: 'notifier-spec' });
    await suite.publisher.publish(held);
    const [placement] = await expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`subscriptionId=${id}`);
      expect(deliveries).toMatchObject([{ eventType: 'window.held', status: 'dead' }]);
      return deliveries;
    });
    // The holds topic is read ahead of the windows topic: the hold's release is in, the window's not yet.
    await suite.publisher.publish(holdReleased(placed, '2026-06-14T23:30:00Z'));
    await releaseConsumed(placed.data.holdId);

    suite.receivers.windowReleases.reply = () => ({ status: 204 });
    expect((await suite.notifier.call('POST', `/v1/deliveries/${placement.id}/replay`)).status).toBe(202);
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventType: 'window.held', status: 'delivered' }]));
    await suite.publisher.publish(createEvent('window.released', { ...window, status: 'scheduled', holdId: placed.data.holdId }, { source: 'notifier-spec' }));
    await expectEventually(async () => expect(types(suite.receivers.windowReleases)).toEqual(['window.held', 'window.held', 'window.released']));
  });

  /**
   * A window.held of `region`'s window that waits behind the window's earlier window.scheduled (the receiver holds that one,
   * as a receiver away would keep it retrying), while the hold's hold.released, on the hold's own key, goes out; then the
   * window's window.released of that hold, and the window.scheduled let go. Answers the window, the hold and the subscription.
   */
  const heldBehindAndReleased = async (receiver: HttpReceiver, region: string) => {
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: receiver.url, filters: { regions: [region] } });
    const window = { ...EventExamples['window.scheduled'], windowId: uuidv7(), footprint: { global: false, regions: [region] } };
    const placed = holdPlaced([region], { windowIds: [window.windowId] });
    await suite.publisher.publish(createEvent('window.scheduled', window, { source: 'notifier-spec' }));
    await expectEventually(() => expect(receiver.heldCount).toBe(1));
    const held = createEvent('window.held', { ...window, status: 'held', holdId: placed.data.holdId }, { source: 'notifier-spec' });
    await suite.publisher.publish(held, holdReleased(placed, '2026-06-14T23:30:00Z'));
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}&status=delivered`)).toMatchObject([{ eventType: 'hold.released' }]));
    const released = createEvent('window.released', { ...window, status: 'scheduled', holdId: placed.data.holdId }, { source: 'notifier-spec' });
    await suite.publisher.publish(released);
    await expectEventually(async () => expect((await suite.notifier.deliveries(`subscriptionId=${id}`)).map((delivery) => delivery.eventType)).toContain('window.released'));
    return { id, window, placed, held, released };
  };

  it("cancels a window.released whose window.held was never sent to the subscription (cancelled unsent, its hold's release having gone first), saying why", async () => {
    suite.receivers.heldNeverSent.reply = (request) => ((JSON.parse(request.body) as { type: string }).type === 'window.scheduled' ? 'hold' : { status: 204 });
    const { id, window, placed, held, released } = await heldBehindAndReleased(suite.receivers.heldNeverSent, 'GY');
    suite.receivers.heldNeverSent.releaseHeld(204);

    const byType = await expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`subscriptionId=${id}`);
      expect(Object.fromEntries(deliveries.map((delivery) => [delivery.eventType, delivery.status]))).toEqual({
        'window.scheduled': 'delivered',
        'window.held': 'cancelled',
        'hold.released': 'delivered',
        'window.released': 'cancelled',
      });
      return Object.fromEntries(deliveries.map((delivery) => [delivery.eventType, delivery]));
    });
    expect(byType['window.released']).toMatchObject({
      eventId: released.id,
      attempts: 0,
      lastError: `not sent: the window.held of window ${window.windowId} for hold ${placed.data.holdId} that this window.released ends was never sent to this subscription (delivery ${byType['window.held'].id}, cancelled unsent): sent alone, it would release a hold the receiver was never told held the window`,
    });
    expect(byType['window.held']).toMatchObject({ eventId: held.id, attempts: 0, attemptLog: [] });
    expect(types(suite.receivers.heldNeverSent)).toEqual(['window.scheduled', 'hold.released']);
  });

  it('refuses to replay a window.released whose window.held was never sent to the subscription, one and in bulk, saying why and what to do', async () => {
    const receiver = suite.receivers.releaseOfUnsentReplayed;
    receiver.reply = (request) => ((JSON.parse(request.body) as { type: string }).type === 'window.scheduled' ? 'hold' : { status: 204 });
    const { id, window, placed, held, released } = await heldBehindAndReleased(receiver, 'PE');
    receiver.reply = () => ({ status: 204 });
    receiver.releaseHeld(204);
    const [release] = await expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`subscriptionId=${id}&eventId=${released.id}`);
      expect(deliveries).toMatchObject([{ status: 'cancelled' }]);
      return deliveries;
    });
    const [placement] = await suite.notifier.deliveries(`subscriptionId=${id}&eventId=${held.id}`);
    // As a notifier before 2026-12-07 left it: the release sent, though its window.held never was.
    await suite.app
      .get(DataSource)
      .query("UPDATE delivery SET status = 'delivered', attempts = 1, delivered_at = $2, finished_at = $2, last_error = NULL WHERE id = $1", [release.id, clock.now()]);

    const refused = await suite.notifier.call('POST', `/v1/deliveries/${release.id}/replay`);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: 'delivery-release-of-unsent-placement',
      subscriptionId: id,
      holdId: placed.data.holdId,
      windowId: window.windowId,
      placementDeliveryId: placement.id,
      placementStatus: 'cancelled',
      detail: `Delivery ${release.id} (window.released) is not sent again: the window.held of window ${window.windowId} for hold ${placed.data.holdId} that it ends (delivery ${placement.id}) was never sent to subscription ${id} (cancelled unsent), so the receiver was never told the hold held the window, and this release would end a hold it never heard of. Nothing is owed: the hold is over and the receiver never had it.`,
    });
    // In bulk it is left out; what the receiver took is sent again.
    expect(await (await suite.notifier.call('POST', '/v1/deliveries/replay', { subscriptionId: id, status: 'delivered' })).json()).toEqual({ replayed: 2 });
    await expectEventually(async () => expect((await suite.notifier.deliveries(`subscriptionId=${id}&status=delivered`)).map((delivery) => delivery.attempts)).toEqual([1, 1, 1]));
    expect(types(receiver)).toEqual(['window.scheduled', 'hold.released', 'window.scheduled', 'hold.released']);
    expect(await suite.notifier.deliveries(`subscriptionId=${id}&eventId=${released.id}`)).toMatchObject([{ status: 'delivered', attempts: 1, lastError: null }]);
  });

  it('sends a dead window.released again after its dead, never sent window.held when a bulk replay takes both, and names that window.held to replay first', async () => {
    const receiver = suite.receivers.bothDeadReplayed;
    receiver.reply = () => ({ status: 204 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: receiver.url, filters: { regions: ['CL'] } });
    const window = { ...EventExamples['window.scheduled'], windowId: uuidv7(), footprint: { global: false, regions: ['CL'] } };
    const holdId = uuidv7();
    const held = createEvent('window.held', { ...window, status: 'held', holdId }, { source: 'notifier-spec' });
    const released = createEvent('window.released', { ...window, status: 'scheduled', holdId }, { source: 'notifier-spec' });
    await suite.publisher.publish(held, released);
    const [release, placement] = await expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`subscriptionId=${id}&status=delivered`);
      expect(deliveries.map((delivery) => delivery.eventType)).toEqual(['window.released', 'window.held']);
      return deliveries;
    });
    // Both dead unsent, never attempted (as a subscription turned off leaves what it was sent meanwhile).
    const database = suite.app.get(DataSource);
    await database.query('DELETE FROM delivery_attempt WHERE delivery_id = ANY($1::uuid[])', [[placement.id, release.id]]);
    await database.query("UPDATE delivery SET status = 'dead', attempts = 0, delivered_at = NULL, last_error = 'not sent' WHERE id = ANY($1::uuid[])", [[placement.id, release.id]]);
    receiver.requests.length = 0;

    const refused = await suite.notifier.call('POST', `/v1/deliveries/${release.id}/replay`);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: 'delivery-release-of-unsent-placement',
      placementDeliveryId: placement.id,
      placementStatus: 'dead',
      detail: expect.stringContaining(`replay that window.held first (POST /v1/deliveries/${placement.id}/replay); once it is sent, this release can be replayed.`),
    });
    expect(await (await suite.notifier.call('POST', '/v1/deliveries/replay', { ids: [release.id, placement.id] })).json()).toEqual({ replayed: 2 });
    await expectEventually(() => expect(types(receiver)).toEqual(['window.held', 'window.released']));
  });

  it('still sends the window.released of a window.held that was attempted before it was cancelled: the receiver may have it', async () => {
    // The window.held is refused once (503) and waits for its retry; meanwhile the hold's release goes out.
    suite.receivers.heldAttempted.reply = (request) => ((JSON.parse(request.body) as { type: string }).type === 'window.held' ? { status: 503 } : { status: 204 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.heldAttempted.url, filters: { regions: ['SR'] } });
    const window = { ...EventExamples['window.scheduled'], windowId: uuidv7(), footprint: { global: false, regions: ['SR'] } };
    const placed = holdPlaced(['SR'], { windowIds: [window.windowId] });
    await suite.publisher.publish(createEvent('window.held', { ...window, status: 'held', holdId: placed.data.holdId }, { source: 'notifier-spec' }));
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventType: 'window.held', status: 'pending', attempts: 1 }]));
    await suite.publisher.publish(holdReleased(placed, '2026-06-14T23:30:00Z'), createEvent('window.released', { ...window, status: 'scheduled', holdId: placed.data.holdId }, { source: 'notifier-spec' }));
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}&status=delivered`)).toMatchObject([{ eventType: 'hold.released' }]));

    suite.receivers.heldAttempted.reply = () => ({ status: 204 });
    await attemptsSettled(suite.notifier, clock);
    clock.advance(10 * 60_000);
    await expectEventually(async () =>
      expect(Object.fromEntries((await suite.notifier.deliveries(`subscriptionId=${id}`)).map((delivery) => [delivery.eventType, delivery.status]))).toEqual({
        'window.held': 'cancelled',
        'hold.released': 'delivered',
        'window.released': 'delivered',
      }),
    );
    expect(types(suite.receivers.heldAttempted)).toEqual(['window.held', 'hold.released', 'window.released']);
  });

  it('leaves a delivered hold.placed out of a bulk replay of what the receiver took, its release having followed it, and sends the release alone', async () => {
    suite.receivers.replayedInBulk.reply = () => ({ status: 204 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.replayedInBulk.url, filters: { regions: ['BO'] } });
    const placed = holdPlaced(['BO']);
    await suite.publisher.publish(placed, holdReleased(placed, '2026-06-14T23:30:00Z'));
    await expectEventually(async () => expect((await suite.notifier.deliveries(`subscriptionId=${id}&status=delivered`)).map((delivery) => delivery.eventType).sort()).toEqual(['hold.placed', 'hold.released']));

    expect(await (await suite.notifier.call('POST', '/v1/deliveries/replay', { subscriptionId: id, status: 'delivered' })).json()).toEqual({ replayed: 1 });
    await expectEventually(() => expect(types(suite.receivers.replayedInBulk)).toEqual(['hold.placed', 'hold.released', 'hold.released']));
    // The placement's history still says it was delivered, once.
    await expectEventually(async () =>
      expect(Object.fromEntries((await suite.notifier.deliveries(`subscriptionId=${id}`)).map((delivery) => [delivery.eventType, [delivery.status, delivery.attempts]]))).toEqual({
        'hold.placed': ['delivered', 1],
        'hold.released': ['delivered', 1],
      }),
    );
  });

  it('refuses to replay a delivered hold.placed once its release went out after it, naming the release, and keeps it delivered', async () => {
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.delivered.url, filters: { regions: ['EC'] } });
    const placed = holdPlaced(['EC']);
    await suite.publisher.publish(placed, holdReleased(placed, '2026-06-14T23:30:00Z'));
    const byType = await expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`subscriptionId=${id}&status=delivered`);
      expect(deliveries.map((delivery) => delivery.eventType).sort()).toEqual(['hold.placed', 'hold.released']);
      return Object.fromEntries(deliveries.map((delivery) => [delivery.eventType, delivery]));
    });
    const placement = byType['hold.placed'];
    const release = byType['hold.released'];

    const refused = await suite.notifier.call('POST', `/v1/deliveries/${placement.id}/replay`);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: 'delivery-superseded',
      subscriptionId: id,
      holdId: placed.data.holdId,
      releasedAt: '2026-06-14T23:30:00.000Z',
      releaseDeliveryId: release.id,
      detail: `Delivery ${placement.id} (hold.placed) was delivered, and its hold ${placed.data.holdId} was released at 2026-06-14T23:30:00.000Z: sent again it would tell the receiver that the released hold is in force, so it is not replayed; its release is delivery ${release.id} of subscription ${id}: to tell the receiver again that the hold is over, replay that one (POST /v1/deliveries/${release.id}/replay).`,
    });
    const [kept] = await suite.notifier.deliveries(`subscriptionId=${id}&eventId=${placed.id}`);
    expect(kept).toEqual(placement);
    expect(await json<{ deliveredAt: string | null }>(await suite.notifier.call('GET', `/v1/deliveries/${placement.id}`))).toMatchObject({ status: 'delivered', deliveredAt: expect.any(String) });

    expect((await suite.notifier.call('POST', `/v1/deliveries/${release.id}/replay`)).status).toBe(202);
    await expectEventually(() => expect(types(suite.receivers.delivered)).toEqual(['hold.placed', 'hold.released', 'hold.released']));
  });

  it('refuses to replay a delivered hold.placed to a subscription that takes no release once the hold was released', async () => {
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.deliveredUntold.url, filters: { regions: ['UY'], eventTypes: ['hold.placed'] } });
    const placed = holdPlaced(['UY']);
    await suite.publisher.publish(placed);
    const [placement] = await expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`subscriptionId=${id}&status=delivered`);
      expect(deliveries).toHaveLength(1);
      return deliveries;
    });
    await suite.publisher.publish(holdReleased(placed, '2026-06-14T23:30:00Z'));
    await releaseConsumed(placed.data.holdId);

    const refused = await suite.notifier.call('POST', `/v1/deliveries/${placement.id}/replay`);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'delivery-superseded', releaseDeliveryId: null, detail: expect.stringContaining(`subscription ${id} is sent no release of it, so nothing would follow to say the hold is over.`) });
    expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toEqual([placement]);
    expect(await (await suite.notifier.call('POST', '/v1/deliveries/replay', { subscriptionId: id, status: 'delivered' })).json()).toEqual({ replayed: 0 });
    expect(types(suite.receivers.deliveredUntold)).toEqual(['hold.placed']);
  });
  it('refuses to replay a delivered window.held, in bulk too, once its hold was released without its window (cancelled or moved out meanwhile), though the subscription takes window.released', async () => {
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.windowLetOut.url, filters: { regions: ['DO'], eventTypes: ['window.held', 'window.released'] } });
    const placed = holdPlaced(['DO']);
    const window = { ...EventExamples['window.scheduled'], windowId: uuidv7(), footprint: { global: false, regions: ['DO'] } };
    const held = createEvent('window.held', { ...window, status: 'held', holdId: placed.data.holdId }, { source: 'notifier-spec' });
    await suite.publisher.publish(held);
    const [placement] = await expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`subscriptionId=${id}&status=delivered`);
      expect(deliveries).toHaveLength(1);
      return deliveries;
    });
    // The window left the hold before its release, which lists only the hold's other windows: no window.released comes for it.
    await suite.publisher.publish(holdReleased(placed, '2026-06-14T23:30:00Z'));
    await releaseConsumed(placed.data.holdId);

    const refused = await suite.notifier.call('POST', `/v1/deliveries/${placement.id}/replay`);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'delivery-superseded', holdId: placed.data.holdId, releasedAt: '2026-06-14T23:30:00.000Z', releaseDeliveryId: null });
    expect(await (await suite.notifier.call('POST', '/v1/deliveries/replay', { subscriptionId: id, status: 'delivered' })).json()).toEqual({ replayed: 0 });
    expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toEqual([placement]);
    expect(types(suite.receivers.windowLetOut)).toEqual(['window.held']);
  });

  it('cancels a window.held retried after its hold was released without its window, to a subscription that takes window.released: none will come', async () => {
    suite.receivers.windowLetOutLive.reply = () => ({ status: 503 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.windowLetOutLive.url, filters: { regions: ['JM'], eventTypes: ['window.held', 'window.released'] } });
    const placed = holdPlaced(['JM']);
    const window = { ...EventExamples['window.scheduled'], windowId: uuidv7(), footprint: { global: false, regions: ['JM'] } };
    const held = createEvent('window.held', { ...window, status: 'held', holdId: placed.data.holdId }, { source: 'notifier-spec' });
    await suite.publisher.publish(held);
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventType: 'window.held', status: 'pending', attempts: 1 }]));
    await suite.publisher.publish(holdReleased(placed, '2026-06-14T23:30:00Z'));
    await releaseConsumed(placed.data.holdId);

    suite.receivers.windowLetOutLive.reply = () => ({ status: 204 });
    await attemptsSettled(suite.notifier, clock);
    clock.advance(10 * 60_000);
    await expectEventually(async () =>
      expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([
        { eventType: 'window.held', status: 'cancelled', attempts: 1, lastError: releasedUnowed(placed.data.holdId, '2026-06-14T23:30:00.000Z', 'window.held') },
      ]),
    );
    expect(types(suite.receivers.windowLetOutLive)).toEqual(['window.held']);
  });

  /**
   * A hold.placed delivered to a webhook subscription of `region`, then its hold.released, which `receiver` answers
   * with `releaseAnswer` until the release delivery reads as `releaseReads`; the placement, the release and the subscription.
   */
  const placedThenReleased = async (receiver: HttpReceiver, region: string, releaseAnswer: number, releaseReads: Partial<DeliveryView>) => {
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: receiver.url, filters: { regions: [region], eventTypes: ['hold.placed', 'hold.released'] } });
    const placed = holdPlaced([region]);
    await suite.publisher.publish(placed);
    const [placement] = await expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`subscriptionId=${id}&status=delivered`);
      expect(deliveries).toHaveLength(1);
      return deliveries;
    });
    receiver.reply = () => ({ status: releaseAnswer });
    await suite.publisher.publish(holdReleased(placed, '2026-06-14T23:30:00Z'));
    const [release] = await expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`subscriptionId=${id}&status=${releaseReads.status}`);
      expect(deliveries).toMatchObject([{ eventType: 'hold.released', ...releaseReads }]);
      return deliveries;
    });
    return { id, placement, release };
  };

  it('refuses to replay a delivered hold.placed whose release went dead after it, naming that release to replay instead', async () => {
    const { id, placement, release } = await placedThenReleased(suite.receivers.releaseDead, 'PY', 400, { status: 'dead' });

    suite.receivers.releaseDead.reply = () => ({ status: 204 });
    const refused = await suite.notifier.call('POST', `/v1/deliveries/${placement.id}/replay`);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: 'delivery-superseded',
      releaseDeliveryId: release.id,
      detail: expect.stringContaining(`its release is delivery ${release.id} of subscription ${id}, which is dead: to tell the receiver that the hold is over, replay that one (POST /v1/deliveries/${release.id}/replay).`),
    });
    expect(await (await suite.notifier.call('POST', '/v1/deliveries/replay', { subscriptionId: id, status: 'delivered' })).json()).toEqual({ replayed: 0 });
    expect(types(suite.receivers.releaseDead)).toEqual(['hold.placed', 'hold.released']);
  });

  it('refuses to replay a delivered hold.placed whose release, recorded after it, is still being retried: the receiver would be told the hold is in force after it ended', async () => {
    // Refused for now, and retried later: on this test's clock, not before it moves.
    const { id, placement, release } = await placedThenReleased(suite.receivers.releaseRetried, 'UY', 503, { status: 'pending', attempts: 1 });

    const refused = await suite.notifier.call('POST', `/v1/deliveries/${placement.id}/replay`);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: 'delivery-superseded',
      releaseDeliveryId: release.id,
      detail: expect.stringContaining(`its release is delivery ${release.id} of subscription ${id}, which is still being sent (retried on its own): it will tell the receiver that the hold is over.`),
    });
    expect(await (await suite.notifier.call('POST', '/v1/deliveries/replay', { subscriptionId: id, status: 'delivered' })).json()).toEqual({ replayed: 0 });
    expect(types(suite.receivers.releaseRetried)).toEqual(['hold.placed', 'hold.released']);
  });
});
