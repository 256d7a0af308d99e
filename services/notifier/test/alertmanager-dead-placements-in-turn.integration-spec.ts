import type { EventPublisher } from '@holdfast/messaging';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HoldAlertRefresher } from '../src/channels/alertmanager/hold-alert-refresher';
import { notifierService } from '../src/app.module';
import { HttpReceiver } from './support/http-receiver';
import { api, connectPublisher, holdPlaced } from './support/notifier-fixtures';

// More than a run takes (HOLDS_PER_RUN, 500), all of one subscription.
const CROWDING = 1_200;

// Copies of one dead placement, each of its own hold (the alerts they would post are not looked at: their Alertmanager is away).
const COPY_DEAD_PLACEMENT = `INSERT INTO delivery (id, subscription_id, channel, target_key, event_id, event_type, event_time, correlation_id, ordering_key, event, status, attempts, next_attempt_at, recorded_at, finished_at, last_error)
  SELECT gen_random_uuid(), subscription_id, channel, target_key, gen_random_uuid(), event_type, event_time, correlation_id, 'hold:' || gen_random_uuid(), event, status, attempts, next_attempt_at, recorded_at, finished_at, last_error
  FROM delivery, generate_series(1, $2) WHERE id = $1`;

describe("notifier Alertmanager channel: dead placements of many subscriptions' holds", () => {
  const clock = new ManualClock(new Date());
  // The crowding subscription's Alertmanager, refusing placements until it is gone.
  let away: HttpReceiver;
  let up: HttpReceiver;
  let service: ServiceUnderTest<ReturnType<typeof notifierService.configFromEnvironment>>;
  let publisher: EventPublisher;

  beforeAll(async () => {
    [away, up] = await Promise.all([HttpReceiver.start(() => ({ status: 400, body: 'bad request' })), HttpReceiver.start(() => ({ status: 400, body: 'bad request' }))]);
    service = await startServiceUnderTest(notifierService, {
      clock,
      environment: { NOTIFIER_OUTBOUND_ALLOW: `${away.allowEntry},${up.allowEntry}`, NOTIFIER_WORKER_POLL_MS: '50', NOTIFIER_ALERT_TTL_MS: '600000' },
    });
    publisher = await connectPublisher(service.config.kafka);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
    await Promise.all([away?.close(), up?.close()]);
  });

  it("posts at its first run the hold of a subscription beside one whose Alertmanager is away with more dead placements than a run takes", async () => {
    const notifier = api(service);
    const crowding = await notifier.subscribe({ channel: 'alertmanager', target: away.url, filters: { regions: ['FJ'] } });
    const crowded = await notifier.subscribe({ channel: 'alertmanager', target: up.url, filters: { regions: ['TO'] } });
    const [many, one] = [holdPlaced(['FJ']), holdPlaced(['TO'])];
    await publisher.publish(many, one);
    const [dead] = await expectEventually(async () => {
      const deliveries = await notifier.deliveries(`subscriptionId=${crowding.id}&status=dead`);
      expect(deliveries).toHaveLength(1);
      return deliveries;
    });
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${crowded.id}&status=dead`)).toMatchObject([{ eventId: one.id }]));
    const database = service.app.get(DataSource);
    await database.query(COPY_DEAD_PLACEMENT, [dead.id, CROWDING - 1]);
    await away.close();
    up.reply = () => ({ status: 200 });
    const refused = up.requests.length;

    expect(await service.app.get(HoldAlertRefresher).refreshDue()).toBe(1);
    const posted = up.requests.slice(refused).map((request) => JSON.parse(request.body) as { labels: Record<string, string> }[]);
    expect(posted.map((alerts) => alerts.map((alert) => [alert.labels.hold, alert.labels.window]))).toEqual([[[one.data.holdId, one.data.windowIds[0]]]]);
    expect(await notifier.deliveries(`subscriptionId=${crowded.id}`)).toMatchObject([{ eventId: one.id, status: 'cancelled' }]);
    // Tried once (the first of its holds), the rest left to the next run.
    expect(await database.query(`SELECT count(*)::int AS dead FROM delivery WHERE subscription_id = $1 AND status = 'dead'`, [crowding.id])).toEqual([{ dead: CROWDING }]);
  });
});
