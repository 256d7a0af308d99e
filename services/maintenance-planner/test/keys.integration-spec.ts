import { createEvent, encodeEvent, Topics } from '@holdfast/contracts';
import { createKafka, physicalTopic, silentLogger } from '@holdfast/messaging';
import { generateApiKey, KeyCopyCache, listScope } from '@holdfast/service-kit';
import { everyPage, expectEventually, ManualClock, produceOnce, recordTopic, startServiceUnderTest, type ServiceUnderTest, type TopicRecorder } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { plannerService } from '../src/app.module';

interface CreatedKey {
  key: string;
  keyId: string;
  prefix: string;
  team: string;
  scopes: string[];
}

describe('maintenance-planner: API keys, against the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;
  let keyEvents: TopicRecorder;
  // Still unless a spec moves it, so keys can be made in one millisecond.
  const clock = new ManualClock(new Date());

  const createKey = async (body: object): Promise<CreatedKey> => {
    const response = await service.fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(201);
    const created = (await response.json()) as CreatedKey;
    expect(response.headers.get('location')).toBe(`/v1/keys/${created.keyId}`);
    // The key is in this answer only: no cache on the way keeps a copy.
    expect(response.headers.get('cache-control')).toBe('no-store');
    return created;
  };
  const withKey = (key: string, path: string, init: RequestInit = {}) => service.fetch(path, { ...init, headers: { ...init.headers, authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock });
    const { kafka } = service.config;
    keyEvents = await recordTopic(createKafka(kafka, silentLogger), physicalTopic(kafka, Topics.apiKeys), `${kafka.topicPrefix}key-reader`);
  });

  afterAll(async () => {
    await keyEvents?.stop();
    await service?.close();
  });

  it('refuses a request with no key, a malformed key, an unknown key or a known key with the wrong secret, saying which', async () => {
    const none = await fetch(`${service.baseUrl}/v1/holds`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.json()).toMatchObject({ code: 'missing-key', detail: expect.stringContaining('Authorization: Bearer <key>') });
    expect(await (await withKey('not-a-key', '/v1/holds')).json()).toMatchObject({ status: 401, code: 'malformed-key' });
    const unknown = `hf_0123456789abcdef_${'A'.repeat(43)}`;
    expect(await (await withKey(unknown, '/v1/holds')).json()).toMatchObject({ status: 401, code: 'unknown-key', detail: expect.stringContaining('hf_0123456789abcdef') });
    // A key that exists, its last character mistyped: the secret is wrong, not the key unknown (which would send its holder off to wait).
    const created = await createKey({ team: 'typists', scopes: ['read'], name: 'mistyped' });
    await expectEventually(async () => expect((await withKey(created.key, '/v1/holds')).status).toBe(200));
    const mistyped = created.key.slice(0, -1) + (created.key.endsWith('A') ? 'B' : 'A');
    const answer = await withKey(mistyped, '/v1/holds');
    expect(answer.status).toBe(401);
    expect(await answer.json()).toMatchObject({ code: 'wrong-key-secret', detail: expect.stringContaining(`The secret of API key hf_${created.keyId} is wrong`) });
  });

  it('leaves /health and /metrics open', async () => {
    expect((await fetch(`${service.baseUrl}/health/live`)).status).toBe(200);
    expect((await fetch(`${service.baseUrl}/metrics`)).status).toBe(200);
  });

  it('issues a key shown once, publishes its hash (never the key), and authenticates with it locally', async () => {
    const created = await createKey({ team: 'network-ops', scopes: ['read'], name: 'ci reads' });
    expect(created.key).toMatch(/^hf_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);

    const published = await expectEventually(() => {
      const message = keyEvents.messages.find((candidate) => candidate.key === created.keyId);
      expect(message).toBeDefined();
      return message!;
    });
    expect(published.value).not.toContain(created.key);
    expect(JSON.parse(published.value)).toMatchObject({ keyId: created.keyId, team: 'network-ops', scopes: ['read'], revokedAt: null });

    await expectEventually(async () => expect((await withKey(created.key, '/v1/holds')).status).toBe(200));
    const listed = (await (await service.fetch('/v1/keys?team=network-ops')).json()) as { items: Record<string, unknown>[] };
    expect(listed.items).toEqual([expect.objectContaining({ keyId: created.keyId, prefix: created.prefix, name: 'ci reads', lastUsedAt: expect.any(String) })]);
    expect(JSON.stringify(listed)).not.toContain(created.key.slice(20));
    expect(listed.items[0]).not.toHaveProperty('hash');
    // Where the 201's Location points: the key as the list shows it, never the key itself.
    const read = await service.fetch(`/v1/keys/${created.keyId}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(listed.items[0]);
    expect(await (await service.fetch('/v1/keys/0123456789abcdef')).json()).toMatchObject({ status: 404, code: 'unknown-key' });
    // A mistyped filter is refused rather than read as "every team".
    const mistyped = await service.fetch('/v1/keys?teams=network-ops');
    expect(mistyped.status).toBe(400);
    expect(await mistyped.json()).toMatchObject({ code: 'invalid-query', errors: [{ path: 'teams' }] });
  });

  it('takes no key from api.keys.v1: a key state anyone else writes there is not a key here, and no known key changes by one', async () => {
    const { kafka } = service.config;
    const known = await createKey({ team: 'network-ops', scopes: ['read'], name: 'known' });
    const forged = generateApiKey();
    const forge = (state: object) =>
      produceOnce(createKafka(kafka, silentLogger), physicalTopic(kafka, Topics.apiKeys), [
        encodeEvent(createEvent('api-key.state', { createdAt: clock.now().toISOString(), revokedAt: null, ...state } as never, { source: 'maintenance-planner', subject: 'forged' })),
      ]);
    await forge({ keyId: forged.keyId, prefix: forged.prefix, hash: forged.hash, team: 'mallory', scopes: ['admin'] });
    await forge({ keyId: known.keyId, prefix: known.prefix, hash: forged.hash, team: 'mallory', scopes: ['admin'] });

    const admin = createKafka(kafka, silentLogger).admin();
    await admin.connect();
    const groups = (await admin.listGroups()).groups.map((group) => group.groupId);
    await admin.disconnect();
    expect(groups.filter((group) => group.startsWith(kafka.topicPrefix) && group.endsWith('.keys'))).toEqual([]);
    // Both forgeries are on the topic, read by a consumer as a keys consumer would read them.
    await expectEventually(() => {
      const forgeries = keyEvents.messages.filter((message) => (message.key === forged.keyId || message.key === known.keyId) && message.value.includes('"team":"mallory"'));
      expect(forgeries).toHaveLength(2);
    });
    expect(await (await withKey(forged.key, '/v1/holds')).json()).toMatchObject({ status: 401, code: 'unknown-key' });
    expect(await (await withKey(forged.key.replace(forged.keyId, known.keyId), '/v1/holds')).json()).toMatchObject({ status: 401, code: 'wrong-key-secret' });
    expect((await withKey(known.key, '/v1/holds')).status).toBe(200);
  });

  it('refuses what a key has no scope for, naming the scope', async () => {
    const reader = await createKey({ team: 'network-ops', scopes: ['read'], name: 'reader' });
    await expectEventually(async () => expect((await withKey(reader.key, '/v1/holds')).status).toBe(200));
    const response = await withKey(reader.key, '/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ team: 'x', scopes: ['admin'], name: 'escalate' }) });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'missing-scope', requiredScope: 'admin', detail: expect.stringContaining(`needs scope admin; key hf_${reader.keyId} (team network-ops) has read`) });
  });

  it('revokes a key: it stops working, and revoking again answers the same, as the key is listed, last use included', async () => {
    const doomed = await createKey({ team: 'leaking', scopes: ['read'], name: 'leaked' });
    await expectEventually(async () => expect((await withKey(doomed.key, '/v1/holds')).status).toBe(200));

    const revoke = () => service.fetch(`/v1/keys/${doomed.keyId}/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'pasted in a public channel' }) });
    const first = await revoke();
    expect(first.status).toBe(200);
    // Refused by the planner the moment the answer says revoked, not once the event has come back from Kafka.
    expect(await (await withKey(doomed.key, '/v1/holds')).json()).toMatchObject({ status: 401, code: 'revoked-key' });
    const revoked = (await first.json()) as Record<string, unknown>;
    expect(revoked).toMatchObject({ keyId: doomed.keyId, revokedBy: 'platform/bootstrap', revokeReason: 'pasted in a public channel', revokedAt: expect.any(String), lastUsedAt: expect.any(String) });
    const listed = (await (await service.fetch('/v1/keys?team=leaking')).json()) as { items: Record<string, unknown>[] };
    expect(listed.items).toEqual([revoked]);
    const again = await revoke();
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(revoked);

    const missing = await service.fetch('/v1/keys/ffffffffffffffff/revoke', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'x' }) });
    expect(missing.status).toBe(404);
  });

  it('takes a key by its id or its prefix, and refuses a whole key in the path without repeating its secret', async () => {
    const pasted = await createKey({ team: 'pasting', scopes: ['read'], name: 'pasted' });
    expect(await (await service.fetch(`/v1/keys/hf_${pasted.keyId}`)).json()).toMatchObject({ keyId: pasted.keyId, version: 1 });

    const whole = await service.fetch(`/v1/keys/${pasted.key}/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'pasted the key' }) });
    expect(whole.status).toBe(400);
    const text = await whole.text();
    expect(JSON.parse(text)).toMatchObject({ code: 'invalid-path', detail: expect.stringContaining(`send only its id, ${pasted.keyId}`), errors: [{ path: 'keyId' }] });
    expect(text).not.toContain(pasted.key.slice(`hf_${pasted.keyId}_`.length));
    expect(await (await service.fetch(`/v1/keys/${pasted.keyId}`)).json()).toMatchObject({ revokedAt: null });

    const mistyped = await service.fetch('/v1/keys/not-a-key-id');
    expect(mistyped.status).toBe(400);
    expect(await mistyped.json()).toMatchObject({ code: 'invalid-path', errors: [{ path: 'keyId', message: 'must be 16 lower-case hex digits' }] });
  });

  it('gives a key its version as a strong ETag, "1" as issued and "2" once revoked, and revokes it only at a version If-Match names', async () => {
    const created = await service.fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ team: 'tagged', scopes: ['read'], name: 'conditional' }) });
    // Express's body hash (W/"...") was the ETag here, which no If-Match could name.
    expect([created.status, created.headers.get('etag')]).toEqual([201, '"1"']);
    const { keyId, key, version } = (await created.json()) as CreatedKey & { version: number };
    expect(version).toBe(1);
    // Its last use is a reading beside the key, not a change to it: the ETag stays.
    await expectEventually(async () => expect((await withKey(key, '/v1/holds')).status).toBe(200));
    await expectEventually(async () => expect(((await (await service.fetch(`/v1/keys/${keyId}`)).json()) as { lastUsedAt: string | null }).lastUsedAt).not.toBeNull());
    const read = await service.fetch(`/v1/keys/${keyId}`);
    expect([read.headers.get('etag'), ((await read.json()) as { version: number }).version]).toEqual(['"1"', 1]);

    const revoke = (ifMatch: string) =>
      service.fetch(`/v1/keys/${keyId}/revoke`, { method: 'POST', headers: { 'content-type': 'application/json', 'if-match': ifMatch }, body: JSON.stringify({ reason: 'rotated out' }) });
    const notYet = await revoke('"2"');
    expect([notYet.status, notYet.headers.get('etag')]).toEqual([412, null]);
    expect(await notYet.json()).toMatchObject({
      code: 'precondition-failed',
      currentVersion: 1,
      detail: `Key ${keyId} is at version 1 (ETag "1"), not "2" as If-Match says: read it again (GET /v1/keys/${keyId}) for its new ETag, then revoke it if it should still be.`,
    });
    expect((await withKey(key, '/v1/holds')).status).toBe(200);

    const revoked = await revoke('"1"');
    expect([revoked.status, revoked.headers.get('etag')]).toEqual([200, '"2"']);
    expect(await revoked.json()).toMatchObject({ revokeReason: 'rotated out', version: 2 });
    // Revoked since it was read: the If-Match of that read is stale now. * takes it as it is, and answers the same as before.
    expect(await (await revoke('"1"')).json()).toMatchObject({ status: 412, code: 'precondition-failed', currentVersion: 2 });
    const again = await revoke('*');
    expect([again.status, again.headers.get('etag')]).toEqual([200, '"2"']);
    expect(await (await revoke('W/"2f-abc"')).json()).toMatchObject({ status: 400, code: 'invalid-version' });

    // A page has no version of its own, and a refusal is no resource: neither is tagged.
    expect((await service.fetch('/v1/keys?team=tagged')).headers.get('etag')).toBeNull();
    const refused = await service.fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ team: 'tagged', scopes: [], name: 'none' }) });
    expect([refused.status, refused.headers.get('etag')]).toEqual([400, null]);
  });

  it('refuses a revoked key from the answer on, even while the change\'s notification has not reached this process yet', async () => {
    const doomed = await createKey({ team: 'leaking', scopes: ['read'], name: 'slow to hear' });
    await expectEventually(async () => expect((await withKey(doomed.key, '/v1/holds')).status).toBe(200));
    // The key's row is remembered now; PostgreSQL delivers the revocation's NOTIFY after the commit, on another
    // connection, and under load after the answer: held back here, so only the revoke itself can make the row forgotten.
    const cache = service.app.get(KeyCopyCache);
    const notification = vi.spyOn(cache as unknown as { evict: (keyId: string) => void }, 'evict').mockImplementation(() => undefined);
    try {
      const revoked = await service.fetch(`/v1/keys/${doomed.keyId}/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'left on a laptop' }) });
      expect(revoked.status).toBe(200);
      expect(await (await withKey(doomed.key, '/v1/holds')).json()).toMatchObject({ status: 401, code: 'revoked-key' });
    } finally {
      notification.mockRestore();
    }
  });

  it('refuses a body over the size limit with 413 and the limit, malformed JSON with 400, and a body in another type with 415', async () => {
    const response = await service.fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(1_100_000) }) });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 413, code: 'body-too-large', detail: expect.stringContaining('the limit is 1048576 bytes') });
    const malformed = await service.fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"team":' });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toContain('application/problem+json');
    expect(await malformed.json()).toMatchObject({ code: 'invalid-json', detail: expect.stringMatching(/^The request body is not valid JSON: /) });
    // A name typed in Latin-1: its é is no UTF-8, which was stored as U+FFFD; refused, nothing made.
    const latin1 = Buffer.concat([Buffer.from('{"team":"cafe","scopes":["read"],"name":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const garbled = await service.fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: latin1 });
    expect(garbled.status).toBe(400);
    expect(await garbled.json()).toMatchObject({ code: 'invalid-json', detail: expect.stringContaining('The request body is not valid UTF-8') });
    expect(((await (await service.fetch('/v1/keys?team=cafe')).json()) as { items: unknown[] }).items).toEqual([]);
    const declaredUtf8 = await service.fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: latin1 });
    expect(declaredUtf8.status).toBe(400);
    const untyped = await service.fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ team: 'network' }) });
    expect(untyped.status).toBe(415);
    expect(await untyped.json()).toMatchObject({ code: 'unsupported-media-type', detail: 'The request body is sent as text/plain, which this API does not read: send JSON with content-type: application/json.' });
    // A request with no body at all is still told it has none.
    const bodiless = await service.fetch('/v1/keys', { method: 'POST' });
    expect(bodiless.status).toBe(400);
    expect(await bodiless.json()).toMatchObject({ code: 'missing-body', detail: expect.stringContaining('content-type: application/json') });
  });

  it('refuses a key request naming what is wrong', async () => {
    const response = await service.fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ team: 'Network Ops', scopes: ['root'] }) });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((error) => error.path).sort()).toEqual(['name', 'scopes.0', 'team']);
  });

  it("refuses a key's name or revocation reason holding a bidirectional override, naming the field, the character and where it is", async () => {
    const named = await service.fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ team: 'network-ops', scopes: ['read'], name: 'ci \u202dreads' }) });
    expect(named.status).toBe(400);
    expect(await named.json()).toMatchObject({ code: 'invalid-body', errors: [{ path: 'name', message: expect.stringMatching(/^holds U\+202D \(left-to-right override\) at character 4, .*remove it/) }] });
    const created = await createKey({ team: 'network-ops', scopes: ['read'], name: '\u200fکلید خواندن\u200f' });
    const revoke = await service.fetch(`/v1/keys/${created.keyId}/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'leaked \u2067oops' }) });
    expect(revoke.status).toBe(400);
    expect(await revoke.json()).toMatchObject({ errors: [{ path: 'reason', message: expect.stringMatching(/^holds U\+2067 \(right-to-left isolate\) at character 8 that no U\+2069 closes/) }] });
  });

  it('pages through keys newest first, each once, those made in one millisecond included; a cursor it did not give out is a 400', async () => {
    const createAt = async (instant: string, count: number): Promise<string[]> => {
      clock.set(instant);
      const ids: string[] = [];
      for (let made = 0; made < count; made++) ids.push((await createKey({ team: 'paging', scopes: ['read'], name: `paging ${made}` })).keyId);
      return ids;
    };
    // The older ones are made last, so the order is seen to be by time before key id.
    const newer = await createAt('2026-06-14T21:00:01Z', 2);
    const older = await createAt('2026-06-14T21:00:00Z', 3);
    await createKey({ team: 'other', scopes: ['read'], name: 'not paged here' });

    const pages = await everyPage<{ keyId: string; createdAt: string }>((cursor) => service.fetch(`/v1/keys?team=paging&limit=2${cursor ? `&cursor=${cursor}` : ''}`));
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    const paged = pages.flat();
    expect(paged.map((key) => key.keyId)).toEqual([...[...newer].sort().reverse(), ...[...older].sort().reverse()]);
    expect(paged.map((key) => key.createdAt)).toEqual([...Array<string>(2).fill('2026-06-14T21:00:01.000Z'), ...Array<string>(3).fill('2026-06-14T21:00:00.000Z')]);

    // Not a cursor at all, and one of this list whose id is no key id: both refused before any query.
    for (const cursor of ['bm90LWEtY3Vyc29y', `${listScope('/v1/keys')}.${Buffer.from("2026-06-14T21:00:00.000Z|' OR true --").toString('base64url')}`]) {
      const forged = await service.fetch(`/v1/keys?cursor=${cursor}`);
      expect(forged.status).toBe(400);
      expect(await forged.json()).toMatchObject({ code: 'invalid-cursor', errors: [{ path: 'cursor' }] });
    }
    const tooMany = await service.fetch('/v1/keys?limit=1001');
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ code: 'invalid-query', errors: [{ path: 'limit' }] });
  });
});
