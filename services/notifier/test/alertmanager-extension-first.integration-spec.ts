import { createEvent, type HoldfastEvent } from '@holdfast/contracts';
import type { EventPublisher } from '@holdfast/messaging';
import { expectEventually, ManualClock, startAlertmanager, startServiceUnderTest, type LoopbackDaemon, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HoldAlertRefresher } from '../src/channels/alertmanager/hold-alert-refresher';
import { notifierService } from '../src/app.module';
import { holdAlertsIn, windowsKept, windowsPosted } from './support/hold-alerts';
import { HttpReceiver } from './support/http-receiver';
import { api, attemptsSettled, connectPublisher, holdPlaced } from './support/notifier-fixtures';

const TTL_MS = 600_000;
const ROUTE_NOWHERE = 'route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n';


/** An extension of `hold` to one more window: the event lists that window only. */
const extensionOf = (hold: HoldfastEvent<'hold.placed'>): HoldfastEvent<'hold.placed'> =>
  createEvent('hold.placed', { ...hold.data, until: new Date(Date.now() + 3_600_000).toISOString(), extended: true, windowIds: [uuidv7()] }, { source: 'notifier-spec' });

/**
 * A hold placed before an Alertmanager was subscribed, then extended: the extension is the first the subscription is told
 * of the hold, and its delivery (not the refresher, which leaves a hold with a placement delivery to it) is what posts the
 * hold to that Alertmanager, the placements before the subscription with it.
 */
