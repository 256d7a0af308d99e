import type { EventPublisher } from '@holdfast/messaging';
import { basicAuthorization, expectEventually, ManualClock, startAlertmanager, startServiceUnderTest, type LoopbackDaemon, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HoldAlertRefresher } from '../src/channels/alertmanager/hold-alert-refresher';
import { notifierService } from '../src/app.module';
import { api, connectPublisher, holdPlaced, holdReleased } from './support/notifier-fixtures';

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

// Alertmanager's web.config keeps a bcrypt hash; this one is of PASSWORD (made once with Python's crypt, METHOD_BLOWFISH).
const GUARDED = { user: 'holdfast', password: 'holdfast-spec-password', bcryptHash: '$2b$10$4prh/kignlKZZbBuKV5HIOwOukxmbhBty/hQiFiKKS1YrN5xjDhvG' };
const ROUTE_NOWHERE = 'route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n';

describe('notifier Alertmanager channel, against a real Alertmanager', () => {
  // Alertmanager judges expiry by its own clock, so this clock starts at the real time and is moved from there.
  const clock = new ManualClock(new Date());
  let alertmanager: LoopbackDaemon;
  // Another behind basic auth, as many are (web.config basic_auth_users, or a reverse proxy).
  let guarded: LoopbackDaemon;
  let service: ServiceUnderTest<ReturnType<typeof notifierService.configFromEnvironment>>;
  let publisher: EventPublisher;

  const alertsOf = async (holdId: string, from = alertmanager, headers?: Record<string, string>): Promise<GettableAlert[]> =>
    (await (await fetch(`${from.url}/api/v2/alerts?filter=${encodeURIComponent(`hold="${holdId}"`)}`, { headers })).json()) as GettableAlert[];

  beforeAll(async () => {
    [alertmanager, guarded] = await Promise.all([startAlertmanager(ROUTE_NOWHERE), startAlertmanager(ROUTE_NOWHERE, GUARDED)]);
    service = await startServiceUnderTest(notifierService, {
      clock,
      environment: { NOTIFIER_OUTBOUND_ALLOW: `127.0.0.1:${alertmanager.port},127.0.0.1:${guarded.port}`, NOTIFIER_WORKER_POLL_MS: '50', NOTIFIER_ALERT_TTL_MS: '600000' },
    });
    publisher = await connectPublisher(service.config.kafka);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
    await alertmanager?.stop();
    await guarded?.stop();
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
    clock.advance(200_001);
    expect(await refresher.refreshDue()).toBe(1);
    await expectEventually(async () => expect(Math.min(...(await alertsOf(hold.data.holdId)).map((alert) => Date.parse(alert.endsAt)))).toBeGreaterThan(firstEnd));

    // Released as of Alertmanager's now (the test clock ran ahead to reach the refresh).
    await publisher.publish(holdReleased(hold, new Date(Date.now() - 1_000).toISOString()));
    await expectEventually(async () => expect(await alertsOf(hold.data.holdId)).toEqual([]));
    expect(await refresher.refreshDue()).toBe(0);
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
});
