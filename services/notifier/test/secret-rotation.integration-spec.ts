import type { EventPublisher } from '@holdfast/messaging';
import { generateApiKey } from '@holdfast/service-kit';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { createHmac, timingSafeEqual } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifierService } from '../src/app.module';
import type { SubscriptionCache } from '../src/deliveries/subscription-cache';
import { DeliveryWorker } from '../src/deliveries/delivery.worker';
import { SubscriptionsService } from '../src/subscriptions/subscriptions.service';
import { HttpReceiver, type ReceivedRequest } from './support/http-receiver';
import { api, connectPublisher, holdPlaced, json } from './support/notifier-fixtures';

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
  // One hold in the subscription's own region, and the request it became.
  const deliverHold = async (region: string, path: string): Promise<ReceivedRequest> => {
    const before = requestsTo(path).length;
    await publisher.publish(holdPlaced([region]));
    return expectEventually(() => {
      expect(requestsTo(path)).toHaveLength(before + 1);
      return requestsTo(path)[before];
    });
  };

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    service = await startServiceUnderTest(notifierService, { clock, environment: { NOTIFIER_OUTBOUND_ALLOW: receiver.allowEntry, NOTIFIER_WORKER_POLL_MS: '50' } });
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
    expect(await service.app.get(DataSource).query('SELECT sealed_previous_secret, previous_secret_until FROM subscription WHERE id = $1', [id])).toEqual([
      { sealed_previous_secret: null, previous_secret_until: null },
    ]);
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

  it("lets go of its copy of a subscription once it is no longer sent to, a deleted one's included", async () => {
    const { id } = await notifier.subscribe({ channel: 'webhook', target: `${receiver.url}/forgotten`, filters: { regions: ['FR'] } });
    await deliverHold('FR', '/forgotten');
    const cache = (service.app.get(DeliveryWorker) as unknown as { subscriptionCache: SubscriptionCache<unknown> }).subscriptionCache;
    expect((await notifier.call('DELETE', `/v1/subscriptions/${id}`)).status).toBe(204);
    // The worker sweeps its copies every 5 seconds.
    await expectEventually(() => expect(cache.last(id)).toBeUndefined(), { timeoutMs: 15_000, intervalMs: 250 });
  });
});
