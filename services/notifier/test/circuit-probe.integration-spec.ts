import { expectEventually, ManualClock } from '@holdfast/testing';
import { describe, expect, it } from 'vitest';
import { attemptsSettled, holdPlaced, notifierWithReceiversForSuite } from './support/notifier-fixtures';

/** A circuit that half-opens a second after it opens (real time), so its probe can be watched while it is out. */
describe("notifier: a delivery waiting on its target's circuit probe says so", () => {
  const clock = new ManualClock('2026-06-14T21:00:10Z');
  const suite = notifierWithReceiversForSuite(['slow'], clock, {
    NOTIFIER_CIRCUIT_VOLUME: '2',
    NOTIFIER_CIRCUIT_RESET_MS: '1000',
  });

  it('names the probe out, while it is, and its answer due, then nothing once the probe is taken and the circuit closes', async () => {
    const receiver = suite.receivers.slow;
    receiver.reply = () => ({ status: 503 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: receiver.url, filters: { regions: ['BO'] } });
    await suite.publisher.publish(holdPlaced(['BO']), holdPlaced(['BO']));
    await expectEventually(async () => expect((await suite.notifier.deliveries(`subscriptionId=${id}`)).map((delivery) => delivery.attempts)).toEqual([1, 1]));
    const openedAt = clock.now().toISOString();

    // The probe is held by the receiver; the retries are due once the clock moves past their backoff.
    await attemptsSettled(suite.notifier, clock);
    receiver.reply = () => 'hold';
    clock.advance(60_000);
    await expectEventually(() => expect(receiver.heldCount).toBe(1), { message: 'the probe out' });
    const waiting = await expectEventually(async () => {
      const pending = (await suite.notifier.deliveries(`subscriptionId=${id}&status=pending`)) as { waitingOn: Record<string, string> | null }[];
      expect(pending).toHaveLength(1);
      expect(pending[0].waitingOn).toMatchObject({ cause: 'circuit-probe' });
      return pending[0].waitingOn!;
    });
    expect(waiting).toMatchObject({ openedAt, nextTryAt: new Date(clock.nowMs() + 20_000).toISOString(), reason: expect.stringContaining('goes as the probe') });

    receiver.reply = () => ({ status: 204 });
    receiver.releaseHeld(204);
    await expectEventually(async () => expect((await suite.notifier.deliveries(`subscriptionId=${id}`)).map((delivery) => [delivery.status, delivery.waitingOn])).toEqual([
      ['delivered', null],
      ['delivered', null],
    ]));
  });
});
