import type { EventPublisher } from '@holdfast/messaging';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifierService } from '../src/app.module';
import { HoldAlertRefresher } from '../src/channels/alertmanager/hold-alert-refresher';
import { HoldReleases } from '../src/channels/alertmanager/hold-releases';
import { DeliveryPruner } from '../src/deliveries/delivery-pruner';
import { HttpReceiver } from './support/http-receiver';
import { api, attemptsSettled, connectPublisher, holdPlaced, holdReleased } from './support/notifier-fixtures';

const DAY_MS = 86_400_000;

describe("notifier: a hold's annotation and alert records, and deleted subscriptions, pruned once nothing can read them, against the real broker and PostgreSQL", () => {
  const clock = new ManualClock('2026-06-14T21:00:10Z');
  let alertmanager: HttpReceiver;
  let grafana: HttpReceiver;
  let service: ServiceUnderTest<ReturnType<typeof notifierService.configFromEnvironment>>;
  let publisher: EventPublisher;
  let database: DataSource;
  let notifier: ReturnType<typeof api>;

  const rows = async (table: 'grafana_annotation' | 'hold_alert' | 'hold_release', holdId: string) =>
    ((await database.query(`SELECT 1 FROM ${table} WHERE hold_id = $1`, [holdId])) as unknown[]).length;
  const subscriptionKept = async (id: string) => ((await database.query('SELECT 1 FROM subscription WHERE id = $1', [id])) as unknown[]).length === 1;
  const statuses = async (id: string) => (await notifier.deliveries(`subscriptionId=${id}`)).map((delivery) => delivery.status);

  beforeAll(async () => {
    alertmanager = await HttpReceiver.start(() => ({ status: 200 }));
    grafana = await HttpReceiver.start((request) =>
      request.method === 'GET'
        ? { status: 200, headers: { 'content-type': 'application/json' }, body: '[]' }
        : { status: 200, headers: { 'content-type': 'application/json' }, body: '{"message":"Annotation added","id":17}' },
    );
    service = await startServiceUnderTest(notifierService, {
      clock,
      environment: { NOTIFIER_OUTBOUND_ALLOW: `${alertmanager.allowEntry},${grafana.allowEntry}`, NOTIFIER_WORKER_POLL_MS: '50', NOTIFIER_ALERT_TTL_MS: '600000' },
    });
    publisher = await connectPublisher(service.config.kafka);
    database = service.app.get(DataSource);
    notifier = api(service);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
    await alertmanager?.close();
    await grafana?.close();
  });

  it("keeps a released hold's records while its deliveries to the subscription are kept, then prunes them before the release, so turning a subscription on again never fires a released hold's alerts", async () => {
    const alerts = await notifier.subscribe({ channel: 'alertmanager', target: alertmanager.url, filters: { regions: ['UY'] } });
    const annotations = await notifier.subscribe({ channel: 'grafana', target: grafana.url, filters: { regions: ['UY'] } });
    const placed = holdPlaced(['UY']);
    await publisher.publish(placed);
    await expectEventually(async () => expect([await statuses(alerts.id), await statuses(annotations.id)]).toEqual([['delivered'], ['delivered']]));

    // Turned off while the hold lasts: the refresher lets its alerts go (paused), and its release is not sent to it.
    expect((await notifier.call('PATCH', `/v1/subscriptions/${alerts.id}`, { enabled: false })).status).toBe(200);
    await attemptsSettled(notifier, clock);
    clock.advance(200_001);
    await service.app.get(HoldAlertRefresher).refreshDue();
    await publisher.publish(holdReleased(placed));
    await expectEventually(async () => expect(await statuses(annotations.id)).toEqual(['delivered', 'delivered']));
    await expectEventually(async () => expect(await rows('hold_release', placed.data.holdId)).toBe(1));

    // Past the release's retention (14 days), but each subscription's placement is kept, and so replayable.
    await attemptsSettled(notifier, clock);
    clock.advance(15 * DAY_MS);
    await service.app.get(HoldReleases).prune();
    expect([await rows('grafana_annotation', placed.data.holdId), await rows('hold_alert', placed.data.holdId), await rows('hold_release', placed.data.holdId)]).toEqual([1, 1, 1]);

    // Past the deliveries' retention (30 days) they go, and the records with them, then the release.
    clock.advance(16 * DAY_MS);
    expect(await service.app.get(DeliveryPruner).prune()).toBeGreaterThanOrEqual(3);
    expect(await service.app.get(HoldReleases).prune()).toBe(3);
    expect([await rows('grafana_annotation', placed.data.holdId), await rows('hold_alert', placed.data.holdId), await rows('hold_release', placed.data.holdId)]).toEqual([0, 0, 0]);

    const posted = alertmanager.requests.length;
    expect((await notifier.call('PATCH', `/v1/subscriptions/${alerts.id}`, { enabled: true })).status).toBe(200);
    await attemptsSettled(notifier, clock);
    clock.advance(600_000);
    expect(await service.app.get(HoldAlertRefresher).refreshDue()).toBe(0);
    expect(alertmanager.requests).toHaveLength(posted);
  });

  it("prunes a deleted subscription's records of a hold never released, then the subscription itself once none of its deliveries is kept; a live one stays", async () => {
    const deleted = await notifier.subscribe({ channel: 'alertmanager', target: alertmanager.url, filters: { regions: ['PY'] } });
    // Another region too: the same filters would be refused as a second subscription sending the same events.
    const live = await notifier.subscribe({ channel: 'alertmanager', target: alertmanager.url, filters: { regions: ['PY', 'BO'] } });
    const placed = holdPlaced(['PY']);
    await publisher.publish(placed);
    await expectEventually(async () => expect([await statuses(deleted.id), await statuses(live.id)]).toEqual([['delivered'], ['delivered']]));
    expect((await notifier.call('DELETE', `/v1/subscriptions/${deleted.id}`)).status).toBe(204);
    const recordOf = async (subscriptionId: string) =>
      ((await database.query('SELECT 1 FROM hold_alert WHERE subscription_id = $1 AND hold_id = $2', [subscriptionId, placed.data.holdId])) as unknown[]).length;

    await attemptsSettled(notifier, clock);
    clock.advance(14 * DAY_MS - 60_000);
    await service.app.get(HoldReleases).prune();
    expect([await recordOf(deleted.id), await recordOf(live.id)]).toEqual([1, 1]);
    clock.advance(120_000);
    await service.app.get(HoldReleases).prune();
    // The hold is not released: the live subscription's alerts still fire and are re-posted, the deleted one's are never read again.
    expect([await recordOf(deleted.id), await recordOf(live.id)]).toEqual([0, 1]);

    const pruner = service.app.get(DeliveryPruner);
    clock.advance(16 * DAY_MS - 120_000);
    await pruner.prune();
    expect(await pruner.pruneDeletedSubscriptions()).toBe(0);
    expect(await subscriptionKept(deleted.id)).toBe(true);
    clock.advance(120_000);
    await pruner.prune();
    expect(await notifier.deliveries(`subscriptionId=${deleted.id}`)).toEqual([]);
    expect(await pruner.pruneDeletedSubscriptions()).toBe(1);
    expect([await subscriptionKept(deleted.id), await subscriptionKept(live.id)]).toEqual([false, true]);
    expect((await notifier.call('GET', `/v1/subscriptions/${live.id}`)).status).toBe(200);
  });
});
