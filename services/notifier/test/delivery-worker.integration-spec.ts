import { expectEventually, ManualClock } from '@holdfast/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { targetKeyOf } from '../src/outbound/target-key';
import { holdPlaced, holdReleased, json, notifierWithReceiversForSuite, type DeliveryView } from './support/notifier-fixtures';

/**
 * The worker with its poll out of the picture (ten minutes): a delivery goes out only on the
 * NOTIFY of its recording or when a finished one frees what it waited for, so these specs fail if
 * a wake-up is skipped that was needed.
 */
describe('notifier delivery worker, woken by recordings and finishes only', () => {
  const clock = new ManualClock('2026-06-14T21:00:10Z');
  const suite = notifierWithReceiversForSuite(['ordered', 'busy', 'failing', 'healthy', 'unwell', 'relistening'], clock, {
    NOTIFIER_WORKER_POLL_MS: '600000',
    NOTIFIER_WORKER_CONCURRENCY: '3',
    NOTIFIER_CIRCUIT_VOLUME: '2',
    NOTIFIER_CIRCUIT_RESET_MS: '600000',
  });

  it('sends a key\'s next event as soon as the one before it is delivered', async () => {
    suite.receivers.ordered.reply = () => 'hold';
    await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.ordered.url, filters: { regions: ['BR'] } });
    const placed = holdPlaced(['BR']);
    await suite.publisher.publish(placed, holdReleased(placed));
    await expectEventually(() => expect(suite.receivers.ordered.heldCount).toBe(1));

    suite.receivers.ordered.reply = () => ({ status: 204 });
    suite.receivers.ordered.releaseHeld();
    await expectEventually(() => expect(suite.receivers.ordered.requests.map((request) => JSON.parse(request.body).type)).toEqual(['hold.placed', 'hold.released']));
  });

  it('sends what waited for room (the worker\'s three at a time) as requests finish', async () => {
    suite.receivers.busy.reply = () => 'hold';
    await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.busy.url, filters: { regions: ['CL'] } });
    await suite.publisher.publish(...Array.from({ length: 7 }, () => holdPlaced(['CL'])));
    await expectEventually(() => expect(suite.receivers.busy.heldCount).toBe(3));

    suite.receivers.busy.reply = () => ({ status: 204 });
    suite.receivers.busy.releaseHeld();
    await expectEventually(() => expect(suite.receivers.busy.requests).toHaveLength(7));
  });

  it('claims nothing for a target whose circuit is open, and carries on with the others', async () => {
    suite.receivers.failing.reply = () => ({ status: 503 });
    const failing = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.failing.url, filters: { regions: ['PE'] } });
    await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.healthy.url, filters: { regions: ['PE'] } });
    await suite.publisher.publish(holdPlaced(['PE']), holdPlaced(['PE']));
    // Two failures of two: the failing target's circuit opens. Their retries are due only when the clock moves.
    await expectEventually(async () => expect((await suite.notifier.deliveries(`subscriptionId=${failing.id}`)).map((delivery) => delivery.attempts)).toEqual([1, 1]));

    const third = holdPlaced(['PE']);
    await suite.publisher.publish(third);
    await expectEventually(() => expect(suite.receivers.healthy.requests).toHaveLength(3));
    const [waiting] = await suite.notifier.deliveries(`subscriptionId=${failing.id}&eventId=${third.id}`);
    // Never claimed: a claim would have been postponed by the circuit's reset time.
    expect(waiting).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: clock.now().toISOString() });
    expect(suite.receivers.failing.requests).toHaveLength(2);

    // /metrics answers anyone: the open circuit names the subscription, never the receiver's host and port.
    const metrics = await (await fetch(`${suite.baseUrl}/metrics`)).text();
    const circuits = metrics.split('\n').filter((line) => line.startsWith('holdfast_notifier_circuit_state{'));
    expect(circuits).toEqual([expect.stringMatching(new RegExp(`^holdfast_notifier_circuit_state\\{(?=.*subscription="${failing.id}")(?=.*channel="webhook").*\\} 2$`))]);
    expect(metrics).not.toContain(suite.receivers.failing.allowEntry);
  });

  it("says on each delivery waiting on its target's open circuit why, and when the next try is due", async () => {
    suite.receivers.unwell.reply = () => ({ status: 503 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.unwell.url, filters: { regions: ['EC'] } });
    await suite.publisher.publish(holdPlaced(['EC']), holdPlaced(['EC']));
    await expectEventually(async () => expect((await suite.notifier.deliveries(`subscriptionId=${id}`)).map((delivery) => delivery.attempts)).toEqual([1, 1]));
    const third = holdPlaced(['EC']);
    await suite.publisher.publish(third);

    // The two retrying (due within seconds) and the one never claimed: each waits on the circuit until it half-opens, ten minutes on.
    const waitingOn = {
      cause: 'open-circuit',
      openedAt: clock.now().toISOString(),
      nextTryAt: new Date(clock.nowMs() + 600_000).toISOString(),
      reason: expect.stringContaining(`waits on the open circuit of ${targetKeyOf(suite.receivers.unwell.url)}`),
    };
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([0, 1, 2].map(() => ({ status: 'pending', waitingOn }))));
    const [waiting] = await suite.notifier.deliveries(`subscriptionId=${id}&eventId=${third.id}`);
    expect(await json<DeliveryView>(await suite.notifier.call('GET', `/v1/deliveries/${waiting.id}`))).toMatchObject({ attempts: 0, waitingOn });
    // What nothing holds says so too.
    expect(await suite.notifier.deliveries('status=delivered&limit=1')).toMatchObject([{ waitingOn: null }]);
  });

  it('listens again once its LISTEN connection is cut (PostgreSQL restarted), so a delivery recorded after goes out on its NOTIFY', async () => {
    await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.relistening.url, filters: { regions: ['NO'] } });
    const admin = new pg.Client({ connectionString: suite.database.url });
    await admin.connect();
    try {
      const listeners = async () =>
        (
          await admin.query<{ pid: number }>(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '%-delivery-worker' AND query LIKE 'LISTEN%' AND state = 'idle'",
          )
        ).rows.map((row) => row.pid);
      const [cut] = await listeners();
      expect(cut).toBeDefined();
      await admin.query('SELECT pg_terminate_backend($1)', [cut]);
      await expectEventually(async () => expect((await listeners()).filter((pid) => pid !== cut)).toHaveLength(1), { message: 'the worker listening on a new connection' });

      await suite.publisher.publish(holdPlaced(['NO']));
      await expectEventually(() => expect(suite.receivers.relistening.requests).toHaveLength(1));
    } finally {
      await admin.end();
    }
  });
});
