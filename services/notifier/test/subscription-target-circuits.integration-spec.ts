import { expectEventually, ManualClock } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { targetKeyOf } from '../src/outbound/target-key';
import { holdWebhookSends } from './support/held-webhook-send';
import { attemptsSettled, holdPlaced, notifierWithReceiversForSuite } from './support/notifier-fixtures';

/**
 * A target's circuit opens at two failures and, for these specs, never half-opens by itself (ten
 * minutes): whatever goes out after it opened went out under another circuit, or none.
 */

// The worker's own sweep is put off for ten minutes, so only this process acting on its own change at the next pump lets go within this.
const AT_ONCE = { timeoutMs: 1_500 };
describe('notifier circuits follow subscriptions: a target changed or a subscription deleted', () => {
  const clock = new ManualClock('2026-06-14T21:00:10Z');
  const suite = notifierWithReceiversForSuite(['down', 'up', 'old', 'new', 'abandoned', 'lingering', 'slack'], clock, {
    NOTIFIER_WORKER_POLL_MS: '50',
    NOTIFIER_CIRCUIT_VOLUME: '2',
    NOTIFIER_CIRCUIT_RESET_MS: '600000',
    NOTIFIER_WORKER_SWEEP_MS: '600000',
  });

  const circuitSeries = async (subscriptionId: string) =>
    (await (await fetch(`${suite.baseUrl}/metrics`)).text()).split('\n').filter((line) => line.startsWith('holdfast_notifier_circuit_state{') && line.includes(`subscription="${subscriptionId}"`));

  it("sends what a subscription had not finished to its new target, under that target's circuit, and its series of the old circuit goes", async () => {
    suite.receivers.down.reply = () => ({ status: 503 });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.down.url, filters: { regions: ['PE'] } });
    await suite.publisher.publish(holdPlaced(['PE']), holdPlaced(['PE']));
    await expectEventually(async () => expect((await suite.notifier.deliveries(`subscriptionId=${id}`)).map((delivery) => [delivery.status, delivery.attempts])).toEqual([['pending', 1], ['pending', 1]]));
    await expectEventually(async () => expect(await circuitSeries(id)).toEqual([expect.stringMatching(/ 2$/)]));

    expect((await suite.notifier.call('PATCH', `/v1/subscriptions/${id}`, { target: suite.receivers.up.url })).status).toBe(200);
    await attemptsSettled(suite.notifier, clock);
    clock.advance(60_000);
    await expectEventually(async () => expect((await suite.notifier.deliveries(`subscriptionId=${id}`)).map((delivery) => delivery.status)).toEqual(['delivered', 'delivered']));
    expect(suite.receivers.up.requests).toHaveLength(2);
    expect(suite.receivers.down.requests).toHaveLength(2);
    const underUp = { targetKey: targetKeyOf(suite.receivers.up.url) };
    expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([underUp, underUp]);
    await expectEventually(async () => expect(await circuitSeries(id)).toEqual([]), AT_ONCE);
  });

  it("replays a dead delivery to the subscription's target now, under that target's circuit", async () => {
    // One receiver, two subscriptions: the first's delivery is refused for good, then the second's failures open the circuit.
    suite.receivers.old.reply = (request) => (request.path === '/refusing' ? { status: 400 } : { status: 503 });
    const refused = await suite.notifier.subscribe({ channel: 'webhook', target: `${suite.receivers.old.url}/refusing`, filters: { regions: ['CO'] } });
    await suite.publisher.publish(holdPlaced(['CO']));
    const [dead] = await expectEventually(async () => {
      const deliveries = await suite.notifier.deliveries(`subscriptionId=${refused.id}&status=dead`);
      expect(deliveries).toHaveLength(1);
      return deliveries;
    });
    const failing = await suite.notifier.subscribe({ channel: 'webhook', target: `${suite.receivers.old.url}/failing`, filters: { regions: ['CR'] } });
    await suite.publisher.publish(holdPlaced(['CR']), holdPlaced(['CR']));
    await expectEventually(async () => expect(await circuitSeries(failing.id)).toEqual([expect.stringMatching(/ 2$/)]));

    expect((await suite.notifier.call('PATCH', `/v1/subscriptions/${refused.id}`, { target: `${suite.receivers.new.url}/taking` })).status).toBe(200);
    expect((await suite.notifier.call('POST', `/v1/deliveries/${dead.id}/replay`)).status).toBe(202);
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${refused.id}`)).toMatchObject([{ id: dead.id, status: 'delivered', targetKey: targetKeyOf(suite.receivers.new.url) }]));
    expect(suite.receivers.new.requests.map((request) => request.path)).toEqual(['/taking']);
    expect((await suite.notifier.call('DELETE', `/v1/subscriptions/${failing.id}`)).status).toBe(204);
  });

  it("lets go of a deleted subscription's circuit series at once, and of its target's circuit once no delivery waits for that target", async () => {
    suite.receivers.abandoned.reply = () => ({ status: 503 });
    const first = await suite.notifier.subscribe({ channel: 'webhook', target: `${suite.receivers.abandoned.url}/first`, filters: { regions: ['AR'] } });
    const second = await suite.notifier.subscribe({ channel: 'webhook', target: `${suite.receivers.abandoned.url}/second`, filters: { regions: ['AR'] } });
    await suite.publisher.publish(holdPlaced(['AR']), holdPlaced(['AR']));
    await expectEventually(async () => expect([...(await circuitSeries(first.id)), ...(await circuitSeries(second.id))]).toEqual([expect.stringMatching(/ 2$/), expect.stringMatching(/ 2$/)]));

    expect((await suite.notifier.call('DELETE', `/v1/subscriptions/${first.id}`)).status).toBe(204);
    await expectEventually(async () => expect(await circuitSeries(first.id)).toEqual([]), AT_ONCE);
    // The second's deliveries still wait for the target: its circuit stays open, and says so.
    expect(await circuitSeries(second.id)).toEqual([expect.stringMatching(/ 2$/)]);

    expect((await suite.notifier.call('DELETE', `/v1/subscriptions/${second.id}`)).status).toBe(204);
    await expectEventually(async () => expect(await circuitSeries(second.id)).toEqual([]), AT_ONCE);
    // Nothing waits for it any more, so its circuit is gone: a new subscription to the receiver, up again, is sent to at once.
    suite.receivers.abandoned.reply = () => ({ status: 204 });
    const third = await suite.notifier.subscribe({ channel: 'webhook', target: `${suite.receivers.abandoned.url}/third`, filters: { regions: ['AR'] } });
    await suite.publisher.publish(holdPlaced(['AR']));
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${third.id}`)).toMatchObject([{ status: 'delivered' }]));
  });

  it("lets go of a target's circuit though a deleted subscription's deliveries, failed while it was deleted, wait pending for their retry", async () => {
    suite.receivers.lingering.reply = () => ({ status: 503 });
    const gone = await suite.notifier.subscribe({ channel: 'webhook', target: `${suite.receivers.lingering.url}/gone`, filters: { regions: ['BO'] } });
    // Both sends are under way when the deletion commits; both fail after it, opening the circuit, and go back to pending.
    const held = holdWebhookSends(suite.app, gone.id);
    try {
      await suite.publisher.publish(holdPlaced(['BO']), holdPlaced(['BO']));
      await held.begun;
      await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${gone.id}&status=sending`)).toHaveLength(2));
      const deleted = suite.notifier.call('DELETE', `/v1/subscriptions/${gone.id}`);
      const checks = held.stillSendingChecks();
      await expectEventually(() => expect(held.stillSendingChecks()).toBeGreaterThan(checks));
      held.proceed();
      expect((await deleted).status).toBe(204);
    } finally {
      held.restore();
    }
    // The DELETE does not wait for the sends under way: each goes back to pending once its 503 is in.
    await expectEventually(async () => {
      const [pending] = (await suite.app.get(DataSource).query(`SELECT count(*)::int AS n FROM delivery WHERE subscription_id = $1 AND status = 'pending'`, [gone.id])) as [{ n: number }];
      expect(pending.n).toBe(2);
    });

    // Nothing will send those: the circuit is let go, and a new subscription to the receiver, up again, is sent to at once.
    suite.receivers.lingering.reply = () => ({ status: 204 });
    const next = await suite.notifier.subscribe({ channel: 'webhook', target: `${suite.receivers.lingering.url}/next`, filters: { regions: ['BO'] } });
    await suite.publisher.publish(holdPlaced(['BO']));
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${next.id}`)).toMatchObject([{ status: 'delivered' }]));
  });

  it("gives each Slack subscription a circuit of its own: every Slack webhook shares one host, and Slack limits each alone", async () => {
    suite.receivers.slack.reply = (request) => (request.path.endsWith('/limited') ? { status: 429 } : { status: 200, body: 'ok' });
    const limited = await suite.notifier.subscribe({ channel: 'slack', target: `${suite.receivers.slack.url}/services/T1/B2/limited`, filters: { regions: ['UY'] } });
    const other = await suite.notifier.subscribe({ channel: 'slack', target: `${suite.receivers.slack.url}/services/T1/B3/other`, filters: { regions: ['UY'] } });
    await suite.publisher.publish(holdPlaced(['UY']), holdPlaced(['UY']));
    await expectEventually(async () => expect(await circuitSeries(limited.id)).toEqual([expect.stringMatching(/ 2$/)]));

    // Sent after the limited channel's circuit opened: the other channel's message goes out all the same.
    await suite.publisher.publish(holdPlaced(['UY']));
    await expectEventually(async () => expect((await suite.notifier.deliveries(`subscriptionId=${other.id}`)).map((delivery) => delivery.status)).toEqual(['delivered', 'delivered', 'delivered']));
    expect(await circuitSeries(other.id)).not.toContainEqual(expect.stringMatching(/ 2$/));
    expect(await suite.notifier.deliveries(`subscriptionId=${other.id}`)).toMatchObject([1, 2, 3].map(() => ({ targetKey: `${targetKeyOf(suite.receivers.slack.url)} (Slack subscription ${other.id})` })));
  });
});
