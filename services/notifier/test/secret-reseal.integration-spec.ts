import { expectEventually, startServiceUnderTest, testEnvironment, type ServiceUnderTest } from '@holdfast/testing';
import type { INestApplication } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifierService } from '../src/app.module';
import { SecretBox } from '../src/subscriptions/secret-box';
import { SecretReseal } from '../src/subscriptions/secret-reseal';
import { HttpReceiver, type ReceivedRequest } from './support/http-receiver';
import { api } from './support/notifier-fixtures';

/** The receiver's own check, with the secret it was given when the subscription was made. */
function signedWith(secret: string, request: ReceivedRequest): boolean {
  const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
    .update(`${String(request.headers['webhook-id'])}.${String(request.headers['webhook-timestamp'])}.${request.body}`)
    .digest();
  return String(request.headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const given = Buffer.from(entry.split(',')[1] ?? '', 'base64');
      return entry.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

describe('notifier: an installation that ran without NOTIFIER_SECRET_KEY, started with one', () => {
  const key = randomBytes(32);
  let receiver: HttpReceiver;
  // The release before: no key, so every secret sealed under the development key.
  let before: ServiceUnderTest<ReturnType<typeof notifierService.configFromEnvironment>>;
  let after: INestApplication;
  let afterUrl: string;
  let made: { id: string; secret: string };
  let otherKey: string;

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    const environment = { NOTIFIER_OUTBOUND_ALLOW: receiver.allowEntry, NOTIFIER_WORKER_POLL_MS: '50' };
    before = await startServiceUnderTest(notifierService, { environment });
    const response = await api(before).call('POST', '/v1/subscriptions', { channel: 'webhook', target: `${receiver.url}/hooks`, ownerTeam: 'edge' });
    expect(response.status).toBe(201);
    made = (await response.json()) as { id: string; secret: string };
    // One sealed under a key this start does not have either: resealing cannot open it, and it is named.
    otherKey = uuidv7();
    await before.app
      .get(DataSource)
      .query(
        `INSERT INTO subscription (id, owner_team, channel, target, sealed_secret, previous_secrets, filters, enabled, created_by, created_at, updated_at)
         VALUES ($1, 'edge', 'webhook', $2, $3, '[]', '{}', true, 'spec', now(), now())`,
        [otherKey, `${receiver.url}/other`, new SecretBox(randomBytes(32)).seal('whsec_b3RoZXIta2V5LXNlY3JldC0xMjM0NTY3OA==', otherKey)],
      );
    await before.app.close();

    const config = notifierService.configFromEnvironment({
      DATABASE_URL: before.database.url,
      KAFKA_BROKERS: testEnvironment().kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: before.config.kafka.topicPrefix,
      LOG_LEVEL: 'silent',
      HOLDFAST_BOOTSTRAP_KEY: before.adminKey,
      NOTIFIER_SECRET_KEY: key.toString('base64'),
      ...environment,
    });
    after = await notifierService.createApp({ ...config, port: 0 });
    await after.listen(0, '127.0.0.1');
    afterUrl = `http://127.0.0.1:${(after.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await after?.close();
    await before?.database.drop();
    await receiver?.close();
  });

  it('seals its secrets again under the key at start, and deliveries carry the signature receivers check with the secret they have', async () => {
    const sealed = ((await after.get(DataSource).query('SELECT sealed_secret FROM subscription WHERE id = $1', [made.id])) as { sealed_secret: string }[])[0].sealed_secret;
    expect(new SecretBox(key).open(sealed, made.id)).toBe(made.secret);
    expect(() => new SecretBox(undefined).open(sealed, made.id)).toThrow();

    const test = await fetch(`${afterUrl}/v1/subscriptions/${made.id}/test`, { method: 'POST', headers: { authorization: `Bearer ${before.adminKey}` } });
    expect(test.status).toBe(202);
    const request = await expectEventually(() => {
      const received = receiver.requests.filter(({ path }) => path === '/hooks');
      expect(received).toHaveLength(1);
      return received[0];
    });
    expect(signedWith(made.secret, request)).toBe(true);
  });

  it('names the subscription whose secret neither key opens, and seals nothing twice', async () => {
    expect(await after.get(SecretReseal).reseal()).toEqual({ resealed: [], unopened: [otherKey] });
  });
});
