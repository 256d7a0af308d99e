import { createEvent } from '@holdfast/contracts';
import type { EventPublisher } from '@holdfast/messaging';
import { basicAuthorization, expectEventually, ManualClock, startAlertmanager, startServiceUnderTest, type LoopbackDaemon, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HoldAlertRefresher } from '../src/channels/alertmanager/hold-alert-refresher';
import { notifierService } from '../src/app.module';
import { holdAlertsIn } from './support/hold-alerts';
import { HttpReceiver } from './support/http-receiver';
import { api, attemptsSettled, connectPublisher, holdPlaced, holdReleased, NOTIFIER_USER_AGENT } from './support/notifier-fixtures';

// Alertmanager's web.config keeps a bcrypt hash; this one is of PASSWORD (made once with Python's crypt, METHOD_BLOWFISH).
const GUARDED = { user: 'holdfast', password: 'holdfast-spec-password', bcryptHash: '$2b$10$4prh/kignlKZZbBuKV5HIOwOukxmbhBty/hQiFiKKS1YrN5xjDhvG' };
const ROUTE_NOWHERE = 'route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n';

describe('notifier Alertmanager channel, against a real Alertmanager', () => {
  // Alertmanager judges expiry by its own clock, so this clock starts at the real time and is moved from there.
  const clock = new ManualClock(new Date());
  let alertmanager: LoopbackDaemon;
  // Another behind basic auth, as many are (web.config basic_auth_users, or a reverse proxy).
  let guarded: LoopbackDaemon;
  // Stands in for an Alertmanager that is down or refusing, until a subscription is pointed at the real one.
  let unready: HttpReceiver;
  let service: ServiceUnderTest<ReturnType<typeof notifierService.configFromEnvironment>>;
  let publisher: EventPublisher;

  const alertsOf = (holdId: string, from = alertmanager, headers?: Record<string, string>) => holdAlertsIn(from.url, holdId, headers);

  beforeAll(async () => {
    [alertmanager, guarded, unready] = await Promise.all([startAlertmanager(ROUTE_NOWHERE), startAlertmanager(ROUTE_NOWHERE, GUARDED), HttpReceiver.start()]);
    service = await startServiceUnderTest(notifierService, {
      clock,
      environment: { NOTIFIER_OUTBOUND_ALLOW: `127.0.0.1:${alertmanager.port},127.0.0.1:${guarded.port},${unready.allowEntry}`, NOTIFIER_WORKER_POLL_MS: '50', NOTIFIER_ALERT_TTL_MS: '600000' },
    });
    publisher = await connectPublisher(service.config.kafka);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
    await alertmanager?.stop();
    await guarded?.stop();
    await unready?.close();
  });

  it('fires MaintenanceHold per region and window while the hold lasts, re-posts it before it expires, and resolves it on release', async () => {
    const notifier = api(service);
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: alertmanager.url, filters: { regions: ['IR', 'NP'] } });
    const from = new Date(clock.nowMs() - 60_000).toISOString();
    const hold = holdPlaced(['IR', 'NP'], { from, placedAt: from });
    const [windowId] = hold.data.windowIds;
    await publisher.publish(hold);

    await expectEventually(async () => expect(await alertsOf(hold.data.holdId)).toHaveLength(2));
    const firing = await alertsOf(hold.data.holdId);
    expect(firing.map((alert) => alert.labels).sort((a, b) => a.region.localeCompare(b.region))).toEqual([
      { alertname: 'MaintenanceHold', region: 'IR', window: windowId, hold: hold.data.holdId },
      { alertname: 'MaintenanceHold', region: 'NP', window: windowId, hold: hold.data.holdId },
    ]);
    expect(firing.every((alert) => alert.status.state === 'active' && alert.annotations.summary === 'Maintenance held in IR, NP')).toBe(true);
    const firstEnd = Math.min(...firing.map((alert) => Date.parse(alert.endsAt)));
    expect(firstEnd - clock.nowMs()).toBeGreaterThan(9 * 60_000);

    // Recorded as delivered once the alerts are posted and remembered for re-posting.
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ status: 'delivered' }]));
    // A third of the TTL later the refresher posts it again with a later end.
    const refresher = service.app.get(HoldAlertRefresher);
    expect(await refresher.refreshDue()).toBe(0);
    await attemptsSettled(notifier, clock);
    clock.advance(200_001);
    expect(await refresher.refreshDue()).toBe(1);
    await expectEventually(async () => expect(Math.min(...(await alertsOf(hold.data.holdId)).map((alert) => Date.parse(alert.endsAt)))).toBeGreaterThan(firstEnd));

    // Released as of Alertmanager's now (the test clock ran ahead to reach the refresh).
    await publisher.publish(holdReleased(hold, new Date(Date.now() - 1_000).toISOString()));
    await expectEventually(async () => expect(await alertsOf(hold.data.holdId)).toEqual([]));
    expect(await refresher.refreshDue()).toBe(0);
  });

  it("links each window's alert to that window's page, not every alert to the first window's", async () => {
    const notifier = api(service);
    await notifier.subscribe({ channel: 'alertmanager', target: alertmanager.url, filters: { regions: ['TG'] } });
    // Of Alertmanager's own clock: the release below ends the alerts as of its now.
    const from = new Date(Date.now() - 60_000).toISOString();
    const hold = holdPlaced(['TG'], { from, placedAt: from, windowIds: [uuidv7(), uuidv7()] });
    await publisher.publish(hold);
    await expectEventually(async () => expect(await alertsOf(hold.data.holdId)).toHaveLength(2));
    for (const alert of await alertsOf(hold.data.holdId)) {
      expect(alert.generatorURL).toMatch(new RegExp(`^http://[^/]+/calendar\\?window=${alert.labels.window}$`));
      expect(alert.annotations.explanation).toBe(alert.generatorURL);
    }
    await publisher.publish(holdReleased(hold, new Date(Date.now() - 1_000).toISOString()));
    await expectEventually(async () => expect(await alertsOf(hold.data.holdId)).toEqual([]));
  });

  it('keeps refreshing, and resolves on release, the alerts of windows an extension of the hold does not list again', async () => {
    const notifier = api(service);
    await notifier.subscribe({ channel: 'alertmanager', target: alertmanager.url, filters: { regions: ['KE'] } });
    // Alertmanager's own time: the test clock may have run ahead of it.
    const from = new Date(Date.now() - 60_000).toISOString();
    const hold = holdPlaced(['KE'], { from, placedAt: from });
    await publisher.publish(hold);
    await expectEventually(async () => expect(await alertsOf(hold.data.holdId)).toHaveLength(1));
    // Extended: its event lists the window it now also holds, not the first one again.
    const extension = createEvent('hold.placed', { ...hold.data, until: new Date(Date.now() + 3_600_000).toISOString(), extended: true, windowIds: [uuidv7()] }, { source: 'notifier-spec' });
    await publisher.publish(extension);
    await expectEventually(async () => expect(await alertsOf(hold.data.holdId)).toHaveLength(2));

    await publisher.publish(holdReleased(hold, new Date(Date.now() - 1_000).toISOString()));
    await expectEventually(async () => expect(await alertsOf(hold.data.holdId)).toEqual([]));
  });

  it("posts a hold placed ahead of its period with its alerts' end past their start, which Alertmanager takes, and ends them at that start when released before it", async () => {
    const notifier = api(service);
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: alertmanager.url, filters: { regions: ['GH'] } });
    const from = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const hold = holdPlaced(['GH'], { from, until: new Date(Date.parse(from) + 86_400_000).toISOString(), placedAt: new Date().toISOString() });
    await publisher.publish(hold);
    // An endsAt a TTL from now, two days before its startsAt, was refused by Alertmanager, and retried until it died.
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventType: 'hold.placed', status: 'delivered' }]));
    await publisher.publish(holdReleased(hold, new Date().toISOString()));
    await expectEventually(async () => expect((await notifier.deliveries(`subscriptionId=${id}`)).map((delivery) => delivery.status)).toEqual(['delivered', 'delivered']));
  });

  it('reaches an Alertmanager behind basic auth with "Basic <base64 of user:password>" as the secret', async () => {
    const notifier = api(service);
    expect((await fetch(`${guarded.url}/api/v2/alerts`)).status).toBe(401);
    const authorization = basicAuthorization(GUARDED);
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: guarded.url, secret: authorization, filters: { regions: ['BD'] } });
    const from = new Date(clock.nowMs() - 60_000).toISOString();
    const hold = holdPlaced(['BD'], { from, placedAt: from });
    await publisher.publish(hold);
    await expectEventually(async () => expect((await alertsOf(hold.data.holdId, guarded, { authorization })).map((alert) => alert.labels.region)).toEqual(['BD']));
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ status: 'delivered' }]));
  });

  it("resolves a hold's alerts on release though the subscription's filter names only hold.placed", async () => {
    const notifier = api(service);
    await notifier.subscribe({ channel: 'alertmanager', target: alertmanager.url, filters: { regions: ['KE'], eventTypes: ['hold.placed'] } });
    // Alertmanager's own now, which the test clock may have run ahead of.
    const from = new Date(Date.now() - 60_000).toISOString();
    const hold = holdPlaced(['KE'], { from, placedAt: from });
    await publisher.publish(hold);
    await expectEventually(async () => expect((await alertsOf(hold.data.holdId)).map((alert) => alert.labels.region)).toEqual(['KE']));

    await publisher.publish(holdReleased(hold, new Date(Date.now() - 1_000).toISOString()));
    await expectEventually(async () => expect(await alertsOf(hold.data.holdId)).toEqual([]));
  });

  it('ends, not fires, the alerts of a hold placed only after its release was consumed, though its filter leaves the release out', async () => {
    const notifier = api(service);
    unready.reply = (request) => (request.path === '/api/v2/alerts' ? { status: 503 } : { status: 204 });
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: unready.url, filters: { regions: ['GH'], eventTypes: ['hold.placed'] } });
    // Says when the release has been consumed.
    const witness = await notifier.subscribe({ channel: 'webhook', target: `${unready.url}/witness`, filters: { regions: ['GH'], eventTypes: ['hold.released'] } });
    const from = new Date(Date.now() - 60_000).toISOString();
    const hold = holdPlaced(['GH'], { from, placedAt: from });
    await publisher.publish(hold);
    const [retrying] = await expectEventually(async () => {
      const deliveries = await notifier.deliveries(`subscriptionId=${id}`);
      expect(deliveries).toMatchObject([{ status: 'pending', attempts: 1 }]);
      return deliveries;
    });

    await publisher.publish(holdReleased(hold, new Date(Date.now() - 1_000).toISOString()));
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${witness.id}`)).toHaveLength(1));
    // No active alerts then, and a filter without hold.released: the release is not this subscription's.
    expect(await notifier.deliveries(`subscriptionId=${id}`)).toHaveLength(1);

    // Alertmanager is back, and the placement's retry is sent after its release.
    expect((await notifier.call('PATCH', `/v1/subscriptions/${id}`, { target: alertmanager.url })).status).toBe(200);
    // The witness's release may still be in flight.
    await attemptsSettled(notifier, clock);
    clock.set(retrying.nextAttemptAt);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ status: 'delivered' }]));
    expect(await alertsOf(hold.data.holdId)).toEqual([]);
    await attemptsSettled(notifier, clock);
    clock.advance(200_001);
    await service.app.get(HoldAlertRefresher).refreshDue();
    expect(await alertsOf(hold.data.holdId)).toEqual([]);
  });

  it('ends, not revives, the alerts of a hold whose dead placement is replayed after its release was sent', async () => {
    const notifier = api(service);
    unready.reply = () => ({ status: 400, body: 'bad request' });
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: unready.url, filters: { regions: ['ZA'] } });
    const from = new Date(Date.now() - 60_000).toISOString();
    const hold = holdPlaced(['ZA'], { from, placedAt: from });
    await publisher.publish(hold);
    const [dead] = await expectEventually(async () => {
      const deliveries = await notifier.deliveries(`subscriptionId=${id}`);
      expect(deliveries).toMatchObject([{ eventType: 'hold.placed', status: 'dead' }]);
      return deliveries;
    });

    // For up to a second the worker may still send to the old target: answered 503, the release is retried at the new one.
    unready.reply = () => ({ status: 503 });
    expect((await notifier.call('PATCH', `/v1/subscriptions/${id}`, { target: alertmanager.url })).status).toBe(200);
    await publisher.publish(holdReleased(hold, new Date(Date.now() - 1_000).toISOString()));
    // Time moves on only while the release waits for its retry: moved past an attempt's lease while it is in flight, the
    // delivery is taken again and that attempt recorded as interrupted.
    await expectEventually(async () => {
      const release = (await notifier.deliveries(`subscriptionId=${id}`)).find((delivery) => delivery.eventType === 'hold.released');
      if (release?.status === 'pending' && Date.parse(release.nextAttemptAt) > clock.nowMs()) clock.advance(60_000);
      expect(await notifier.deliveries(`subscriptionId=${id}&status=delivered`)).toMatchObject([{ eventType: 'hold.released' }]);
    });

    expect((await notifier.call('POST', `/v1/deliveries/${dead.id}/replay`)).status).toBe(202);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}&status=delivered`)).toHaveLength(2));
    expect(await alertsOf(hold.data.holdId)).toEqual([]);
    await attemptsSettled(notifier, clock);
    clock.advance(200_001);
    await service.app.get(HoldAlertRefresher).refreshDue();
    expect(await alertsOf(hold.data.holdId)).toEqual([]);
  });

  it("fires at the refresher's next run a hold in force whose placement died while Alertmanager was away, marks that placement superseded, and keeps re-posting it; never a hold released meanwhile", async () => {
    const notifier = api(service);
    // Alertmanager refusing: each placement dies at its first attempt (as one down dies after its last).
    unready.reply = () => ({ status: 400, body: 'bad request' });
    // Placements only: nothing but the recorded release can tell the refresher that the second hold is over.
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: unready.url, filters: { regions: ['JP'], eventTypes: ['hold.placed'] } });
    const from = new Date(Date.now() - 60_000).toISOString();
    const [inForce, released] = [holdPlaced(['JP'], { from, placedAt: from }), holdPlaced(['JP'], { from, placedAt: from })];
    await publisher.publish(inForce, released);
    await expectEventually(async () => expect((await notifier.deliveries(`subscriptionId=${id}`)).map((delivery) => delivery.status)).toEqual(['dead', 'dead']));
    expect(unready.requests.filter((request) => request.path === '/api/v2/alerts').at(-1)?.headers['user-agent']).toBe(NOTIFIER_USER_AGENT);
    await publisher.publish(holdReleased(released, new Date(Date.now() - 1_000).toISOString()));
    const database = service.app.get(DataSource);
    await expectEventually(async () => expect(await database.query('SELECT 1 FROM hold_release WHERE hold_id = $1', [released.data.holdId])).toHaveLength(1));

    // Alertmanager is back: nobody replays the dead placements.
    expect((await notifier.call('PATCH', `/v1/subscriptions/${id}`, { target: alertmanager.url })).status).toBe(200);
    const refresher = service.app.get(HoldAlertRefresher);
    await refresher.refreshDue();
    const [firing] = await alertsOf(inForce.data.holdId);
    expect(firing).toMatchObject({ labels: { alertname: 'MaintenanceHold', region: 'JP', hold: inForce.data.holdId, window: inForce.data.windowIds[0] }, status: { state: 'active' } });
    expect(Date.parse(firing.endsAt)).toBe(clock.nowMs() + 600_000);
    expect(await alertsOf(released.data.holdId)).toEqual([]);

    // Its alerts are firing: nothing is left to replay, so it no longer counts among the dead; the released hold's stays dead.
    const deliveries = await notifier.deliveries(`subscriptionId=${id}`);
    expect(deliveries.find((delivery) => delivery.eventId === inForce.id)).toMatchObject({
      status: 'cancelled',
      lastError: `superseded by the alert refresh: hold ${inForce.data.holdId}'s alerts were posted at ${clock.now().toISOString()} and are re-posted while the hold lasts, so there is nothing to replay (the attempts say why this delivery died)`,
      attemptLog: [{ outcome: 'dead', statusCode: 400 }],
    });
    expect(deliveries.find((delivery) => delivery.eventId === released.id)).toMatchObject({ status: 'dead' });
    expect((await notifier.call('POST', `/v1/deliveries/${deliveries.find((delivery) => delivery.eventId === inForce.id)?.id}/replay`)).status).toBe(409);

    await attemptsSettled(notifier, clock);
    clock.advance(200_001);
    await refresher.refreshDue();
    expect((await alertsOf(inForce.data.holdId)).map((alert) => Date.parse(alert.endsAt))).toEqual([clock.nowMs() + 600_000]);
    expect(await alertsOf(released.data.holdId)).toEqual([]);
  });

  it("joins to a hold's firing alerts, at the refresher's next run, those of its extension whose delivery died", async () => {
    const notifier = api(service);
    unready.reply = () => ({ status: 200 });
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: unready.url, filters: { regions: ['LK'] } });
    const from = new Date(Date.now() - 60_000).toISOString();
    const hold = holdPlaced(['LK'], { from, placedAt: from });
    await publisher.publish(hold);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ status: 'delivered' }]));
    unready.reply = () => ({ status: 400, body: 'bad request' });
    const extension = createEvent('hold.placed', { ...hold.data, until: new Date(Date.now() + 3_600_000).toISOString(), extended: true, windowIds: [uuidv7()] }, { source: 'notifier-spec' });
    await publisher.publish(extension);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}&status=dead`)).toMatchObject([{ eventId: extension.id }]));

    unready.reply = () => ({ status: 200 });
    await service.app.get(HoldAlertRefresher).refreshDue();
    const [lastPost] = unready.requests.filter((request) => request.path === '/api/v2/alerts' && request.body.includes(hold.data.holdId)).slice(-1);
    const alerts = JSON.parse(lastPost.body) as { labels: Record<string, string>; endsAt: string }[];
    expect(alerts.map((alert) => alert.labels.window).sort()).toEqual([...hold.data.windowIds, ...extension.data.windowIds].sort());
    expect(alerts.map((alert) => alert.endsAt)).toEqual([new Date(clock.nowMs() + 600_000).toISOString(), new Date(clock.nowMs() + 600_000).toISOString()]);
    expect(await notifier.deliveries(`subscriptionId=${id}&status=dead`)).toEqual([]);
  });

  it('ends at its next refresh, not re-posts, the alerts of a hold released while its placement was being sent', async () => {
    const notifier = api(service);
    let alertPosts = 0;
    unready.reply = (request) => (request.path !== '/api/v2/alerts' ? { status: 204 } : alertPosts++ === 0 ? 'hold' : { status: 200 });
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: unready.url, filters: { regions: ['KH'], eventTypes: ['hold.placed'] } });
    const witness = await notifier.subscribe({ channel: 'webhook', target: `${unready.url}/witness`, filters: { regions: ['KH'], eventTypes: ['hold.released'] } });
    const from = new Date(Date.now() - 60_000).toISOString();
    const hold = holdPlaced(['KH'], { from, placedAt: from });
    await publisher.publish(hold);
    await expectEventually(() => expect(unready.heldCount).toBe(1));

    // Consumed while the placement's post is in flight: no active alerts yet, so not this subscription's.
    const releasedAt = new Date(Date.now() - 1_000).toISOString();
    await publisher.publish(holdReleased(hold, releasedAt));
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${witness.id}`)).toHaveLength(1));
    unready.releaseHeld(200);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ status: 'delivered' }]));

    const posted = () =>
      unready.requests
        .filter((request) => request.path === '/api/v2/alerts')
        .map((request) => JSON.parse(request.body) as { labels: Record<string, string>; endsAt: string }[])
        .filter(([alert]) => alert.labels.hold === hold.data.holdId);
    const refresher = service.app.get(HoldAlertRefresher);
    // The witness's release may still be in flight.
    await attemptsSettled(notifier, clock);
    clock.advance(200_001);
    await refresher.refreshDue();
    expect(posted().map((alerts) => alerts.map((alert) => alert.endsAt))).toEqual([[expect.any(String)], [releasedAt]]);
    clock.advance(200_001);
    await refresher.refreshDue();
    expect(posted()).toHaveLength(2);
  });

  it("lets a turned-off subscription's alerts lapse instead of re-posting them for good", async () => {
    const notifier = api(service);
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: alertmanager.url, filters: { regions: ['UY'] } });
    const from = new Date(clock.nowMs() - 60_000).toISOString();
    const hold = holdPlaced(['UY'], { from, placedAt: from });
    await publisher.publish(hold);
    await expectEventually(async () => expect((await alertsOf(hold.data.holdId)).map((alert) => alert.labels.region)).toEqual(['UY']));
    const [{ endsAt }] = await alertsOf(hold.data.holdId);

    expect((await notifier.call('PATCH', `/v1/subscriptions/${id}`, { enabled: false })).status).toBe(200);
    // Its hold.released will not be recorded for it, so no refresh may keep the alert alive.
    const refresher = service.app.get(HoldAlertRefresher);
    clock.advance(200_001);
    await refresher.refreshDue();
    clock.advance(200_001);
    await refresher.refreshDue();
    expect((await alertsOf(hold.data.holdId)).map((alert) => alert.endsAt)).toEqual([endsAt]);
  });

  it('fires again the alerts of a hold still in force when its subscription is turned off and on again, not those of a hold released meanwhile', async () => {
    const notifier = api(service);
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: alertmanager.url, filters: { regions: ['EC'] } });
    const from = new Date(clock.nowMs() - 60_000).toISOString();
    const [lasting, released] = [holdPlaced(['EC'], { from, placedAt: from }), holdPlaced(['EC'], { from, placedAt: from })];
    await publisher.publish(lasting, released);
    for (const hold of [lasting, released]) await expectEventually(async () => expect(await alertsOf(hold.data.holdId)).toHaveLength(1));
    const [{ endsAt: releasedEndsAt }] = await alertsOf(released.data.holdId);

    expect((await notifier.call('PATCH', `/v1/subscriptions/${id}`, { enabled: false })).status).toBe(200);
    const refresher = service.app.get(HoldAlertRefresher);
    clock.advance(200_001);
    await refresher.refreshDue();
    // Released while the subscription was off: it is not told, and its alerts must not come back.
    await publisher.publish(holdReleased(released, clock.now().toISOString()));
    const database = service.app.get(DataSource);
    await expectEventually(async () => expect(await database.query('SELECT 1 FROM hold_release WHERE hold_id = $1', [released.data.holdId])).toHaveLength(1));

    // Ended by a release before releases were recorded (no hold_release row): it stays ended.
    const endedLongAgo = '01a23f00-0000-7000-8000-0000000000aa';
    await database.query(`INSERT INTO hold_alert (subscription_id, hold_id, alerts, active, refresh_at) SELECT subscription_id, $2, alerts, false, refresh_at FROM hold_alert WHERE hold_id = $1`, [
      lasting.data.holdId,
      endedLongAgo,
    ]);

    expect((await notifier.call('PATCH', `/v1/subscriptions/${id}`, { enabled: true })).status).toBe(200);
    expect(await database.query('SELECT active FROM hold_alert WHERE hold_id = $1', [endedLongAgo])).toEqual([{ active: false }]);
    await refresher.refreshDue();
    const [revived] = await alertsOf(lasting.data.holdId);
    expect(Date.parse(revived.endsAt)).toBe(clock.nowMs() + 600_000);
    expect((await alertsOf(released.data.holdId)).map((alert) => alert.endsAt)).toEqual([releasedEndsAt]);
  });
});
