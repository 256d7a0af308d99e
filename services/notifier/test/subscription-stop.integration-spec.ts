import { expectEventually, ManualClock } from '@holdfast/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { DeliveriesService } from '../src/deliveries/deliveries.service';
import { SubscriptionEntity } from '../src/subscriptions/subscription.entity';
import { holdWebhookSends } from './support/held-webhook-send';
import { notifierWithReceiversForSuite } from './support/notifier-fixtures';

const stops = [
  ['turned off', 'PATCH', { enabled: false }, 'dead', /is turned off/],
  ['deleted', 'DELETE', undefined, 'cancelled', /was deleted/],
] as const;

describe('notifier: no attempt starts on what a subscription was before the answer that turned it off, deleted it or moved it, against the real PostgreSQL', () => {
  const suite = notifierWithReceiversForSuite(['stops'], new ManualClock('2026-06-14T21:00:10Z'), { NOTIFIER_WORKER_POLL_MS: '50' });

  const requestsTo = (path: string) => suite.receivers.stops.requests.filter((request) => request.path === path);
  const stop = (method: 'PATCH' | 'DELETE', id: string, body: unknown) => suite.notifier.call(method, `/v1/subscriptions/${id}`, body);
  const statusOf = async (deliveryId: string) =>
    ((await suite.app.get(DataSource).query('SELECT status, last_error FROM delivery WHERE id = $1', [deliveryId])) as [{ status: string; last_error: string | null }])[0];

  it.each(stops)('sends nothing recorded after a subscription was %s, though the worker read it as sending a moment before', async (_, method, body, status, error) => {
    const path = `/stale-${randomUUID()}`;
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: `${suite.receivers.stops.url}${path}` });
    // Read as a consumer reads the subscriptions it records for, just before the change commits.
    const readBefore = await suite.app.get(DataSource).getRepository(SubscriptionEntity).findOneByOrFail({ id });
    // The worker now holds a copy of the subscription, on and not deleted, that it would use for a second.
    expect((await suite.notifier.call('POST', `/v1/subscriptions/${id}/test`)).status).toBe(202);
    await expectEventually(() => expect(requestsTo(path)).toHaveLength(1));

    expect((await stop(method, id, body)).status).toBeLessThan(300);
    const late = await suite.app.get(DeliveriesService).recordTest(readBefore);

    await expectEventually(async () => expect(await statusOf(late.id)).toMatchObject({ status, last_error: expect.stringMatching(error) }));
    expect(requestsTo(path)).toHaveLength(1);
  });

  /**
   * Holds the worker's send of a test delivery, which has read the subscription as it was, while `change` commits, and
   * expects the change unanswered until that send is done: no request reaches the receiver at `path` after the answer.
   */
  const expectAnsweredOnceTheHeldSendIsDone = async (id: string, path: string, change: () => ReturnType<typeof stop>, committed: () => Promise<void>) => {
    const held = holdWebhookSends(suite.app, id);
    try {
      expect((await suite.notifier.call('POST', `/v1/subscriptions/${id}/test`)).status).toBe(202);
      await held.begun;
      let receivedBeforeTheAnswer: number | undefined;
      const answer = change().then((response) => {
        receivedBeforeTheAnswer = requestsTo(path).length;
        return response;
      });
      // Committed, and still not answered while the send that read the subscription before is under way.
      await expectEventually(committed);
      const checks = held.stillSendingChecks();
      await expectEventually(() => expect(held.stillSendingChecks()).toBeGreaterThan(checks));
      expect(receivedBeforeTheAnswer).toBeUndefined();
      held.proceed();
      expect((await answer).status).toBeLessThan(300);
      expect(receivedBeforeTheAnswer).toBe(1);
    } finally {
      held.restore();
    }
  };

  it.each(stops)('answers a subscription %s only once a delivery that read it before is sent, so no request reaches the receiver after the answer', async (_, method, body) => {
    const path = `/in-flight-${randomUUID()}`;
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: `${suite.receivers.stops.url}${path}` });
    const database = suite.app.get(DataSource);
    await expectAnsweredOnceTheHeldSendIsDone(
      id,
      path,
      () => stop(method, id, body),
      async () => expect(await database.query('SELECT enabled FROM subscription WHERE id = $1', [id])).toEqual([{ enabled: false }]),
    );
  });

  it('sends a delivery claimed after a PATCH moved the target to another path to the new one, though the worker read the old one a moment before', async () => {
    const [before, after] = [`/before-move-${randomUUID()}`, `/after-move-${randomUUID()}`];
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: `${suite.receivers.stops.url}${before}` });
    // The worker now holds a copy naming the old path, which it would use for a second; the target's host and port stay the same.
    expect((await suite.notifier.call('POST', `/v1/subscriptions/${id}/test`)).status).toBe(202);
    await expectEventually(() => expect(requestsTo(before)).toHaveLength(1));

    expect((await suite.notifier.call('PATCH', `/v1/subscriptions/${id}`, { target: `${suite.receivers.stops.url}${after}` })).status).toBe(200);
    expect((await suite.notifier.call('POST', `/v1/subscriptions/${id}/test`)).status).toBe(202);

    await expectEventually(() => expect(requestsTo(after)).toHaveLength(1));
    expect(requestsTo(before)).toHaveLength(1);
  });

  it('answers a PATCH of the target only once a delivery that read the old one is sent, so nothing reaches the old target after the answer', async () => {
    const [before, after] = [`/in-flight-before-move-${randomUUID()}`, `/in-flight-after-move-${randomUUID()}`];
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: `${suite.receivers.stops.url}${before}` });
    const database = suite.app.get(DataSource);
    await expectAnsweredOnceTheHeldSendIsDone(
      id,
      before,
      () => stop('PATCH', id, { target: `${suite.receivers.stops.url}${after}` }),
      async () => expect(await database.query('SELECT target FROM subscription WHERE id = $1', [id])).toEqual([{ target: `${suite.receivers.stops.url}${after}` }]),
    );
    expect(requestsTo(after)).toHaveLength(0);
  });
});
