import type { EventPublisher } from '@holdfast/messaging';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifierService } from '../src/app.module';
import { HoldReleases } from '../src/channels/alertmanager/hold-releases';
import { DeliveryPruner } from '../src/deliveries/delivery-pruner';
import { HttpReceiver } from './support/http-receiver';
import { api, attemptsSettled, connectPublisher, holdPlaced, holdReleased, type DeliveryView } from './support/notifier-fixtures';

const DAY_MS = 86_400_000;
const RECEIVERS = ['taking', 'refusing', 'failing', 'holding', 'deleted', 'replayed', 'placements'] as const;

describe('notifier: finished deliveries kept NOTIFIER_DELIVERY_RETENTION_DAYS after they finished, against the real broker and PostgreSQL', () => {
  const clock = new ManualClock('2026-06-14T21:00:10Z');
  const receivers = {} as Record<(typeof RECEIVERS)[number], HttpReceiver>;
  let service: ServiceUnderTest<ReturnType<typeof notifierService.configFromEnvironment>>;
  let publisher: EventPublisher;
  let database: DataSource;
  let notifier: ReturnType<typeof api>;

  const kept = async (ids: string[]) => ((await database.query('SELECT id FROM delivery WHERE id = ANY($1::uuid[]) ORDER BY id', [ids])) as { id: string }[]).map((row) => row.id);
  const attemptsOf = async (ids: string[]) => ((await database.query('SELECT count(*)::int AS count FROM delivery_attempt WHERE delivery_id = ANY($1::uuid[])', [ids])) as [{ count: number }])[0].count;
  const only = async (subscriptionId: string, status?: string) =>
    expectEventually(async () => {
      const deliveries = await notifier.deliveries(`subscriptionId=${subscriptionId}`);
      expect(deliveries).toHaveLength(1);
      if (status) expect(deliveries[0].status).toBe(status);
      return deliveries[0] as DeliveryView & { finishedAt: string | null };
    });

  beforeAll(async () => {
    for (const name of RECEIVERS) receivers[name] = await HttpReceiver.start();
    service = await startServiceUnderTest(notifierService, {
      clock,
      environment: {
        NOTIFIER_OUTBOUND_ALLOW: Object.values(receivers)
          .map((receiver) => receiver.allowEntry)
          .join(','),
        NOTIFIER_WORKER_POLL_MS: '50',
        // Failures here are the spec's, not a reason to stop sending.
        NOTIFIER_CIRCUIT_VOLUME: '1000',
        NOTIFIER_DELIVERY_RETENTION_DAYS: '30',
      },
    });
    publisher = await connectPublisher(service.config.kafka);
    database = service.app.get(DataSource);
    notifier = api(service);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
    await Promise.all(Object.values(receivers).map((receiver) => receiver.close()));
  });

  it('prunes delivered, dead and cancelled deliveries with their attempts once the retention has passed since they finished, and never one pending or sending', async () => {
    receivers.refusing.reply = () => ({ status: 400 });
    receivers.failing.reply = () => ({ status: 503 });
    receivers.holding.reply = () => 'hold';
    receivers.deleted.reply = () => ({ status: 503 });
    const subscriptions = {} as Record<'taking' | 'refusing' | 'failing' | 'holding' | 'deleted', string>;
    for (const name of ['taking', 'refusing', 'failing', 'holding', 'deleted'] as const) {
      subscriptions[name] = (await notifier.subscribe({ channel: 'webhook', target: receivers[name].url, filters: { regions: ['UY'] } })).id;
    }
    await publisher.publish(holdPlaced(['UY']));

    const delivered = await only(subscriptions.taking, 'delivered');
    const dead = await only(subscriptions.refusing, 'dead');
    const pending = await only(subscriptions.failing, 'pending');
    await expectEventually(() => expect(receivers.holding.heldCount).toBe(1));
    const sending = await only(subscriptions.holding, 'sending');
    await only(subscriptions.deleted, 'pending');
    expect((await notifier.call('DELETE', `/v1/subscriptions/${subscriptions.deleted}`)).status).toBe(204);
    const cancelled = await only(subscriptions.deleted, 'cancelled');
    const finishedAt = clock.now().toISOString();
    expect([delivered, dead, cancelled].map((delivery) => delivery.finishedAt)).toEqual([finishedAt, finishedAt, finishedAt]);
    expect([pending, sending].map((delivery) => delivery.finishedAt)).toEqual([null, null]);
    const finished = [delivered.id, dead.id, cancelled.id];
    const unfinished = [pending.id, sending.id];
    expect(await attemptsOf(finished)).toBe(3);

    const pruner = service.app.get(DeliveryPruner);
    clock.advance(30 * DAY_MS - 60_000);
    expect(await pruner.prune()).toBe(0);
    expect(await kept([...finished, ...unfinished])).toEqual([...finished, ...unfinished].sort());

    // The pending one has been retried since and the sending one claimed again (its lease ran out): open, so kept all the same.
    clock.advance(120_000);
    expect(await pruner.prune()).toBe(3);
    expect(await kept([...finished, ...unfinished])).toEqual([...unfinished].sort());
    expect(await attemptsOf(finished)).toBe(0);
    expect((await notifier.call('GET', `/v1/deliveries/${delivered.id}`)).status).toBe(404);

    for (const name of ['failing', 'holding'] as const) expect((await notifier.call('DELETE', `/v1/subscriptions/${subscriptions[name]}`)).status).toBe(204);
    receivers.holding.releaseHeld(204);
  });

  it('counts from the last finish: a delivery replayed is kept its whole retention from when the replay finished', async () => {
    receivers.replayed.reply = (_, index) => (index === 0 ? { status: 400 } : { status: 204 });
    const { id } = await notifier.subscribe({ channel: 'webhook', target: receivers.replayed.url, filters: { regions: ['BO'] } });
    await publisher.publish(holdPlaced(['BO']));
    const dead = await only(id, 'dead');

    // The spec before left a request in flight on purpose; it finishes before time moves.
    await attemptsSettled(notifier, clock);
    clock.advance(20 * DAY_MS);
    expect((await notifier.call('POST', `/v1/deliveries/${dead.id}/replay`)).status).toBe(202);
    const replayed = await only(id, 'delivered');
    expect(replayed.finishedAt).toBe(clock.now().toISOString());

    const pruner = service.app.get(DeliveryPruner);
    clock.advance(29 * DAY_MS);
    await pruner.prune();
    expect(await kept([dead.id])).toEqual([dead.id]);
    clock.advance(2 * DAY_MS);
    await pruner.prune();
    expect(await kept([dead.id])).toEqual([]);
  });

  it("lets a hold's release go once the placement deliveries that kept it are pruned", async () => {
    const { id } = await notifier.subscribe({ channel: 'webhook', target: receivers.placements.url, filters: { regions: ['EC'] } });
    const placed = holdPlaced(['EC']);
    await publisher.publish(placed, holdReleased(placed));
    await expectEventually(async () => expect((await notifier.deliveries(`subscriptionId=${id}`)).map((delivery) => delivery.status)).toEqual(['delivered', 'delivered']));
    const remembered = async () => ((await database.query('SELECT 1 FROM hold_release WHERE hold_id = $1', [placed.data.holdId])) as unknown[]).length === 1;

    // Past the release's own retention (14 days by default), but its placement is kept, and so replayable.
    await attemptsSettled(notifier, clock);
    clock.advance(15 * DAY_MS);
    await service.app.get(HoldReleases).prune();
    expect(await remembered()).toBe(true);

    clock.advance(16 * DAY_MS);
    expect(await service.app.get(DeliveryPruner).prune()).toBeGreaterThanOrEqual(2);
    expect(await notifier.deliveries(`subscriptionId=${id}`)).toEqual([]);
    await service.app.get(HoldReleases).prune();
    expect(await remembered()).toBe(false);
  });
});
