import { ConsumerGroups } from '@holdfast/contracts';
import { ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Body, Controller, Module, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generateApiKey } from '../auth/api-key';
import { RequireScope } from '../auth/scopes';
import { defineService } from '../definition/define-service';
import { DomainError } from '../errors/domain.error';
import { AnswerShownOnce } from './idempotency.interceptor';
import { ZodBodyPipe } from './zod-body.pipe';

const Thing = z.strictObject({ name: z.string().min(1) });
// How many times each route's handler ran: what a replayed answer must not add to.
const handled = { made: 0, noticed: 0, refused: 0, broken: 0, slow: 0, secrets: 0, held: 0, conflicts: 0 };
// The slow requests under way, each waiting until the test lets it finish.
const slowOnes: (() => void)[] = [];
const releaseSlow = () => slowOnes.splice(0).forEach((finish) => finish());

@Controller('v1/things')
class ThingsController {
  @Post()
  @RequireScope('read')
  make(@Body(new ZodBodyPipe(Thing)) body: z.infer<typeof Thing>, @Res({ passthrough: true }) response: Response) {
    handled.made++;
    response.setHeader('Location', `/v1/things/${handled.made}`);
    response.setHeader('ETag', `"${handled.made}"`);
    return { number: handled.made, name: body.name };
  }

  @Post(':name/noticed')
  @RequireScope('read')
  notice(@Param('name') name: string, @Res({ passthrough: true }) response: Response) {
    handled.noticed++;
    // The service's own word on the answer, as the planner's Holdfast-Notice and Holdfast-Let-Through are; and one of this handling only.
    response.setHeader('Holdfast-Notice', `thing ${name} is made while held`);
    response.setHeader('X-Handled-As', String(handled.noticed));
    return { name };
  }

  @Post(':name/refused')
  @RequireScope('read')
  refuse(@Param('name') name: string) {
    handled.refused++;
    throw new DomainError('thing-not-allowed', 422, `Thing ${name} is not one that can be made.`);
  }

  @Post(':name/conflict')
  @RequireScope('read')
  conflict(@Param('name') name: string) {
    handled.conflicts++;
    throw new DomainError('thing-busy', 409, `Thing ${name} is being changed; retry once it is not.`);
  }

  @Post(':name/held')
  @RequireScope('read')
  hold(@Param('name') name: string) {
    handled.held++;
    throw new DomainError('held', 423, `Thing ${name} is held for now; retry later.`);
  }

  @Post('broken')
  @RequireScope('read')
  break() {
    handled.broken++;
    throw new Error('the database went away');
  }

  @Post('secrets')
  @RequireScope('read')
  @AnswerShownOnce('list the secrets to find the one made')
  secret(@Body(new ZodBodyPipe(Thing)) body: z.infer<typeof Thing>) {
    handled.secrets++;
    return { name: body.name, secret: `whsec_shown-once-${handled.secrets}` };
  }

  @Post('slow')
  @RequireScope('read')
  async slow() {
    const mine = ++handled.slow;
    await new Promise<void>((resolve) => slowOnes.push(resolve));
    return { slow: mine };
  }
}

@Module({ controllers: [ThingsController] })
class ThingsModule {}

const thingsService = defineService({
  name: 'kit-idempotency',
  description: 'POSTs sent again with the same Idempotency-Key',
  schema: 'kit_idempotency',
  defaultPort: 3991,
  topics: [],
  entities: [],
  migrations: [],
  modules: [ThingsModule],
  keysConsumerGroup: ConsumerGroups.plannerKeys,
});

