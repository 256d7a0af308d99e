import { generateApiKey } from '@holdfast/service-kit';
import { expectEventually, ManualClock } from '@holdfast/testing';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { json, notifierWithReceiversForSuite, type DeliveryView } from './support/notifier-fixtures';

// What a receiver answers can carry its internals, or, at an allow-listed private address, whatever the notifier was
// pointed at to read back: every read key used to see it in lastError and the attempt log.
const BODY = 'INTERNAL-SECRET-RESPONSE-BODY of the receiver';

describe("a receiver's answer body in a delivery's errors, against the real broker and PostgreSQL", () => {
  const suite = notifierWithReceiversForSuite(['failing'], new ManualClock(new Date()), { NOTIFIER_WORKER_POLL_MS: '50', NOTIFIER_DELIVERY_MAX_ATTEMPTS: '1' });
  const readKeys: Record<'edge' | 'storage', string> = { edge: '', storage: '' };
  let deliveryId: string;

  beforeAll(async () => {
    // Read keys of the subscription's team and of another one, as the planner would have issued them.
    const admin = new pg.Client({ connectionString: suite.database.url });
    await admin.connect();
    try {
      for (const team of ['edge', 'storage'] as const) {
        const key = generateApiKey();
        await admin.query("INSERT INTO notifier.api_key_copy (key_id, prefix, hash, team, scopes, created_at) VALUES ($1, $2, $3, $4, '{read}', now())", [key.keyId, key.prefix, key.hash, team]);
        readKeys[team] = key.key;
      }
    } finally {
      await admin.end();
    }
    suite.receivers.failing.reply = () => ({ status: 500, body: BODY });
    const { id } = await suite.notifier.subscribe({ channel: 'webhook', target: suite.receivers.failing.url, ownerTeam: 'edge' });
    ({ deliveryId } = await json<{ deliveryId: string }>(await suite.notifier.call('POST', `/v1/subscriptions/${id}/test`)));
    await expectEventually(async () => expect(await suite.notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ status: 'dead' }]));
  });

  const as = (key: string) => (path: string) => fetch(`${suite.baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
  const asAdmin = (path: string) => suite.notifier.call('GET', path);

  /** The delivery as GET /v1/deliveries/{id} and as the listing show it to whoever `get` asks as. */
  const views = async (get: (path: string) => Promise<Response>) => {
    const [one, listed] = await Promise.all([get(`/v1/deliveries/${deliveryId}`), get('/v1/deliveries?limit=10')]);
    expect([one.status, listed.status]).toEqual([200, 200]);
    return [await json<DeliveryView>(one), (await json<{ items: DeliveryView[] }>(listed)).items.find((delivery) => delivery.id === deliveryId)!];
  };

  it("shows the body to the subscription's own team and to an admin key", async () => {
    for (const view of [...(await views(as(readKeys.edge))), ...(await views(asAdmin))]) {
      expect(view.lastError).toBe(`webhook receiver answered 500: ${BODY}`);
      expect(view.attemptLog.map((attempt) => [attempt.statusCode, attempt.error])).toEqual([[500, `webhook receiver answered 500: ${BODY}`]]);
    }
  });

  it("shows another team's read key the status alone, in the delivery and in the listing", async () => {
    for (const view of await views(as(readKeys.storage))) {
      expect(view.lastError).toBe('webhook receiver answered 500');
      expect(view.attemptLog.map((attempt) => [attempt.statusCode, attempt.error])).toEqual([[500, 'webhook receiver answered 500']]);
      expect(JSON.stringify(view)).not.toContain('INTERNAL-SECRET');
    }
  });
});
