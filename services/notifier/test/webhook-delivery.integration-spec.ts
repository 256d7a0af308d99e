import { createEvent, EventExamples } from '@holdfast/contracts';
import { generateApiKey } from '@holdfast/service-kit';
import { everyPage, expectEventually, ManualClock } from '@holdfast/testing';
import pg from 'pg';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { HttpReceiver } from './support/http-receiver';
import { attemptsSettled, holdPlaced, holdReleased, NOTIFIER_USER_AGENT, notifierWithReceiversForSuite, type DeliveryView } from './support/notifier-fixtures';

/** A receiver's own check, as README.md tells receivers to write it: node:crypto only, none of the notifier's code. */
function verifyStandardWebhook(secret: string, headers: Record<string, string | string[] | undefined>, body: string, nowSeconds: number): boolean {
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const expected = createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64')).update(`${id}.${timestamp}.${body}`).digest();
  return String(headers['webhook-signature'])
    .split(' ')
    .some((candidate) => {
      const [version, signature] = candidate.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

describe('notifier webhook delivery, against the real broker, PostgreSQL and loopback receivers', () => {
  const clock = new ManualClock('2026-06-14T21:00:10Z');
  // Only the test's receivers may be reached, each by its port: the redirect target below stays refused.
  const suite = notifierWithReceiversForSuite(['signed', 'flaky', 'dead', 'refusing', 'gone', 'witness', 'slow', 'fast', 'ordered', 'redirecting', 'core', 'edge', 'paged', 'goneFirst', 'deleted', 'deletedInFlight', 'offInFlight', 'edgeRefusing', 'storageRefusing', 'turnedOff', 'paused', 'madeOff', 'failingDeleted', 'redelivered'], clock, {
    NOTIFIER_WORKER_POLL_MS: '50',
    NOTIFIER_DELIVERY_MAX_ATTEMPTS: '3',
    NOTIFIER_CIRCUIT_VOLUME: '1000',
  });

  it('signs a hold.placed the Standard Webhooks way, with the event id as webhook-id', async () => {
    const { id, secret } = await suite.notifier.subscribe({ channel: 'webhook', target: `${suite.receivers.signed.url}/hooks`, filters: { regions: ['IR'] } });
    expect(secret).toMatch(/^whsec_/);
    const hold = holdPlaced(['IR']);
    await suite.publisher.publish(hold);

    await expectEventually(() => expect(suite.receivers.signed.requests).toHaveLength(1));
    const [request] = suite.receivers.signed.requests;
    expect(request.path).toBe('/hooks');
    expect(request.headers['webhook-id']).toBe(hold.id);
    expect(request.headers['webhook-timestamp']).toBe(String(Math.floor(clock.nowMs() / 1000)));
    expect(request.headers['user-agent']).toBe(NOTIFIER_USER_AGENT);
    expect(verifyStandardWebhook(secret as string, request.headers, request.body, Math.floor(clock.nowMs() / 1000))).toBe(true);
    expect(verifyStandardWebhook(secret as string, request.headers, request.body.replace('IR', 'NP'), Math.floor(clock.nowMs() / 1000))).toBe(false);
    expect(JSON.parse(request.body)).toMatchObject({ id: hold.id, type: 'hold.placed', data: { holdId: hold.data.holdId, regions: ['IR'] } });

    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ status: 'delivered', attempts: 1 }]));
    const stored = await (await suite.notifier.call('GET', `/v1/subscriptions/${id}`)).json();
    expect(JSON.stringify(stored)).not.toContain((secret as string).slice(6));
    expect(stored).toMatchObject({ hasSecret: true });
  });

  it('retries 5xx with backoff: a receiver that fails twice gets the hold on the third attempt', async () => {
    suite.receivers.flaky.reply = (_, index) => (index < 2 ? { status: 503, headers: { 'retry-after': '30' }, body: 'busy' } : { status: 200 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.flaky.url, filters: { regions: ['NP'] } });
    const hold = holdPlaced(['NP']);
    await suite.publisher.publish(hold);

    for (const attempts of [1, 2]) {
      await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ status: 'pending', attempts }]));
      expect(suite.receivers.flaky.requests).toHaveLength(attempts);
      // Not due before Retry-After (30 s) has passed, although the backoff alone would be a second or two.
      const [{ nextAttemptAt }] = await suite.notifier.deliveries(`subscriptionId=${id}`);
      expect(Date.parse(nextAttemptAt) - clock.nowMs()).toBeGreaterThanOrEqual(30_000);
      await attemptsSettled(suite.notifier, clock);
      clock.set(nextAttemptAt);
    }
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ status: 'delivered', attempts: 3 }]));
    const [delivery] = await suite.notifier.deliveries(`subscriptionId=${id}`);
    expect(delivery.attemptLog.map((attempt) => [attempt.statusCode, attempt.outcome])).toEqual([
      [503, 'retry'],
      [503, 'retry'],
      [200, 'delivered'],
    ]);
    expect(delivery.attemptLog[0].error).toContain('503');
    expect(new Set(suite.receivers.flaky.requests.map((request) => request.headers['webhook-id']))).toEqual(new Set([hold.id]));
  });

  it('declares a delivery dead after the last attempt, shows every attempt, and delivers it on replay', async () => {
    suite.receivers.dead.reply = () => ({ status: 500, body: 'down' });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.dead.url, filters: { regions: ['DE'] } });
    const hold = holdPlaced(['DE']);
    await suite.publisher.publish(hold);

    // Time moves on only between attempts: moved past an attempt's lease while it is in flight, the delivery is taken again and that attempt recorded as interrupted.
    // Only for one waiting for its retry: one pending and due is the worker's to claim at any moment, maybe between this read and the move.
    await expectEventually(async () => {
      const [delivery] = await suite.notifier.deliveries(`subscriptionId=${id}`);
      if (delivery?.status === 'pending' && Date.parse(delivery.nextAttemptAt) > clock.nowMs()) clock.advance(10 * 60_000);
      expect(delivery?.status).toBe('dead');
    });
    const [dead] = await suite.notifier.deliveries(`subscriptionId=${id}&status=dead`);
    expect(dead.attemptLog.map((attempt) => attempt.outcome)).toEqual(['retry', 'retry', 'dead']);
    expect(dead.attemptLog.every((attempt) => attempt.statusCode === 500 && attempt.durationMs >= 0 && attempt.startedAt)).toBe(true);
    const metrics = await (await suite.notifier.call('GET', '/metrics')).text();
    expect(metrics).toMatch(/holdfast_notifier_deliveries_total\{[^}]*channel="webhook",outcome="dead"[^}]*\} 1/);

    suite.receivers.dead.reply = () => ({ status: 200 });
    expect((await suite.notifier.call('POST', `/v1/deliveries/${dead.id}/replay`)).status).toBe(202);
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ status: 'delivered', attempts: 1 }]));
    expect(suite.receivers.dead.requests.at(-1)?.headers['webhook-id']).toBe(hold.id);
    const [delivered] = await suite.notifier.deliveries(`subscriptionId=${id}`);
    expect(delivered.attemptLog).toHaveLength(4);
  });

  it('takes another 4xx as final at once, and replays dead deliveries in bulk', async () => {
    suite.receivers.refusing.reply = () => ({ status: 403, body: 'forbidden' });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.refusing.url, filters: { regions: ['FR'] } });
    await suite.publisher.publish(holdPlaced(['FR']), holdPlaced(['FR']));
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}&status=dead`)).toHaveLength(2));
    expect(suite.receivers.refusing.requests).toHaveLength(2);

    suite.receivers.refusing.reply = () => ({ status: 200 });
    expect(await (await suite.notifier.call('POST', '/v1/deliveries/replay', { subscriptionId: id })).json()).toEqual({ replayed: 2 });
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}&status=delivered`)).toHaveLength(2));
  });

  it('turns a subscription off when its receiver answers 410 Gone, records what comes meanwhile dead unsent, and sends it all, in order, once turned on', async () => {
    suite.receivers.gone.reply = () => ({ status: 410, body: 'this hook was removed' });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.gone.url, filters: { regions: ['PT'] } });
    await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.witness.url, filters: { regions: ['PT'] } });
    // Two holds: the second's delivery dies of the same 410 or, still unsent when the first's came back, is marked dead unsent.
    await suite.publisher.publish(holdPlaced(['PT']), holdPlaced(['PT']));
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}&status=dead`)).toHaveLength(2));
    await expectEventually(async () =>
      expect(await (await suite.notifier.call('GET', `/v1/subscriptions/${id}`)).json()).toMatchObject({
        enabled: false,
        disabledReason: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+ answered 410 Gone at .*: the receiver takes no more deliveries\. PATCH \{"enabled": true\} once it does/),
      }),
    );

    // The next hold reaches the witness; for the stopped subscription it is recorded dead, never sent, saying why.
    const meanwhile = holdPlaced(['PT']);
    await suite.publisher.publish(meanwhile);
    await expectEventually(() => expect(suite.receivers.witness.requests).toHaveLength(3));
    const missed = (await suite.notifier.deliveries(`subscriptionId=${id}`)).find((delivery) => delivery.eventId === meanwhile.id);
    expect(missed).toMatchObject({
      status: 'dead',
      attempts: 0,
      lastError: expect.stringMatching(new RegExp(`^not sent: subscription ${id} is turned off \\(http://127\\.0\\.0\\.1:\\d+ answered 410 Gone at .*\\); it is sent once the subscription is turned on \\(PATCH \\{"enabled": true\\}\\)$`)),
    });
    expect(suite.receivers.gone.requests.length).toBeLessThanOrEqual(2);

    // Their replay is refused saying the PATCH sends them: followed by a replay, each would go out twice.
    const refusedGone = (await suite.notifier.deliveries(`subscriptionId=${id}&status=dead`)).find((delivery) => delivery.attempts > 0)!;
    for (const waiting of [missed!, refusedGone]) {
      const replay = await suite.notifier.call('POST', `/v1/deliveries/${waiting.id}/replay`);
      expect(replay.status).toBe(409);
      expect(((await replay.json()) as { detail: string }).detail).toMatch(new RegExp(`PATCH /v1/subscriptions/${id} \\{"enabled": true\\}, which sends it with the others waiting, in order: no replay\\.$`));
    }

    // Turned on, all three go out, the refused one among them: no replay to remember, and nothing newer overtakes them.
    suite.receivers.gone.reply = () => ({ status: 200 });
    const refusedBefore = suite.receivers.gone.requests.length;
    expect(await (await suite.notifier.call('PATCH', `/v1/subscriptions/${id}`, { enabled: true })).json()).toMatchObject({ enabled: true, disabledReason: null });
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}&status=delivered`)).toHaveLength(3));
    expect(suite.receivers.gone.requests.slice(refusedBefore).map((request) => JSON.parse(request.body).id)).toContain(meanwhile.id);
    expect(await (await suite.notifier.call('POST', '/v1/deliveries/replay', { subscriptionId: id })).json()).toEqual({ replayed: 0 });
  });

  it('records nothing for a subscription made turned off; one turned off by hand sends what it missed once on, ahead of what comes after, and cancels it if deleted instead', async () => {
    suite.receivers.paused.reply = () => ({ status: 204 });
    suite.receivers.madeOff.reply = () => ({ status: 204 });
    const madeOff = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.madeOff.url, filters: { regions: ['MK'] }, enabled: false });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.paused.url, filters: { regions: ['MK'] } });
    expect((await suite.notifier.call('PATCH', `/v1/subscriptions/${id}`, { enabled: false })).status).toBe(200);
    const placed = holdPlaced(['MK']);
    await suite.publisher.publish(placed);
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}&status=dead`)).toMatchObject([{ eventId: placed.id, attempts: 0 }]));
    expect(await suite.notifier.deliveries(`subscriptionId=${madeOff.id}`)).toEqual([]);

    // Turned on, the placement goes out; the release that comes next follows it, never the other way round.
    expect((await suite.notifier.call('PATCH', `/v1/subscriptions/${id}`, { enabled: true })).status).toBe(200);
    await suite.publisher.publish(holdReleased(placed));
    await expectEventually(() => expect(suite.receivers.paused.requests.map((request) => JSON.parse(request.body).type)).toEqual(['hold.placed', 'hold.released']));

    // Turned off again and deleted: what waited for it is cancelled, not left dead with steps no one can take.
    expect((await suite.notifier.call('PATCH', `/v1/subscriptions/${id}`, { enabled: false })).status).toBe(200);
    const later = holdPlaced(['MK']);
    await suite.publisher.publish(later);
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}&status=dead`)).toHaveLength(1));
    expect((await suite.notifier.call('DELETE', `/v1/subscriptions/${id}`)).status).toBe(204);
    expect(await suite.notifier.deliveries(`subscriptionId=${id}&eventId=${later.id}`)).toMatchObject([{ status: 'cancelled', lastError: `not sent: subscription ${id} was deleted` }]);
  });

  it("cancels a delivery waiting to be tried again when its subscription is deleted, saying so rather than the receiver's last failure", async () => {
    suite.receivers.failingDeleted.reply = () => ({ status: 500, body: 'boom' });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.failingDeleted.url, filters: { regions: ['AL'] } });
    await suite.publisher.publish(holdPlaced(['AL']));
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ status: 'pending', attempts: 1 }]));
    expect((await suite.notifier.call('DELETE', `/v1/subscriptions/${id}`)).status).toBe(204);
    const [cancelled] = await suite.notifier.deliveries(`subscriptionId=${id}`);
    expect(cancelled).toMatchObject({ status: 'cancelled', lastError: `not sent: subscription ${id} was deleted` });
    // The receiver's failure stays on its attempt.
    expect(cancelled.attemptLog).toMatchObject([{ statusCode: 500, error: 'webhook receiver answered 500: boom' }]);
  });

  it('marks dead unsent what waited behind the delivery a receiver answered 410 Gone, and sends both in their order once turned on', async () => {
    suite.receivers.goneFirst.reply = () => 'hold';
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.goneFirst.url, filters: { regions: ['NZ'] } });
    const placed = holdPlaced(['NZ']);
    // One hold's events go out in order: its release waits, unsent, while its placement is in flight.
    await suite.publisher.publish(placed, holdReleased(placed));
    await expectEventually(async () => expect((await suite.notifier.deliveries(`subscriptionId=${id}&status=pending`)).map((delivery) => delivery.eventType)).toEqual(['hold.released']));
    await expectEventually(() => expect(suite.receivers.goneFirst.heldCount).toBe(1));
    suite.receivers.goneFirst.releaseHeld(410);

    await expectEventually(async () => expect((await suite.notifier.deliveries(`subscriptionId=${id}&status=dead`)).map((delivery) => delivery.eventType).sort()).toEqual(['hold.placed', 'hold.released']));
    const unsent = (await suite.notifier.deliveries(`subscriptionId=${id}`)).find((delivery) => delivery.eventType === 'hold.released');
    expect(unsent).toMatchObject({ attempts: 0, lastError: 'not sent: the subscription was turned off when its receiver answered 410 Gone' });

    suite.receivers.goneFirst.reply = () => ({ status: 204 });
    expect((await suite.notifier.call('PATCH', `/v1/subscriptions/${id}`, { enabled: true })).status).toBe(200);
    await expectEventually(() => expect(suite.receivers.goneFirst.requests.slice(1).map((request) => JSON.parse(request.body).type)).toEqual(['hold.placed', 'hold.released']));
  });

  it("lets a team key replay its own team's dead deliveries, and no other team's", async () => {
    suite.receivers.edgeRefusing.reply = () => ({ status: 400 });
    suite.receivers.storageRefusing.reply = () => ({ status: 400 });
    const edge = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.edgeRefusing.url, filters: { regions: ['LK'] }, ownerTeam: 'edge' });
    const storage = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.storageRefusing.url, filters: { regions: ['LK'] }, ownerTeam: 'storage' });
    await suite.publisher.publish(holdPlaced(['LK']));
    for (const { id } of [edge, storage]) await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}&status=dead`)).toHaveLength(1));

    // An edge key with the scope a team has for its subscriptions, as the planner would have issued it.
    const key = generateApiKey();
    const admin = new pg.Client({ connectionString: suite.database.url });
    await admin.connect();
    try {
      await admin.query("INSERT INTO notifier.api_key_copy (key_id, prefix, hash, team, scopes, created_at) VALUES ($1, $2, $3, 'edge', '{read,subscriptions:write}', now())", [key.keyId, key.prefix, key.hash]);
    } finally {
      await admin.end();
    }
    const asEdge = (path: string, body: object = {}) =>
      fetch(`${suite.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key.key}` }, body: JSON.stringify(body) });
    const [storageDelivery] = await suite.notifier.deliveries(`subscriptionId=${storage.id}`);
    const [edgeDelivery] = await suite.notifier.deliveries(`subscriptionId=${edge.id}`);
    expect(await (await asEdge(`/v1/deliveries/${storageDelivery.id}/replay`)).json()).toMatchObject({ status: 403, code: 'other-team', ownerTeam: 'storage' });
    // In bulk as one by one: another team's subscription, or its deliveries among the ids, are refused, not skipped in silence.
    const otherSubscription = await asEdge('/v1/deliveries/replay', { subscriptionId: storage.id });
    expect(otherSubscription.status).toBe(403);
    expect(await otherSubscription.json()).toMatchObject({ code: 'other-team', ownerTeam: 'storage', detail: expect.stringContaining(`Subscription ${storage.id} belongs to team storage`) });
    const noSubscription = uuidv7();
    const unknownSubscription = await asEdge('/v1/deliveries/replay', { subscriptionId: noSubscription });
    expect(unknownSubscription.status).toBe(404);
    expect(await unknownSubscription.json()).toMatchObject({ code: 'subscription-not-found', detail: expect.stringContaining(noSubscription) });
    const otherDeliveries = await asEdge('/v1/deliveries/replay', { ids: [edgeDelivery.id, storageDelivery.id] });
    expect(otherDeliveries.status).toBe(403);
    expect(await otherDeliveries.json()).toMatchObject({ code: 'other-team', deliveryIds: [storageDelivery.id], ownerTeams: ['storage'], detail: expect.stringContaining(storageDelivery.id) });
    // Refused whole: the team's own delivery named with it waits for a replay that leaves the other out.
    expect(await suite.notifier.deliveries(`subscriptionId=${edge.id}`)).toMatchObject([{ id: edgeDelivery.id, status: 'dead' }]);
    const everyDead = await asEdge('/v1/deliveries/replay');
    expect(everyDead.status).toBe(202);
    expect(await everyDead.json()).toEqual({ replayed: 1 });
    await expectEventually(() => expect(suite.receivers.edgeRefusing.requests).toHaveLength(2));
    expect(await suite.notifier.deliveries(`subscriptionId=${storage.id}&status=dead`)).toHaveLength(1);
    expect(suite.receivers.storageRefusing.requests).toHaveLength(1);
  });

  it('refuses a bulk replay of delivered deliveries that names no subscription, and sends again those of the one named', async () => {
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.redelivered.url, filters: { regions: ['MV'] } });
    await suite.publisher.publish(holdPlaced(['MV']));
    const [delivered] = await expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`subscriptionId=${id}&status=delivered`);
      expect(deliveries).toHaveLength(1);
      return deliveries;
    });

    // Every delivered delivery of the key's team (an admin key's: of every team) would reach each receiver again.
    for (const body of [{ status: 'delivered' }, { status: 'delivered', ids: [delivered.id] }]) {
      const refused = await suite.notifier.call('POST', '/v1/deliveries/replay', body);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({
        code: 'invalid-body',
        errors: [{ path: 'subscriptionId', message: expect.stringContaining('is needed to replay delivered deliveries: name the subscription') }],
      });
    }
    expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ id: delivered.id, status: 'delivered', attempts: 1 }]);

    expect(await (await suite.notifier.call('POST', '/v1/deliveries/replay', { subscriptionId: id, status: 'delivered' })).json()).toEqual({ replayed: 1 });
    await expectEventually(() => expect(suite.receivers.redelivered.requests).toHaveLength(2));
  });

  it('cancels, not kills, what was not yet sent when its subscription is deleted, and refuses to replay any of its deliveries with 409', async () => {
    suite.receivers.deleted.reply = () => 'hold';
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.deleted.url, filters: { regions: ['IS'] } });
    const placed = holdPlaced(['IS']);
    await suite.publisher.publish(placed, holdReleased(placed));
    await expectEventually(() => expect(suite.receivers.deleted.heldCount).toBe(1));
    await expectEventually(async () => expect((await suite.notifier.deliveries(`subscriptionId=${id}&status=pending`)).map((delivery) => delivery.eventType)).toEqual(['hold.released']));

    // The deletion commits (the release is cancelled), then answers only once the placement being sent is finished.
    const deleting = suite.notifier.call('DELETE', `/v1/subscriptions/${id}`);
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}&status=pending`)).toEqual([]));
    suite.receivers.deleted.releaseHeld(204);
    expect((await deleting).status).toBe(204);
    await expectEventually(async () =>
      expect(Object.fromEntries((await suite.notifier.deliveries(`subscriptionId=${id}`)).map((delivery) => [delivery.eventType, delivery.status]))).toEqual({ 'hold.placed': 'delivered', 'hold.released': 'cancelled' }),
    );
    // Nothing dead: no replay is owed, and the dead-deliveries alert stays quiet.
    expect(await suite.notifier.deliveries(`subscriptionId=${id}&status=dead`)).toEqual([]);

    // Its delivered placement cannot be sent again: said, not accepted and dropped.
    const delivered = (await suite.notifier.deliveries(`subscriptionId=${id}&status=delivered`))[0];
    const refused = await suite.notifier.call('POST', `/v1/deliveries/${delivered.id}/replay`);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: 'delivery-subscription-deleted',
      subscriptionId: id,
      detail: expect.stringMatching(new RegExp(`^Delivery ${delivered.id} cannot be sent again: its subscription ${id} was deleted at `)),
    });
    expect(await suite.notifier.deliveries(`subscriptionId=${id}&status=delivered`)).toMatchObject([{ id: delivered.id }]);
    const document = (await (await suite.notifier.call('GET', '/docs-json')).json()) as { paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>> };
    expect(document.paths['/v1/deliveries/{id}/replay'].post.responses['409'].description).toContain('delivery-subscription-deleted');

    // In bulk, a subscription deleted or never made is not found, as GET /v1/subscriptions/{id} says: not 202 {"replayed": 0}.
    for (const subscriptionId of [id, uuidv7()]) {
      const unknown = await suite.notifier.call('POST', '/v1/deliveries/replay', { subscriptionId });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ code: 'subscription-not-found', detail: `No subscription ${subscriptionId}: GET /v1/subscriptions lists them.` });
      expect((await suite.notifier.call('GET', `/v1/subscriptions/${subscriptionId}`)).status).toBe(404);
    }
    expect(document.paths['/v1/deliveries/replay'].post.responses['404'].description).toContain('subscription-not-found');
    // ids naming no delivery are still skipped, uncounted: the by-ids form documents no refusal for them.
    expect(await (await suite.notifier.call('POST', '/v1/deliveries/replay', { ids: [uuidv7()] })).json()).toEqual({ replayed: 0 });
  });

  it('refuses with 409 to replay a delivery of, or test, a subscription turned off, and replays it once it is on again', async () => {
    suite.receivers.turnedOff.reply = (_, index) => (index === 0 ? { status: 400 } : { status: 204 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.turnedOff.url, filters: { regions: ['MT'] } });
    await suite.publisher.publish(holdPlaced(['MT']));
    const [dead] = await expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`subscriptionId=${id}&status=dead`);
      expect(deliveries).toHaveLength(1);
      return deliveries;
    });
    // Counted as waiting for someone while the subscription is on; not once it is turned off by hand, on purpose.
    const deadGauge = async () => Number(/holdfast_notifier_dead_deliveries\{[^}]*\} (\d+)/.exec(await (await suite.notifier.call('GET', '/metrics')).text())?.[1] ?? -1);
    // Earlier specs leave dead deliveries and the gauge is refreshed every 5 s, so a gauge above 0 may not count this one
    // yet: wait until it counts every dead delivery the API shows waiting for a replay, this spec's among them.
    const waitingForReplay = async () => {
      const subscriptions = (await everyPage<{ id: string; enabled: boolean; disabledReason: string | null }>((cursor) => suite.notifier.call('GET', `/v1/subscriptions?limit=1000${cursor ? `&cursor=${cursor}` : ''}`))).flat();
      const counting = new Set(subscriptions.filter((subscription) => subscription.enabled || subscription.disabledReason !== null).map((subscription) => subscription.id));
      const deadOnes = (await everyPage<DeliveryView>((cursor) => suite.notifier.call('GET', `/v1/deliveries?status=dead&limit=1000${cursor ? `&cursor=${cursor}` : ''}`))).flat();
      return deadOnes.filter((delivery) => counting.has(delivery.subscriptionId));
    };
    const counted = await expectEventually(async () => {
      const waiting = await waitingForReplay();
      expect(waiting.map((delivery) => delivery.id)).toContain(dead.id);
      expect(await deadGauge()).toBe(waiting.length);
      return waiting.length;
    });
    expect((await suite.notifier.call('PATCH', `/v1/subscriptions/${id}`, { enabled: false })).status).toBe(200);
    await expectEventually(async () => expect(await deadGauge()).toBe(counted - 1));
    // Nor a test message, which would be recorded dead at once.
    const test = await suite.notifier.call('POST', `/v1/subscriptions/${id}/test`);
    expect(test.status).toBe(409);
    expect(await test.json()).toMatchObject({
      code: 'subscription-disabled',
      detail: `Subscription ${id} is turned off, so nothing is sent to it, a test included. PATCH /v1/subscriptions/${id} {"enabled": true}, then test it.`,
    });

    const refused = await suite.notifier.call('POST', `/v1/deliveries/${dead.id}/replay`);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: 'delivery-subscription-disabled',
      subscriptionId: id,
      detail: `Delivery ${dead.id} cannot be sent now: its subscription ${id} is turned off. PATCH /v1/subscriptions/${id} {"enabled": true}, then replay it.`,
    });
    // Nor in bulk: no count promising a send that never comes, and the delivery is left as it was.
    expect(await (await suite.notifier.call('POST', '/v1/deliveries/replay', { subscriptionId: id })).json()).toEqual({ replayed: 0 });
    expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ id: dead.id, status: 'dead', attempts: 1 }]);

    expect((await suite.notifier.call('PATCH', `/v1/subscriptions/${id}`, { enabled: true })).status).toBe(200);
    await expectEventually(async () => expect(await deadGauge()).toBe(counted));
    expect((await suite.notifier.call('POST', `/v1/deliveries/${dead.id}/replay`)).status).toBe(202);
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ id: dead.id, status: 'delivered' }]));
  });

  it('sends nothing more to a subscription deleted, or turned off, while a delivery to it was in flight and failed', async () => {
    const subscription = (id: string) => suite.notifier.call('GET', `/v1/subscriptions/${id}`);
    const cases = [
      {
        receiver: suite.receivers.deletedInFlight,
        region: 'IM',
        stop: (id: string) => suite.notifier.call('DELETE', `/v1/subscriptions/${id}`),
        stopped: async (id: string) => expect((await subscription(id)).status).toBe(404),
        settled: 'cancelled',
        error: 'was deleted',
      },
      {
        receiver: suite.receivers.offInFlight,
        region: 'JE',
        stop: (id: string) => suite.notifier.call('PATCH', `/v1/subscriptions/${id}`, { enabled: false }),
        stopped: async (id: string) => expect(await (await subscription(id)).json()).toMatchObject({ enabled: false }),
        settled: 'dead',
        error: 'is turned off',
      },
    ];
    for (const { receiver, region, stop, stopped, settled, error } of cases) {
      receiver.reply = () => 'hold';
      const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: receiver.url, filters: { regions: [region] } });
      await suite.publisher.publish(holdPlaced([region]));
      await expectEventually(() => expect(receiver.heldCount).toBe(1));
      // The change commits, then answers once the attempt in flight is finished: the receiver still holds it.
      let answered = false;
      const answer = stop(id).finally(() => (answered = true));
      await expectEventually(() => stopped(id), { message: 'the change committed while the attempt is in flight' });
      expect(answered).toBe(false);
      // The attempt in flight fails in a way worth retrying; its retry comes due at once.
      receiver.releaseHeld(503);
      expect([200, 204]).toContain((await answer).status);
      const [retry] = await expectEventually(async () => {
        const deliveries = await suite.notifier.deliveries(`subscriptionId=${id}`);
        expect(deliveries).toMatchObject([{ status: 'pending', attempts: 1 }]);
        return deliveries;
      });
      await attemptsSettled(suite.notifier, clock);
      clock.set(retry.nextAttemptAt);
      await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ status: settled, attempts: 1, lastError: expect.stringContaining(error) }]));
      expect(receiver.requests).toHaveLength(1);
    }
  });

  it('does not let a slow receiver delay another', async () => {
    suite.receivers.slow.reply = () => 'hold';
    await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.slow.url, filters: { regions: ['JP'] } });
    await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.fast.url, filters: { regions: ['JP'] } });
    const holds = Array.from({ length: 8 }, () => holdPlaced(['JP']));
    await suite.publisher.publish(...holds);

    await expectEventually(() => expect(suite.receivers.fast.requests).toHaveLength(8));
    // The slow receiver has its per-target share in hand and answers none of it.
    expect(suite.receivers.slow.heldCount).toBeGreaterThan(0);
    expect(suite.receivers.slow.heldCount).toBeLessThanOrEqual(4);
    suite.receivers.slow.reply = () => ({ status: 200 });
    suite.receivers.slow.releaseHeld();
    await expectEventually(() => expect(new Set(suite.receivers.slow.requests.map((request) => request.headers['webhook-id'])).size).toBe(8));
  });

  it('keeps per-window order: a release waits until its placement is delivered', async () => {
    suite.receivers.ordered.reply = (_, index) => (index === 0 ? { status: 503 } : { status: 200 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.ordered.url, filters: { regions: ['BR'] } });
    const placed = holdPlaced(['BR']);
    await suite.publisher.publish(placed, holdReleased(placed));
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}&status=pending`)).toMatchObject([{ eventType: 'hold.released', attempts: 0 }, { eventType: 'hold.placed', attempts: 1 }]));
    expect(suite.receivers.ordered.requests).toHaveLength(1);

    await attemptsSettled(suite.notifier, clock);
    clock.advance(10 * 60_000);
    await expectEventually(() => expect(suite.receivers.ordered.requests).toHaveLength(3));
    expect(suite.receivers.ordered.requests.map((request) => JSON.parse(request.body).type)).toEqual(['hold.placed', 'hold.placed', 'hold.released']);
  });

  it('matches window events on owner team and region: only the owning team hears of its window', async () => {
    await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.core.url, filters: { teams: ['core'], regions: ['MX'] } });
    await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.edge.url, filters: { teams: ['edge'], regions: ['MX'] } });
    const windowId = uuidv7();
    const window = { ...EventExamples['window.scheduled'], windowId, ownerTeam: 'core', footprint: { global: false, regions: ['MX'] } };
    const holdId = uuidv7();
    const held = createEvent('window.held', { ...window, status: 'held', holdId }, { source: 'notifier-spec' });
    const released = createEvent('window.released', { ...window, status: 'scheduled', holdId }, { source: 'notifier-spec' });
    await suite.publisher.publish(held, released);

    await expectEventually(() => expect(suite.receivers.core.requests.map((request) => JSON.parse(request.body).type)).toEqual(['window.held', 'window.released']));
    expect(suite.receivers.edge.requests).toHaveLength(0);
  });

  it('refuses a redirect to a loopback address the allow-list does not name, for good', async () => {
    const forbidden = await HttpReceiver.start();
    suite.receivers.redirecting.reply = () => ({ status: 307, headers: { location: `${forbidden.url}/internal` } });
    try {
      const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.redirecting.url, filters: { regions: ['CA'] } });
      await suite.publisher.publish(holdPlaced(['CA']));
      await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}&status=dead`)).toHaveLength(1));
      const [dead] = await suite.notifier.deliveries(`subscriptionId=${id}`);
      expect(dead.lastError).toMatch(/refused 127\.0\.0\.1:\d+: 127\.0\.0\.1 is a loopback address/);
      expect(forbidden.requests).toHaveLength(0);
    } finally {
      await forbidden.close();
    }
  });

  it('pages through deliveries newest first, each once, by following nextCursor; a cursor it did not give out is a 400', async () => {
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.paged.url, filters: { regions: ['PT'] } });
    await suite.publisher.publish(...Array.from({ length: 5 }, () => holdPlaced(['PT'])));
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toHaveLength(5));

    const pages = await everyPage<DeliveryView>((cursor) => suite.notifier.call('GET', `/v1/deliveries?subscriptionId=${id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`));
    const paged = pages.flat();
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(new Set(paged.map((delivery) => delivery.id)).size).toBe(5);
    // Newest recorded first: seq, the recording order, falls strictly from one to the next.
    const seqs = paged.map((delivery) => BigInt(delivery.seq));
    expect(seqs.every((seq, index) => index === 0 || seq < seqs[index - 1])).toBe(true);
    expect(paged.map((delivery) => delivery.id)).toEqual((await suite.notifier.deliveries(`subscriptionId=${id}`)).map((delivery) => delivery.id));

    const forged = await suite.notifier.call('GET', '/v1/deliveries?cursor=bm90LWEtY3Vyc29y');
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ code: 'invalid-cursor', errors: [{ path: 'cursor' }] });
  });
});