describe('Idempotency-Key on a POST, against the real PostgreSQL', () => {
  const clock = new ManualClock('2026-12-05T04:00:00Z');
  let service: ServiceUnderTest;
  beforeAll(async () => {
    service = await startServiceUnderTest(thingsService, { clock, environment: { HOLDFAST_IDEMPOTENCY_KEY_HOURS: '24' } });
  });
  afterAll(() => service?.close());

  const post = async (path: string, key: string | undefined, body: unknown = {}, authorization?: string) => {
    const response = await service.fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }), ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
  };

  it('handles a POST once for a key: the same request again gets the first answer, Location and ETag included, marked as given again', async () => {
    const first = await post('/v1/things', 'make-router-1', { name: 'router' });
    expect(first).toMatchObject({ status: 201, body: { number: 1, name: 'router' } });
    expect(first.headers.get('location')).toBe('/v1/things/1');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    for (let retry = 0; retry < 3; retry++) {
      const again = await post('/v1/things', 'make-router-1', { name: 'router' });
      expect(again).toMatchObject({ status: 201, body: first.body });
      expect(again.headers.get('location')).toBe('/v1/things/1');
      expect(again.headers.get('etag')).toBe('"1"');
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
    }
    expect(handled.made).toBe(1);
    // Without a key, or with another, a POST is handled each time.
    expect((await post('/v1/things', undefined, { name: 'router' })).body.number).toBe(2);
    expect((await post('/v1/things', 'make-router-2', { name: 'router' })).body.number).toBe(3);
  });

  it("gives the service's own Holdfast-* answer headers again with the answer, and no header of that handling only", async () => {
    const first = await post('/v1/things/modem/noticed', 'notice-1');
    expect(first.headers.get('holdfast-notice')).toBe('thing modem is made while held');
    const again = await post('/v1/things/modem/noticed', 'notice-1');
    expect(again).toMatchObject({ status: 201, body: first.body });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('holdfast-notice')).toBe('thing modem is made while held');
    expect(again.headers.get('x-handled-as')).toBeNull();
    expect(handled.noticed).toBe(1);
  });

  it('refuses a key sent again with another body or to another route (422), or malformed (400), handling neither', async () => {
    await post('/v1/things', 'one-key', { name: 'switch' });
    const made = handled.made;
    const otherBody = await post('/v1/things', 'one-key', { name: 'firewall' });
    expect(otherBody).toMatchObject({ status: 422, body: { code: 'idempotency-key-reused' } });
    expect(otherBody.body.detail).toBe('Idempotency-Key one-key was used at 2026-12-05T04:00:00.000Z for another request (POST /v1/things with another body): send a new key with each new request.');
    expect(await post('/v1/things/switch/refused', 'one-key')).toMatchObject({ status: 422, body: { code: 'idempotency-key-reused' } });
    expect(await post('/v1/things', 'a key with spaces', { name: 'switch' })).toMatchObject({ status: 400, body: { code: 'invalid-idempotency-key' } });
    expect(await post('/v1/things', 'x'.repeat(256), { name: 'switch' })).toMatchObject({ status: 400, body: { code: 'invalid-idempotency-key' } });
    expect(handled.made).toBe(made);
  });

  it('keeps the path of a request without a key pasted into it, and repeats none in its refusal of another request', async () => {
    const { key, keyId } = generateApiKey();
    // A whole key where a name belongs, and the admin key likewise: each request is kept under its Idempotency-Key, the secret left out.
    await post(`/v1/things/${key}/noticed`, 'pasted-key');
    await post(`/v1/things/${encodeURIComponent(service.adminKey)}/noticed`, 'pasted-admin-key');
    const kept = (await service.app.get(DataSource).query(`SELECT key, path FROM idempotent_request WHERE key IN ('pasted-key', 'pasted-admin-key') ORDER BY key`)) as { key: string; path: string }[];
    expect(kept).toEqual([
      { key: 'pasted-admin-key', path: '/v1/things/[redacted]/noticed' },
      { key: 'pasted-key', path: `/v1/things/hf_${keyId}_[redacted]/noticed` },
    ]);
    const reused = await post('/v1/things', 'pasted-key', { name: 'router' });
    expect(reused).toMatchObject({ status: 422, body: { code: 'idempotency-key-reused' } });
    expect(reused.body.detail).toContain(`for another request (POST /v1/things/hf_${keyId}_[redacted]/noticed)`);
    expect(JSON.stringify(reused.body)).not.toContain(key);
    // The same request again is still the same request: its answer is given again.
    expect((await post(`/v1/things/${key}/noticed`, 'pasted-key')).headers.get('idempotent-replayed')).toBe('true');
  });

  it('gives a refusal again as it was; a failure of the service (5xx) is not kept, so a retry is handled', async () => {
    const refused = await post('/v1/things/gateway/refused', 'refuse-1');
    expect(refused).toMatchObject({ status: 422, body: { code: 'thing-not-allowed' } });
    const again = await post('/v1/things/gateway/refused', 'refuse-1');
    expect(again).toMatchObject({ status: 422, body: refused.body });
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(handled.refused).toBe(1);

    expect((await post('/v1/things/broken', 'break-1')).status).toBe(500);
    expect((await post('/v1/things/broken', 'break-1')).status).toBe(500);
    expect(handled.broken).toBe(2);
  });

  it('keeps no 409 or 423, refusals for the state things are in: retried with its key once that changed, a request is handled, not refused again', async () => {
    expect(await post('/v1/things/router/held', 'start-when-free')).toMatchObject({ status: 423, body: { code: 'held' } });
    const retried = await post('/v1/things/router/held', 'start-when-free');
    expect(retried.status).toBe(423);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(handled.held).toBe(2);

    expect(await post('/v1/things/router/conflict', 'change-when-free')).toMatchObject({ status: 409, body: { code: 'thing-busy' } });
    const again = await post('/v1/things/router/conflict', 'change-when-free');
    expect(again.status).toBe(409);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(handled.conflicts).toBe(2);
    // Let go, the key is free again, for another request too.
    expect(await post('/v1/things/switch/conflict', 'change-when-free')).toMatchObject({ status: 409, body: { code: 'thing-busy' } });
  });

  it('keeps no answer that holds a secret shown once: a repeat is told it was done and what to do, and is not done again; a refusal is kept', async () => {
    const first = await post('/v1/things/secrets', 'secret-1', { name: 'hook' });
    expect(first).toMatchObject({ status: 201, body: { secret: 'whsec_shown-once-1' } });
    const again = await post('/v1/things/secrets', 'secret-1', { name: 'hook' });
    expect(again).toMatchObject({ status: 409, body: { code: 'answer-shown-once' } });
    expect(again.body.detail).toBe(
      'The request with Idempotency-Key secret-1 was done at 2026-12-05T04:00:00.000Z (201), but its answer held a secret shown only once, which Holdfast does not keep: list the secrets to find the one made.',
    );
    expect(handled.secrets).toBe(1);
    const [kept] = (await service.app.get(DataSource).query(`SELECT status, body FROM idempotent_request WHERE key = 'secret-1'`)) as { status: number; body: string | null }[];
    expect(kept).toEqual({ status: 201, body: null });

    const refused = await post('/v1/things/secrets', 'secret-2', { name: '' });
    expect(refused.status).toBe(400);
    expect(await post('/v1/things/secrets', 'secret-2', { name: '' })).toMatchObject({ status: 400, body: refused.body });
    expect(handled.secrets).toBe(1);
  });

  it('answers 409 with Retry-After while the first request is still being handled, then its answer', async () => {
    const first = post('/v1/things/slow', 'slow-1');
    await expect.poll(() => handled.slow).toBe(1);
    const meanwhile = await post('/v1/things/slow', 'slow-1');
    expect(meanwhile).toMatchObject({ status: 409, body: { code: 'idempotency-key-in-flight' } });
    expect(meanwhile.headers.get('retry-after')).toBe('1');
    releaseSlow();
    expect(await first).toMatchObject({ status: 201, body: { slow: 1 } });
    expect(await post('/v1/things/slow', 'slow-1')).toMatchObject({ status: 201, body: { slow: 1 } });
    expect(handled.slow).toBe(1);
  });

  it('takes over the key of a request its process stopped working on (no word for a minute), and keeps the answer of the one that took it', async () => {
    const abandoned = post('/v1/things/slow', 'slow-2');
    await expect.poll(() => handled.slow).toBe(2);
    // Silent past its beat: most likely stopped, so the repeat is told when the key is free, not to ask every second.
    clock.set('2026-12-05T04:00:30Z');
    const silent = await post('/v1/things/slow', 'slow-2');
    expect(silent).toMatchObject({ status: 409, body: { code: 'idempotency-key-in-flight', detail: expect.stringContaining('it most likely stopped mid-request. The key is free again at 2026-12-05T04:01:00.000Z') } });
    expect(silent.headers.get('retry-after')).toBe('30');
    clock.set('2026-12-05T04:01:01Z');
    const retried = post('/v1/things/slow', 'slow-2');
    await expect.poll(() => handled.slow).toBe(3);
    releaseSlow();
    expect((await retried).body).toEqual({ slow: 3 });
    // The first is answered too, but its answer is not the one kept: its claim was taken over.
    expect((await abandoned).body).toEqual({ slow: 2 });
    expect(await post('/v1/things/slow', 'slow-2')).toMatchObject({ status: 201, body: { slow: 3 } });
    clock.set('2026-12-05T04:00:00Z');
  });

  it('keeps a key to the API key that sent it, and for HOLDFAST_IDEMPOTENCY_KEY_HOURS', async () => {
    const { key, keyId, prefix, hash } = generateApiKey();
    await service.app.get(DataSource).query('INSERT INTO api_key_copy (key_id, prefix, hash, team, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [keyId, prefix, hash, 'edge', ['read'], clock.now()]);
    const admin = await post('/v1/things', 'shared-name', { name: 'modem' });
    const other = await post('/v1/things', 'shared-name', { name: 'modem' }, `Bearer ${key}`);
    expect(other.status).toBe(201);
    expect(other.body.number).toBe((admin.body.number as number) + 1);

    clock.set('2026-12-06T03:59:00Z');
    expect((await post('/v1/things', 'shared-name', { name: 'modem' })).headers.get('idempotent-replayed')).toBe('true');
    clock.set('2026-12-06T04:01:00Z');
    const expired = await post('/v1/things', 'shared-name', { name: 'modem' });
    expect(expired.headers.get('idempotent-replayed')).toBeNull();
    expect(expired.body.number).toBe((other.body.number as number) + 1);
    clock.set('2026-12-05T04:00:00Z');
  });
});
