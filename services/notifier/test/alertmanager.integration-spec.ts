import type { EventPublisher } from '@holdfast/messaging';
import { expectEventually, ManualClock, startAlertmanager, startServiceUnderTest, type LoopbackDaemon, type ServiceUnderTest } from '@holdfast/testing';
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

describe('notifier Alertmanager channel, against a real Alertmanager', () => {
  // Alertmanager judges expiry by its own clock, so this clock starts at the real time and is moved from there.
  const clock = new ManualClock(new Date());
  let alertmanager: LoopbackDaemon;
  let service: ServiceUnderTest<ReturnType<typeof notifierService.configFromEnvironment>>;
  let publisher: EventPublisher;

  const alertsOf = async (holdId: string): Promise<GettableAlert[]> =>
    (await (await fetch(`${alertmanager.url}/api/v2/alerts?filter=${encodeURIComponent(`hold="${holdId}"`)}`)).json()) as GettableAlert[];

  beforeAll(async () => {
    alertmanager = await startAlertmanager('route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n');
    service = await startServiceUnderTest(notifierService, {
      clock,
      environment: { NOTIFIER_OUTBOUND_ALLOW: `127.0.0.1:${alertmanager.port}`, NOTIFIER_WORKER_POLL_MS: '50', NOTIFIER_ALERT_TTL_MS: '600000' },
    });
    publisher = await connectPublisher(service.config.kafka);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
    await alertmanager?.stop();
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
});