describe('notifier Alertmanager channel: the first extension of a hold placed before the subscription', () => {
  // Alertmanager judges expiry by its own clock, so this clock starts at the real time and is moved from there.
  const clock = new ManualClock(new Date());
  let alertmanager: LoopbackDaemon;
  let receiver: HttpReceiver;
  let service: ServiceUnderTest<ReturnType<typeof notifierService.configFromEnvironment>>;
  let publisher: EventPublisher;
  let notifier: ReturnType<typeof api>;
  let refresher: HoldAlertRefresher;
  let database: DataSource;

  const alertsOf = (holdId: string) => holdAlertsIn(alertmanager.url, holdId);
  const postsOf = (holdId: string) => windowsPosted(receiver, holdId);
  const keptWindows = (holdId: string) => windowsKept(database, holdId);
  /** Places the hold and waits until the notifier keeps it as in force, with no subscription told of it. */
  const placedBeforeSubscription = async (regions: string[]) => {
    const hold = holdPlaced(regions, { from: new Date(Date.now() - 60_000).toISOString() });
    await publisher.publish(hold);
    await expectEventually(async () => expect(await database.query('SELECT 1 FROM hold_placement WHERE event_id = $1', [hold.id])).toHaveLength(1));
    return hold;
  };
  /** The refresher's run a third of the TTL on, when the hold's alerts are due again. */
  const refreshedWhenDue = async () => {
    await attemptsSettled(notifier, clock);
    clock.advance(TTL_MS / 3 + 1);
    await refresher.refreshDue();
  };

  beforeAll(async () => {
    [alertmanager, receiver] = await Promise.all([startAlertmanager(ROUTE_NOWHERE), HttpReceiver.start(() => ({ status: 200 }))]);
    service = await startServiceUnderTest(notifierService, {
      clock,
      environment: {
        NOTIFIER_OUTBOUND_ALLOW: `127.0.0.1:${alertmanager.port},${receiver.allowEntry}`,
        NOTIFIER_WORKER_POLL_MS: '50',
        NOTIFIER_ALERT_TTL_MS: String(TTL_MS),
        NOTIFIER_DELIVERY_TIMEOUT_MS: '20000',
      },
    });
    publisher = await connectPublisher(service.config.kafka);
    notifier = api(service);
    refresher = service.app.get(HoldAlertRefresher);
    database = service.app.get(DataSource);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
    await alertmanager?.stop();
    await receiver?.close();
  });

  it("fires the windows of the placements before the subscription with the extension's when the extension is delivered before the refresher's run, and keeps them all firing", async () => {
    const hold = await placedBeforeSubscription(['UY']);
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: alertmanager.url, filters: { regions: ['UY'] } });
    const extension = extensionOf(hold);
    await publisher.publish(extension);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventId: extension.id, status: 'delivered' }]));

    const windows = [...hold.data.windowIds, ...extension.data.windowIds].sort();
    expect((await alertsOf(hold.data.holdId)).map((alert) => alert.labels.window).sort()).toEqual(windows);
    expect(await keptWindows(hold.data.holdId)).toEqual(windows);
    // Already told of the hold: the run posts it again only when due.
    expect(await refresher.refreshDue()).toBe(0);
    await refreshedWhenDue();
    const firing = await alertsOf(hold.data.holdId);
    expect(firing.map((alert) => alert.labels.window).sort()).toEqual(windows);
    expect(firing.map((alert) => Date.parse(alert.endsAt))).toEqual([clock.nowMs() + TTL_MS, clock.nowMs() + TTL_MS]);
  });

  it('posts the placements before the subscription with the extension whose delivery, refused once, is retried after a run that left the hold to it', async () => {
    const hold = await placedBeforeSubscription(['PY']);
    const extension = extensionOf(hold);
    let refused = false;
    receiver.reply = (request) => {
      if (refused || !request.body.includes(extension.data.windowIds[0])) return { status: 200 };
      refused = true;
      return { status: 503 };
    };
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: receiver.url, filters: { regions: ['PY'] } });
    await publisher.publish(extension);
    const [retrying] = await expectEventually(async () => {
      const deliveries = await notifier.deliveries(`subscriptionId=${id}`);
      expect(deliveries).toMatchObject([{ eventId: extension.id, status: 'pending', attempts: 1 }]);
      return deliveries;
    });
    await refresher.refreshDue();
    expect(await keptWindows(hold.data.holdId)).toEqual([]);

    await attemptsSettled(notifier, clock);
    clock.advance(Date.parse(retrying.nextAttemptAt) - clock.nowMs());
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventId: extension.id, status: 'delivered' }]));

    const windows = [...hold.data.windowIds, ...extension.data.windowIds].sort();
    expect(postsOf(hold.data.holdId).at(-1)).toEqual(windows);
    expect(await keptWindows(hold.data.holdId)).toEqual(windows);
  });

  it('posts the placements before the subscription with an extension whose delivery died, at the next run', async () => {
    const hold = await placedBeforeSubscription(['BO']);
    receiver.reply = () => ({ status: 400, body: 'bad request' });
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: receiver.url, filters: { regions: ['BO'] } });
    const extension = extensionOf(hold);
    await publisher.publish(extension);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventId: extension.id, status: 'dead' }]));
    receiver.reply = () => ({ status: 200 });

    expect(await refresher.refreshDue()).toBe(1);
    const windows = [...hold.data.windowIds, ...extension.data.windowIds].sort();
    expect(postsOf(hold.data.holdId).at(-1)).toEqual(windows);
    expect(await keptWindows(hold.data.holdId)).toEqual(windows);
  });

  it("posts the placements before the subscription once when the extension is delivered while the refresher posts them: the delivery waits for the run's post, then posts its own windows", async () => {
    const hold = await placedBeforeSubscription(['EC']);
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: receiver.url, filters: { regions: ['EC'] } });
    let held = false;
    receiver.reply = (request) => {
      if (held || !request.body.includes(hold.data.windowIds[0])) return { status: 200 };
      held = true;
      return 'hold';
    };
    const run = refresher.refreshDue();
    await expectEventually(() => expect(receiver.heldCount).toBe(1));
    const extension = extensionOf(hold);
    await publisher.publish(extension);
    await expectEventually(async () =>
      expect(await database.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%hold_alert%'`)).toHaveLength(1),
    );
    receiver.releaseHeld(200);
    expect(await run).toBe(1);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventId: extension.id, status: 'delivered' }]));

    expect(postsOf(hold.data.holdId)).toEqual([hold.data.windowIds, extension.data.windowIds]);
    expect(await keptWindows(hold.data.holdId)).toEqual([...hold.data.windowIds, ...extension.data.windowIds].sort());
  });

  it("posts the placements before the subscription once when a second extension is delivered while the refresher posts a dead first one: the run claims the hold first, and the delivery waits for its post, then posts its own windows", async () => {
    const hold = await placedBeforeSubscription(['GT']);
    receiver.reply = () => ({ status: 400, body: 'bad request' });
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: receiver.url, filters: { regions: ['GT'] } });
    const dead = extensionOf(hold);
    await publisher.publish(dead);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventId: dead.id, status: 'dead' }]));
    let held = false;
    receiver.reply = (request) => {
      if (held || !request.body.includes(dead.data.windowIds[0])) return { status: 200 };
      held = true;
      return 'hold';
    };
    const run = refresher.refreshDue();
    await expectEventually(() => expect(receiver.heldCount).toBe(1));
    const second = extensionOf(hold);
    await publisher.publish(second);
    // The delivery waits for the run's claim of the hold (before the claim came first, it posted at once).
    await expectEventually(async () => {
      const waiting = (await database.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%hold_alert%'`)) as unknown[];
      const delivered = await notifier.deliveries(`subscriptionId=${id}&status=delivered`);
      expect(waiting.length + delivered.length).toBeGreaterThan(0);
    });
    receiver.releaseHeld(200);
    expect(await run).toBe(1);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}&status=delivered`)).toMatchObject([{ eventId: second.id }]));

    const [refused, posted] = [postsOf(hold.data.holdId).slice(0, 1), postsOf(hold.data.holdId).slice(1)];
    const first = [...hold.data.windowIds, ...dead.data.windowIds].sort();
    // The dead delivery's post, refused; then the run's, and the delivery's of its own window alone.
    expect(refused).toEqual([first]);
    expect(posted).toEqual([first, second.data.windowIds]);
    expect(await keptWindows(hold.data.holdId)).toEqual([...hold.data.windowIds, ...dead.data.windowIds, ...second.data.windowIds].sort());
  });
});
