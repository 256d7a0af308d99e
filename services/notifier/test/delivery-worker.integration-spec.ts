import type { EventPublisher } from '@holdfast/messaging';
import { expectEventually, ManualClock } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpReceiver } from './support/http-receiver';
import { holdPlaced, holdReleased, startNotifierWithReceivers, type NotifierWithReceivers } from './support/notifier-fixtures';

/**
 * The worker with its poll out of the picture (ten minutes): a delivery goes out only on the
 * NOTIFY of its recording or when a finished one frees what it waited for, so these specs fail if
 * a wake-up is skipped that was needed.
 */
describe('notifier delivery worker, woken by recordings and finishes only', () => {
  const clock = new ManualClock('2026-06-14T21:00:10Z');
  let notifier: NotifierWithReceivers['notifier'];
  let publisher: EventPublisher;
  let receivers: Record<string, HttpReceiver>;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ notifier, publisher, receivers, close } = await startNotifierWithReceivers(['ordered', 'busy', 'failing', 'healthy'], clock, {
      NOTIFIER_WORKER_POLL_MS: '600000',
      NOTIFIER_WORKER_CONCURRENCY: '3',
      NOTIFIER_DELIVERY_TIMEOUT_MS: '20000',
      NOTIFIER_DELIVERY_LEASE_MS: '60000',
      NOTIFIER_CIRCUIT_VOLUME: '2',
      NOTIFIER_CIRCUIT_RESET_MS: '600000',
    }));
  });

  afterAll(async () => {
    await close?.();
  });

  it('sends a key\'s next event as soon as the one before it is delivered', async () => {
    receivers.ordered.reply = () => 'hold';
    await notifier.subscribe({ channel: 'webhook', target: receivers.ordered.url, filters: { regions: ['BR'] } });
    const placed = holdPlaced(['BR']);
    await publisher.publish(placed, holdReleased(placed));
    await expectEventually(() => expect(receivers.ordered.heldCount).toBe(1));

    receivers.ordered.reply = () => ({ status: 204 });
    receivers.ordered.releaseHeld();
    await expectEventually(() => expect(receivers.ordered.requests.map((request) => JSON.parse(request.body).type)).toEqual(['hold.placed', 'hold.released']));
  });

  it('sends what waited for room (the worker\'s three at a time) as requests finish', async () => {
    receivers.busy.reply = () => 'hold';
    await notifier.subscribe({ channel: 'webhook', target: receivers.busy.url, filters: { regions: ['CL'] } });
    await publisher.publish(...Array.from({ length: 7 }, () => holdPlaced(['CL'])));
    await expectEventually(() => expect(receivers.busy.heldCount).toBe(3));

    receivers.busy.reply = () => ({ status: 204 });
    receivers.busy.releaseHeld();
    await expectEventually(() => expect(receivers.busy.requests).toHaveLength(7));
  });

  it('claims nothing for a target whose circuit is open, and carries on with the others', async () => {
    receivers.failing.reply = () => ({ status: 503 });
    const failing = await notifier.subscribe({ channel: 'webhook', target: receivers.failing.url, filters: { regions: ['PE'] } });
    await notifier.subscribe({ channel: 'webhook', target: receivers.healthy.url, filters: { regions: ['PE'] } });
    await publisher.publish(holdPlaced(['PE']), holdPlaced(['PE']));
    // Two failures of two: the failing target's circuit opens. Their retries are due only when the clock moves.
    await expectEventually(async () => expect((await notifier.deliveries(`subscriptionId=${failing.id}`)).map((delivery) => delivery.attempts)).toEqual([1, 1]));

    const third = holdPlaced(['PE']);
    await publisher.publish(third);
    await expectEventually(() => expect(receivers.healthy.requests).toHaveLength(3));
    const [waiting] = await notifier.deliveries(`subscriptionId=${failing.id}&eventId=${third.id}`);
    // Never claimed: a claim would have been postponed by the circuit's reset time.
    expect(waiting).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: clock.now().toISOString() });
    expect(receivers.failing.requests).toHaveLength(2);
  });
});
