import { createEvent, type HoldfastEvent } from '@holdfast/contracts';
import type { EventPublisher } from '@holdfast/messaging';
import { expectEventually, ManualClock, startAlertmanager, startServiceUnderTest, type LoopbackDaemon, type ServiceUnderTest } from '@holdfast/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HoldAlertRefresher } from '../src/channels/alertmanager/hold-alert-refresher';
import { notifierService } from '../src/app.module';
import { holdAlertsIn, windowsPosted } from './support/hold-alerts';
import { HttpReceiver } from './support/http-receiver';
import { api, connectPublisher, holdPlaced, holdReleased } from './support/notifier-fixtures';


const ROUTE_NOWHERE = 'route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n';
// The window of the witness holds, which only the witness subscription's filter names.
const WITNESS_WINDOW = uuidv7();

describe('notifier Alertmanager channel: holds placed before the subscription', () => {
  // Alertmanager judges expiry by its own clock, so this clock starts at the real time and is moved from there.
  const clock = new ManualClock(new Date());
  let alertmanager: LoopbackDaemon;
  // An Alertmanager that records each post, to count them.
  let receiver: HttpReceiver;
  let service: ServiceUnderTest<ReturnType<typeof notifierService.configFromEnvironment>>;
  let publisher: EventPublisher;
  let notifier: ReturnType<typeof api>;
  let refresher: HoldAlertRefresher;

  const alertsOf = (holdId: string) => holdAlertsIn(alertmanager.url, holdId);
  const postsOf = (holdId: string) => windowsPosted(receiver, holdId);

  /**
   * Resolves once the notifier has consumed everything published before on the partition of `regions`: a witness hold there,
   * placed and released, whose release only the witness subscription takes.
   */
  const consumedThrough = async (regions: string[], timeoutMs?: number) => {
    const witness = holdPlaced(regions, { windowIds: [WITNESS_WINDOW] });
    const release = holdReleased(witness, new Date().toISOString());
    await publisher.publish(witness, release);
    await expectEventually(async () => expect(await notifier.deliveries(`eventId=${release.id}`)).toHaveLength(1), { timeoutMs });
  };

  beforeAll(async () => {
    [alertmanager, receiver] = await Promise.all([startAlertmanager(ROUTE_NOWHERE), HttpReceiver.start()]);
    service = await startServiceUnderTest(notifierService, {
      clock,
      environment: { NOTIFIER_OUTBOUND_ALLOW: `127.0.0.1:${alertmanager.port},${receiver.allowEntry}`, NOTIFIER_WORKER_POLL_MS: '50', NOTIFIER_ALERT_TTL_MS: '600000' },
    });
    publisher = await connectPublisher(service.config.kafka);
    notifier = api(service);
    refresher = service.app.get(HoldAlertRefresher);
    await notifier.subscribe({ channel: 'webhook', target: `${receiver.url}/witness`, filters: { windowIds: [WITNESS_WINDOW], eventTypes: ['hold.released'] } });
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
    await alertmanager?.stop();
    await receiver?.close();
  });

  it("fires, at the refresher's next run, the holds in force placed before an Alertmanager was subscribed that its filters take, an extension's windows with them, and keeps them firing until released; not a hold released meanwhile, nor one its filters leave out", async () => {
    // Of Alertmanager's own clock: the releases below end the alerts as of its now.
    const from = new Date(Date.now() - 60_000).toISOString();
    const inForce = holdPlaced(['MX'], { from, placedAt: from });
    const extension = createEvent('hold.placed', { ...inForce.data, until: new Date(Date.now() + 3_600_000).toISOString(), extended: true, windowIds: [uuidv7()] }, { source: 'notifier-spec' });
    const released = holdPlaced(['MX'], { from, placedAt: from });
    const elsewhere = holdPlaced(['PE'], { from, placedAt: from });
    await publisher.publish(inForce, extension, released, holdReleased(released, new Date(Date.now() - 1_000).toISOString()), elsewhere);
    await consumedThrough(['MX']);
    await consumedThrough(['PE']);

    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: alertmanager.url, filters: { regions: ['MX'] } });
    // Subscribed after the holds too: a webhook (as Slack and Grafana) is told of what happens from now on, not of the past.
    const late = await notifier.subscribe({ channel: 'webhook', target: `${receiver.url}/late`, filters: { regions: ['MX', 'PE'] } });
    await refresher.refreshDue();

    const firing = await alertsOf(inForce.data.holdId);
    expect(firing.map((alert) => alert.labels.window).sort()).toEqual([...inForce.data.windowIds, ...extension.data.windowIds].sort());
    expect(firing.map((alert) => ({ state: alert.status.state, endsAt: Date.parse(alert.endsAt) }))).toEqual([
      { state: 'active', endsAt: clock.nowMs() + 600_000 },
      { state: 'active', endsAt: clock.nowMs() + 600_000 },
    ]);
    expect(await alertsOf(released.data.holdId)).toEqual([]);
    expect(await alertsOf(elsewhere.data.holdId)).toEqual([]);
    // The refresher posted them: no delivery is recorded for events the subscription came after.
    expect(await notifier.deliveries(`subscriptionId=${id}`)).toEqual([]);
    expect(await notifier.deliveries(`subscriptionId=${late.id}`)).toEqual([]);
    expect(receiver.requests.filter((request) => request.path === '/late')).toEqual([]);

    // Re-posted a third of the TTL later, as any hold's alerts.
    clock.advance(200_001);
    await refresher.refreshDue();
    expect((await alertsOf(inForce.data.holdId)).map((alert) => Date.parse(alert.endsAt))).toEqual([clock.nowMs() + 600_000, clock.nowMs() + 600_000]);

    // Its release reaches the subscription, which keeps its alerts firing, and resolves them.
    await publisher.publish(holdReleased(inForce, new Date(Date.now() - 1_000).toISOString()));
    await expectEventually(async () => expect(await alertsOf(inForce.data.holdId)).toEqual([]));
    // Alertmanager has the release before the worker records its answer.
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventType: 'hold.released', status: 'delivered' }]));
  });

  it('posts a hold once to a subscription: two runs at once (two replicas) post it once, the next run not before its refresh, and a hold whose placement delivery is retrying is left to that delivery', async () => {
    const before = holdPlaced(['CL']);
    await publisher.publish(before);
    await consumedThrough(['CL']);
    const after = holdPlaced(['CL']);
    receiver.reply = (request) => (request.path === '/api/v2/alerts' && request.body.includes(after.data.holdId) ? { status: 503 } : { status: 200 });
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: receiver.url, filters: { regions: ['CL'] } });
    await publisher.publish(after);
    // Refused once and waiting for its retry, which this clock, not moved, never brings.
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventId: after.id, status: 'pending', attempts: 1 }]));

    await Promise.all([refresher.refreshDue(), refresher.refreshDue()]);
    await refresher.refreshDue();

    expect(postsOf(before.data.holdId)).toEqual([before.data.windowIds]);
    expect(postsOf(after.data.holdId)).toEqual([after.data.windowIds]);
  });

  it('fires the holds placed while a subscription made turned off was off once it is turned on, at the next run', async () => {
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: receiver.url, filters: { regions: ['AR'] }, enabled: false });
    const whileOff = holdPlaced(['AR']);
    await publisher.publish(whileOff);
    await consumedThrough(['AR']);
    await refresher.refreshDue();
    expect(postsOf(whileOff.data.holdId)).toEqual([]);

    expect((await notifier.call('PATCH', `/v1/subscriptions/${id}`, { enabled: true })).status).toBe(200);
    await refresher.refreshDue();
    expect(postsOf(whileOff.data.holdId)).toEqual([whileOff.data.windowIds]);
  });

  it("fires, at the next run, the placements of a hold whose alerts it keeps that only its widened filters take, each posted once, two runs at once included", async () => {
    const [first, added] = [uuidv7(), uuidv7()];
    // Of Alertmanager's own clock, as above.
    const from = new Date(Date.now() - 60_000).toISOString();
    // The same filters to the real Alertmanager, for what fires, and to the receiver, for what is posted.
    const [watched, counted] = [
      await notifier.subscribe({ channel: 'alertmanager', target: alertmanager.url, filters: { windowIds: [first] } }),
      await notifier.subscribe({ channel: 'alertmanager', target: receiver.url, filters: { windowIds: [first] } }),
    ];
    const hold = holdPlaced(['GY'], { from, placedAt: from, windowIds: [first] });
    await publisher.publish(hold);
    for (const { id } of [watched, counted]) {
      await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventId: hold.id, status: 'delivered' }]));
    }
    // Extended to a window the filters leave out: neither subscription is told of it.
    const extension = createEvent('hold.placed', { ...hold.data, until: new Date(Date.now() + 3_600_000).toISOString(), extended: true, windowIds: [added] }, { source: 'notifier-spec' });
    await publisher.publish(extension);
    await consumedThrough(['GY']);

    for (const { id } of [watched, counted]) {
      expect((await notifier.call('PATCH', `/v1/subscriptions/${id}`, { filters: { windowIds: [first, added] } })).status).toBe(200);
    }
    // Two runs at once (two replicas), then the next.
    await Promise.all([refresher.refreshDue(), refresher.refreshDue()]);
    await refresher.refreshDue();

    expect((await alertsOf(hold.data.holdId)).map((alert) => alert.labels.window).sort()).toEqual([first, added].sort());
    expect(postsOf(hold.data.holdId)).toEqual([[first], [added]]);
    // The refresher posted the extension: no delivery is recorded for it.
    expect((await notifier.deliveries(`subscriptionId=${counted.id}`)).map((delivery) => delivery.eventId)).toEqual([hold.id]);
  });

  it('posts at most 500 holds a run to a subscription made while more are in force, the rest at the next run, each once', async () => {
    const holds: HoldfastEvent<'hold.placed'>[] = Array.from({ length: 501 }, () => holdPlaced(['NZ']));
    await publisher.publish(...holds);
    // 501 consumer transactions: seconds alone, more on a runner busy with other files.
    await consumedThrough(['NZ'], 40_000);
    await notifier.subscribe({ channel: 'alertmanager', target: receiver.url, filters: { regions: ['NZ'] } });
    const postedHolds = () => holds.filter((hold) => postsOf(hold.data.holdId).length > 0).length;

    await refresher.refreshDue();
    expect(postedHolds()).toBe(500);
    await refresher.refreshDue();
    expect(postedHolds()).toBe(501);
    expect(holds.every((hold) => postsOf(hold.data.holdId).length === 1)).toBe(true);
    // 501 placements consumed, then two runs posting their holds one after the other: past 60 s on a busy runner.
  }, 120_000);
});
