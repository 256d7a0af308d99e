import { createEvent, EventExamples } from '@holdfast/contracts';
import type { EventPublisher } from '@holdfast/messaging';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifierService } from '../src/app.module';
import { HoldAlertRefresher } from '../src/channels/alertmanager/hold-alert-refresher';
import { HoldReleases } from '../src/channels/alertmanager/hold-releases';
import { HttpReceiver } from './support/http-receiver';
import { api, attemptsSettled, connectPublisher, holdPlaced, holdReleased, type DeliveryView } from './support/notifier-fixtures';

const DAY_MS = 86_400_000;

describe('notifier: hold releases kept NOTIFIER_HOLD_RELEASE_RETENTION_DAYS and while a placement of the hold is kept, against the real broker and PostgreSQL', () => {
  const clock = new ManualClock('2026-06-14T21:00:10Z');
  let alertmanager: HttpReceiver;
  let webhook: HttpReceiver;
  let service: ServiceUnderTest<ReturnType<typeof notifierService.configFromEnvironment>>;
  let publisher: EventPublisher;
  let database: DataSource;

  const remembered = async (holdId: string) => ((await database.query('SELECT hold_id FROM hold_release WHERE hold_id = $1', [holdId])) as unknown[]).length === 1;

  beforeAll(async () => {
    alertmanager = await HttpReceiver.start(() => ({ status: 200 }));
    webhook = await HttpReceiver.start(() => ({ status: 204 }));
    service = await startServiceUnderTest(notifierService, {
      clock,
      environment: { NOTIFIER_OUTBOUND_ALLOW: `${alertmanager.allowEntry},${webhook.allowEntry}`, NOTIFIER_WORKER_POLL_MS: '50', NOTIFIER_HOLD_RELEASE_RETENTION_DAYS: '10' },
    });
    publisher = await connectPublisher(service.config.kafka);
    database = service.app.get(DataSource);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
    await alertmanager?.close();
    await webhook?.close();
  });

  it('forgets a release no placement was recorded for once the retention has passed since it was consumed, not before', async () => {
    const releases = service.app.get(HoldReleases);
    const placed = holdPlaced(['UY']);
    // No subscription: the release alone is recorded, as it always is.
    await publisher.publish(holdReleased(placed));
    await expectEventually(async () => expect(await remembered(placed.data.holdId)).toBe(true));

    clock.advance(10 * DAY_MS - 60_000);
    await releases.prune();
    expect(await remembered(placed.data.holdId)).toBe(true);

    clock.advance(120_000);
    expect(await releases.prune()).toBeGreaterThanOrEqual(1);
    expect(await remembered(placed.data.holdId)).toBe(false);
  });

  it('keeps the release of a hold whose placement is kept, so replaying that placement a month later still posts its alerts ended', async () => {
    const notifier = api(service);
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: alertmanager.url, filters: { regions: ['PY'] } });
    const placed = holdPlaced(['PY']);
    const released = holdReleased(placed);
    await publisher.publish(placed, released);
    await expectEventually(async () => expect((await notifier.deliveries(`subscriptionId=${id}`)).map((delivery) => delivery.status)).toEqual(['delivered', 'delivered']));

    await attemptsSettled(notifier, clock);
    clock.advance(30 * DAY_MS);
    await service.app.get(HoldReleases).prune();
    expect(await remembered(placed.data.holdId)).toBe(true);

    const [placement] = await notifier.deliveries(`subscriptionId=${id}&eventId=${placed.id}`);
    const posted = alertmanager.requests.length;
    expect((await notifier.call('POST', `/v1/deliveries/${placement.id}/replay`)).status).toBe(202);
    await expectEventually(async () => expect((await notifier.deliveries(`subscriptionId=${id}&eventId=${placed.id}`)).map((delivery: DeliveryView) => delivery.status)).toEqual(['delivered']));
    const [replayed] = alertmanager.requests.slice(posted);
    expect((JSON.parse(replayed.body) as { endsAt: string }[]).map((alert) => alert.endsAt)).toEqual([new Date(released.data.releasedAt).toISOString()]);
    // Ended, so the refresher never fires it again.
    expect(await service.app.get(HoldAlertRefresher).refreshDue()).toBe(0);
  });

  it('keeps the release of a hold whose window.held is kept, so replaying it a month later to a subscription that takes no release still sends nothing', async () => {
    const notifier = api(service);
    const { id } = await notifier.subscribe({ channel: 'webhook', target: webhook.url, filters: { regions: ['BO'], eventTypes: ['window.held'] } });
    const placed = holdPlaced(['BO']);
    const window = { ...EventExamples['window.scheduled'], windowId: uuidv7(), footprint: { global: false, regions: ['BO'] } };
    const held = createEvent('window.held', { ...window, status: 'held', holdId: placed.data.holdId }, { source: 'notifier-spec' });
    await publisher.publish(held);
    const [placement] = await expectEventually(async () => {
      const deliveries = await notifier.deliveries(`subscriptionId=${id}`);
      expect(deliveries).toMatchObject([{ eventType: 'window.held', status: 'delivered' }]);
      return deliveries;
    });
    await publisher.publish(holdReleased(placed));
    await expectEventually(async () => expect(await remembered(placed.data.holdId)).toBe(true));

    await attemptsSettled(notifier, clock);
    clock.advance(30 * DAY_MS);
    await service.app.get(HoldReleases).prune();
    expect(await remembered(placed.data.holdId)).toBe(true);

    // The release kept says the hold is over: the delivered placement is refused a replay, and stays delivered.
    expect(await (await notifier.call('POST', `/v1/deliveries/${placement.id}/replay`)).json()).toMatchObject({ status: 409, code: 'delivery-superseded', holdId: placed.data.holdId });
    expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventType: 'window.held', status: 'delivered' }]);
    expect(webhook.requests).toHaveLength(1);
  });
});
