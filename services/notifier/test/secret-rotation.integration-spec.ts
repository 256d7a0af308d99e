import type { EventPublisher } from '@holdfast/messaging';
import { generateApiKey } from '@holdfast/service-kit';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifierService } from '../src/app.module';
import type { SubscriptionCache } from '../src/deliveries/subscription-cache';
import { DeliveryWorker } from '../src/deliveries/delivery.worker';
import { SubscriptionsService } from '../src/subscriptions/subscriptions.service';
import { holdWebhookSends } from './support/held-webhook-send';
import { HttpReceiver, type ReceivedRequest } from './support/http-receiver';
import { api, attemptsSettled, connectPublisher, holdPlaced, json } from './support/notifier-fixtures';

const HOUR_MS = 3_600_000;

/** A receiver's own check, as README.md tells receivers to write it: node:crypto only, none of the notifier's code. */
function verifiedWith(secret: string, request: ReceivedRequest, nowSeconds: number): boolean {
  const id = String(request.headers['webhook-id']);
  const timestamp = String(request.headers['webhook-timestamp']);
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${id}.${timestamp}.${request.body}`).digest();
  return String(request.headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const given = Buffer.from(entry.split(',')[1] ?? '', 'base64');
      return entry.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

interface Rotated {
  id: string;
  secret: string;
  previousSecretUntil: string | null;
  previousSecrets: { until: string }[];
  hasSecret: boolean;
}

describe('notifier: rotating a webhook signing secret with an overlap, against the real broker and PostgreSQL', () => {
  const clock = new ManualClock('2026-06-14T21:00:10Z');
  let receiver: HttpReceiver;
  let service: ServiceUnderTest<ReturnType<typeof notifierService.configFromEnvironment>>;
  let publisher: EventPublisher;
  let notifier: ReturnType<typeof api>;

  const nowSeconds = () => Math.floor(clock.nowMs() / 1000);
  const rotate = (id: string, body?: unknown) => notifier.call('POST', `/v1/subscriptions/${id}/secret/rotate`, body);
  const requestsTo = (path: string) => receiver.requests.filter((request) => request.path === path);
  // A test message recorded through the API, and the request it became, once recorded: a spec may then move the clock past its lease.
  const deliverTest = async (id: string, path: string): Promise<ReceivedRequest> => {
    const before = requestsTo(path).length;
    expect((await notifier.call('POST', `/v1/subscriptions/${id}/test`)).status).toBe(202);
    const request = await expectEventually(() => {
      expect(requestsTo(path)).toHaveLength(before + 1);
      return requestsTo(path)[before];
    });
    await attemptsSettled(notifier, clock);
    return request;
  };
  const signatureCount = (request: ReceivedRequest) => String(request.headers['webhook-signature']).split(' ').length;
  // One hold in the subscription's own region, and the request it became, once recorded: a spec may then move the clock past its lease.
  const deliverHold = async (region: string, path: string): Promise<ReceivedRequest> => {
    const before = requestsTo(path).length;
    await publisher.publish(holdPlaced([region]));
    const request = await expectEventually(() => {
      expect(requestsTo(path)).toHaveLength(before + 1);
      return requestsTo(path)[before];
    });
    await expectEventually(async () =>
      expect(await service.app.get(DataSource).query("SELECT id FROM delivery WHERE status IN ('pending', 'sending')")).toEqual([]),
    );
    return request;
  };

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    service = await startServiceUnderTest(notifierService, { clock, environment: { NOTIFIER_OUTBOUND_ALLOW: receiver.allowEntry, NOTIFIER_WORKER_POLL_MS: '50', NOTIFIER_WORKER_SWEEP_MS: '500' } });
    publisher = await connectPublisher(service.config.kafka);
    notifier = api(service);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
    await receiver?.close();
  });

  it('signs with the old and the new secret, new first, while the overlap lasts, then with the new one only, and never shows either again', async () => {
    const { id, secret: old } = await notifier.subscribe({ channel: 'webhook', target: `${receiver.url}/rotated`, filters: { regions: ['IR'] } });
    const response = await rotate(id);
    expect(response.status).toBe(200);
    const rotated = await json<Rotated>(response);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(old);
    const overlapEnds = new Date(clock.nowMs() + 24 * HOUR_MS).toISOString();
    expect(rotated).toMatchObject({ id, hasSecret: true, previousSecretUntil: overlapEnds });

    const shown = await (await notifier.call('GET', `/v1/subscriptions/${id}`)).text();
    expect(JSON.parse(shown)).toMatchObject({ previousSecretUntil: overlapEnds, hasSecret: true });
    expect(JSON.parse(shown)).not.toHaveProperty('secret');
    const stored = JSON.stringify(await service.app.get(DataSource).query('SELECT * FROM subscription WHERE id = $1', [id]));
    for (const secret of [old as string, rotated.secret]) {
      expect(shown).not.toContain(secret.slice('whsec_'.length));
      expect(stored).not.toContain(secret.slice('whsec_'.length));
    }

    const during = await deliverHold('IR', '/rotated');
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifiedWith(rotated.secret, during, nowSeconds())).toBe(true);
    expect(verifiedWith(old as string, during, nowSeconds())).toBe(true);
    // The new secret's signature first: a receiver that checks only the first entry moves with the rotation.
    const firstOnly = { ...during, headers: { ...during.headers, 'webhook-signature': String(during.headers['webhook-signature']).split(' ')[0] } };
    expect(verifiedWith(rotated.secret, firstOnly, nowSeconds())).toBe(true);

    clock.advance(24 * HOUR_MS);
    const after = await deliverHold('IR', '/rotated');
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifiedWith(rotated.secret, after, nowSeconds())).toBe(true);
    expect(verifiedWith(old as string, after, nowSeconds())).toBe(false);
    expect(await (await notifier.call('GET', `/v1/subscriptions/${id}`)).json()).toMatchObject({ previousSecretUntil: null });

    // Past its overlap the old secret is erased from storage, not only left unused.
    expect(await service.app.get(SubscriptionsService).forgetEndedOverlaps()).toBeGreaterThanOrEqual(1);
    expect(await service.app.get(DataSource).query('SELECT previous_secrets FROM subscription WHERE id = $1', [id])).toEqual([{ previous_secrets: [] }]);
  });

  it('takes the new secret and the overlap from the body: with no overlap the old secret stops signing at once', async () => {
    const { id, secret: old } = await notifier.subscribe({ channel: 'webhook', target: `${receiver.url}/at-once`, filters: { regions: ['NP'] } });
    const given = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const rotated = await json<Rotated>(await rotate(id, { secret: given, overlapHours: 0 }));
    expect(rotated).toMatchObject({ secret: given, previousSecretUntil: null });

    const request = await deliverHold('NP', '/at-once');
    expect(verifiedWith(given, request, nowSeconds())).toBe(true);
    expect(verifiedWith(old as string, request, nowSeconds())).toBe(false);

    const shortened = await json<Rotated>(await rotate(id, { overlapHours: 1.5 }));
    expect(shortened.previousSecretUntil).toBe(new Date(clock.nowMs() + 1.5 * HOUR_MS).toISOString());
  });

  it('ends an overlap when the secret is given with PATCH, as for a leaked one', async () => {
    const { id, secret: old } = await notifier.subscribe({ channel: 'webhook', target: `${receiver.url}/patched`, filters: { regions: ['DE'] } });
    await rotate(id);
    const replacement = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    expect(await (await notifier.call('PATCH', `/v1/subscriptions/${id}`, { secret: replacement })).json()).toMatchObject({ previousSecretUntil: null });

    const request = await deliverHold('DE', '/patched');
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifiedWith(replacement, request, nowSeconds())).toBe(true);
    expect(verifiedWith(old as string, request, nowSeconds())).toBe(false);
  });

  it('refuses what cannot be rotated: another channel, a malformed or unchanged secret, an overlap out of bounds, a subscription of another team', async () => {
    const grafana = await notifier.subscribe({ channel: 'grafana', target: 'https://grafana.example.com', secret: 'glsa_token' });
    const slack = await notifier.subscribe({ channel: 'slack', target: 'https://hooks.slack.com/services/T000/B000/XXXX' });
    for (const { id } of [grafana, slack]) {
      const refused = await rotate(id);
      expect(refused.status).toBe(422);
      expect(await refused.json()).toMatchObject({ code: 'secret-not-rotatable', detail: expect.stringMatching(/only a webhook's signing secret is rotated.*PATCH \/v1\/subscriptions\//) });
      // Gone again: their targets are not reachable from here, and the holds of the specs after would go to them.
      expect((await notifier.call('DELETE', `/v1/subscriptions/${id}`)).status).toBe(204);
    }

    const { id, secret } = await notifier.subscribe({ channel: 'webhook', target: `${receiver.url}/refused` });
    expect(await (await rotate(id, { secret: 'hunter2' })).json()).toMatchObject({ status: 422, code: 'invalid-subscription', errors: [{ path: 'secret', message: expect.stringMatching(/whsec_/) }] });
    expect(await (await rotate(id, { secret })).json()).toMatchObject({ status: 422, errors: [{ path: 'secret', message: expect.stringMatching(/^is the secret in use now/) }] });
    for (const body of [{ overlapHours: 169 }, { overlapHours: -1 }, { overlapHours: '24h' }, { overlap: 24 }]) {
      const refused = await rotate(id, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(await refused.json()).toMatchObject({ code: 'invalid-body' });
    }
    expect((await rotate('0190a9a2-0000-7000-8000-000000000000')).status).toBe(404);
    // Refused, nothing changed: the secret is still the only one signing.
    expect(await (await notifier.call('GET', `/v1/subscriptions/${id}`)).json()).toMatchObject({ previousSecretUntil: null });

    const key = generateApiKey();
    const admin = new pg.Client({ connectionString: service.database.url });
    await admin.connect();
    try {
      await admin.query("INSERT INTO notifier.api_key_copy (key_id, prefix, hash, team, scopes, created_at) VALUES ($1, $2, $3, 'storage', '{read,subscriptions:write}', now())", [key.keyId, key.prefix, key.hash]);
    } finally {
      await admin.end();
    }
    const asStorage = await fetch(`${service.baseUrl}/v1/subscriptions/${id}/secret/rotate`, { method: 'POST', headers: { authorization: `Bearer ${key.key}` } });
    expect(asStorage.status).toBe(403);
  });

  it('signs the first delivery claimed after the rotation answered with the new secret, though the worker read the subscription a moment before', async () => {
    const { id, secret: old } = await notifier.subscribe({ channel: 'webhook', target: `${receiver.url}/cached`, filters: { regions: ['JP'] } });
    // The worker now holds a copy of the subscription, old secret and all, that it would use for a second.
    expect(verifiedWith(old as string, await deliverTest(id, '/cached'), nowSeconds())).toBe(true);
    const rotated = await json<Rotated>(await rotate(id, { overlapHours: 0 }));

    // A receiver that took the new secret on reading the answer accepts the very next delivery, and only it does.
    const next = await deliverTest(id, '/cached');
    expect(signatureCount(next)).toBe(1);
    expect(verifiedWith(rotated.secret, next, nowSeconds())).toBe(true);
    expect(verifiedWith(old as string, next, nowSeconds())).toBe(false);
  });

  const replacement = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
  it.each([
    ['a rotation', (id: string) => rotate(id, { overlapHours: 0 }).then(async (response) => (await json<Rotated>(response)).secret)],
    ['a PATCH of the secret', (id: string) => notifier.call('PATCH', `/v1/subscriptions/${id}`, { secret: replacement }).then(() => replacement)],
  ])('answers %s only once a delivery that read the old secret before it is sent, so none signed without the new secret arrives after the answer', async (_, change) => {
    const path = `/in-flight-${randomUUID()}`;
    const { id, secret: old } = await notifier.subscribe({ channel: 'webhook', target: `${receiver.url}${path}`, filters: { regions: ['KR'] } });
    const database = service.app.get(DataSource);
    const storedSecret = async () => ((await database.query('SELECT sealed_secret FROM subscription WHERE id = $1', [id])) as [{ sealed_secret: string }])[0].sealed_secret;
    // The worker has read the subscription (the old secret) and is about to send when the change commits: held there.
    const held = holdWebhookSends(service.app, id);
    try {
      expect((await notifier.call('POST', `/v1/subscriptions/${id}/test`)).status).toBe(202);
      await held.begun;
      const before = await storedSecret();
      let receivedBeforeTheAnswer: number | undefined;
      const answer = change(id).then((secret) => {
        receivedBeforeTheAnswer = requestsTo(path).length;
        return secret;
      });
      // Committed (the stored secret changed), and still not answered while the old-secret send is under way.
      await expectEventually(async () => expect(await storedSecret()).not.toBe(before));
      const checks = held.stillSendingChecks();
      await expectEventually(() => expect(held.stillSendingChecks()).toBeGreaterThan(checks));
      expect(receivedBeforeTheAnswer).toBeUndefined();
      held.proceed();
      const secret = await answer;

      expect(receivedBeforeTheAnswer).toBe(1);
      expect(verifiedWith(old as string, requestsTo(path)[0], nowSeconds())).toBe(true);
      const next = await deliverTest(id, path);
      expect(verifiedWith(secret, next, nowSeconds())).toBe(true);
      expect(verifiedWith(old as string, next, nowSeconds())).toBe(false);
    } finally {
      held.restore();
    }
  });

  it('keeps signing with every secret a rotation replaced until its own overlap ends, up to three, and refuses a fourth naming when the first ends', async () => {
    const { id, secret: first } = await notifier.subscribe({ channel: 'webhook', target: `${receiver.url}/twice`, filters: { regions: ['BR'] } });
    const rotatedAt = clock.nowMs();
    const second = await json<Rotated>(await rotate(id));
    clock.advance(HOUR_MS);
    // The second secret, just given out, is lost (or mistyped): rotated again within the first overlap, with a short one of its own.
    const third = await json<Rotated>(await rotate(id, { overlapHours: 2 }));
    const firstEnds = new Date(rotatedAt + 24 * HOUR_MS).toISOString();
    const secondEnds = new Date(clock.nowMs() + 2 * HOUR_MS).toISOString();

    // A receiver may hold any of the three: each is accepted, the newest signature first.
    const during = await deliverHold('BR', '/twice');
    for (const secret of [first as string, second.secret, third.secret]) expect(verifiedWith(secret, during, nowSeconds())).toBe(true);
    expect(signatureCount(during)).toBe(3);
    expect(third).toMatchObject({ previousSecretUntil: firstEnds, previousSecrets: [{ until: secondEnds }, { until: firstEnds }] });
    expect(await (await notifier.call('GET', `/v1/subscriptions/${id}`)).json()).toMatchObject({ previousSecretUntil: firstEnds, previousSecrets: [{ until: secondEnds }, { until: firstEnds }] });

    // Past the second overlap, the secret it kept stops signing; the first one still does until its own end.
    clock.advance(2 * HOUR_MS);
    const later = await deliverHold('BR', '/twice');
    expect(signatureCount(later)).toBe(2);
    expect(verifiedWith(second.secret, later, nowSeconds())).toBe(false);
    expect(verifiedWith(first as string, later, nowSeconds())).toBe(true);
    expect(await service.app.get(SubscriptionsService).forgetEndedOverlaps()).toBeGreaterThanOrEqual(1);
    expect(await (await notifier.call('GET', `/v1/subscriptions/${id}`)).json()).toMatchObject({ previousSecretUntil: firstEnds, previousSecrets: [{ until: firstEnds }] });

    // Three kept (the first, the third, the fourth): a fifth secret would drop one still promised, so it is refused.
    const fourth = await json<Rotated>(await rotate(id));
    const fifth = await json<Rotated>(await rotate(id));
    expect(fifth.previousSecrets).toHaveLength(3);
    const refused = await rotate(id);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: 'too-many-signing-secrets',
      firstOverlapEndsAt: firstEnds,
      detail: expect.stringContaining(`the first of them stops signing at ${firstEnds}`),
    });
    const stillSigning = await deliverHold('BR', '/twice');
    expect(signatureCount(stillSigning)).toBe(4);
    for (const secret of [fifth.secret, fourth.secret, third.secret, first as string]) expect(verifiedWith(secret, stillSigning, nowSeconds())).toBe(true);

    // With no overlap the new secret alone signs, as for a leaked one.
    const replaced = await json<Rotated>(await rotate(id, { overlapHours: 0 }));
    expect(replaced).toMatchObject({ previousSecretUntil: null, previousSecrets: [] });
    const alone = await deliverHold('BR', '/twice');
    expect(signatureCount(alone)).toBe(1);
    expect(verifiedWith(replaced.secret, alone, nowSeconds())).toBe(true);
  });

  it('signs once with a secret a rotation brings back while it is still kept, first', async () => {
    const { id, secret: first } = await notifier.subscribe({ channel: 'webhook', target: `${receiver.url}/back`, filters: { regions: ['CL'] } });
    const second = await json<Rotated>(await rotate(id));
    const back = await json<Rotated>(await rotate(id, { secret: first }));
    expect(back.previousSecrets).toHaveLength(1);
    const request = await deliverHold('CL', '/back');
    expect(signatureCount(request)).toBe(2);
    const firstOnly = { ...request, headers: { ...request.headers, 'webhook-signature': String(request.headers['webhook-signature']).split(' ')[0] } };
    expect(verifiedWith(first as string, firstOnly, nowSeconds())).toBe(true);
    expect(verifiedWith(second.secret, request, nowSeconds())).toBe(true);
  });

  it("lets go of its copy of a subscription once it is no longer sent to, a deleted one's included", async () => {
    const { id } = await notifier.subscribe({ channel: 'webhook', target: `${receiver.url}/forgotten`, filters: { regions: ['FR'] } });
    await deliverHold('FR', '/forgotten');
    const cache = (service.app.get(DeliveryWorker) as unknown as { subscriptionCache: SubscriptionCache<unknown> }).subscriptionCache as unknown as { entries: Map<string, unknown> };
    expect((await notifier.call('DELETE', `/v1/subscriptions/${id}`)).status).toBe(204);
    // The worker sweeps its copies every NOTIFIER_WORKER_SWEEP_MS (500 ms here).
    await expectEventually(() => expect(cache.entries.has(id)).toBe(false), { timeoutMs: 5_000, intervalMs: 100 });
  });
});
