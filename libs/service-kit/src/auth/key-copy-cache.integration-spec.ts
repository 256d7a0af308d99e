import type { ApiKeyState } from '@holdfast/contracts';
import { dataSourceOptions, runMigrations } from '@holdfast/database';
import { createTestDatabase, expectEventually, ManualClock, type TestDatabase } from '@holdfast/testing';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SharedServiceConfig } from '../config/service-config';
import { CreateApiKeyCopy1764000050000 } from '../migrations/1764000050000-create-api-key-copy';
import { generateApiKey } from './api-key';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { KEY_COPY_TTL_MS, KeyCopyCache } from './key-copy-cache';
import { applyKeyState } from './key-state.consumer';

const SCHEMA = 'kit_key_copy';

/** One process of a service: its own pool, its own cache with its own listening connection. */
interface Replica {
  dataSource: DataSource;
  cache: KeyCopyCache;
  authenticator: ApiKeyAuthenticator;
}

describe('API key rows remembered per process, against the real PostgreSQL', () => {
  let database: TestDatabase;
  let writer: DataSource;
  // Frozen unless a test moves it: a remembered row expires only when a test says so.
  const clock = new ManualClock();
  const replicas: Replica[] = [];
  const config = () => ({ database: { url: database.url, schema: SCHEMA, poolSize: 2 }, auth: { bootstrap: null } }) as unknown as SharedServiceConfig;
  const openDataSource = async () => {
    const dataSource = new DataSource(dataSourceOptions({ settings: config().database, entities: [], migrations: [CreateApiKeyCopy1764000050000], applicationName: 'key-copy-cache-spec' }));
    await dataSource.initialize();
    return dataSource;
  };

  /** What the key-state consumer does with an event from api.keys.v1. */
  const consumed = (state: ApiKeyState) => writer.transaction((transaction) => applyKeyState(transaction, SCHEMA, state));
  /** A change written behind the caches' back, as nothing in Holdfast does: only a re-read can see it. */
  const unannounced = (keyId: string, scopes: string[]) => writer.query('UPDATE api_key_copy SET scopes = $2 WHERE key_id = $1', [keyId, scopes]);
  // Set up unannounced too, so no notification is still on its way when a test starts asking.
  const newKey = async () => {
    const { key, keyId, prefix, hash } = generateApiKey();
    const state: ApiKeyState = { keyId, prefix, hash, team: 'network-ops', scopes: ['read'], createdAt: clock.now().toISOString(), revokedAt: null };
    await writer.query('INSERT INTO api_key_copy (key_id, prefix, hash, team, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [keyId, prefix, hash, state.team, state.scopes, state.createdAt]);
    return { key, state };
  };
  const ask = (replica: Replica, key: string) => replica.authenticator.authenticate({ header: (name: string) => (name === 'authorization' ? `Bearer ${key}` : undefined) } as Request);
  const presenting = (bearer: string) => ({ header: (name: string) => (name === 'authorization' ? `Bearer ${bearer}` : undefined) }) as Request;
  const bothListening = () => expectEventually(() => expect(replicas.map((replica) => replica.cache.listening)).toEqual([true, true]));

  beforeAll(async () => {
    database = await createTestDatabase('key-copy-cache');
    writer = await openDataSource();
    await runMigrations(writer, { info: () => undefined });
    for (let index = 0; index < 2; index++) {
      const dataSource = await openDataSource();
      const cache = new KeyCopyCache(dataSource, config(), clock);
      cache.onModuleInit();
      replicas.push({ dataSource, cache, authenticator: new ApiKeyAuthenticator(dataSource, config(), clock, cache) });
    }
    await bothListening();
  });

  afterAll(async () => {
    for (const { cache, dataSource } of replicas) {
      await cache.onApplicationShutdown();
      await dataSource.destroy();
    }
    await writer?.destroy();
    await database?.drop();
  });

  it('vouches, from memory alone, for a key it has authenticated, secret and all, and no other', async () => {
    const { key, state } = await newKey();
    const [first, second] = replicas;
    expect(first.authenticator.vouchesFor(presenting(key))).toBe(false);
    await ask(first, key);
    expect(first.authenticator.vouchesFor(presenting(key))).toBe(true);
    // Key ids are no secret (key lists, createdBy, the audit trail): the id with another secret is vouched for by nothing.
    const guessed = `hf_${state.keyId}_${'A'.repeat(43)}`;
    expect(first.authenticator.vouchesFor(presenting(guessed))).toBe(false);
    await expect(ask(first, guessed)).rejects.toMatchObject({ code: 'wrong-key-secret', status: 401 });
    // Whoever sent that, the key's holder is still vouched for.
    expect(first.authenticator.vouchesFor(presenting(key))).toBe(true);
    expect(second.authenticator.vouchesFor(presenting(key))).toBe(false);
    expect(first.authenticator.vouchesFor(presenting(generateApiKey().key))).toBe(false);
    expect(first.authenticator.vouchesFor({ header: () => undefined } as unknown as Request)).toBe(false);
  });

  it('remembers a key it has read: a change nobody announced stays unseen', async () => {
    const { key, state } = await newKey();
    for (const replica of replicas) expect(await ask(replica, key)).toMatchObject({ id: state.keyId, scopes: ['read'] });
    await unannounced(state.keyId, ['admin']);
    for (const replica of replicas) expect((await ask(replica, key)).scopes).toEqual(['read']);
  });

  it('refuses a key on every replica once one consumer has applied its revocation', async () => {
    const { key, state } = await newKey();
    for (const replica of replicas) expect((await ask(replica, key)).id).toBe(state.keyId);

    await consumed({ ...state, revokedAt: clock.now().toISOString() });
    for (const replica of replicas) {
      await expectEventually(() => expect(ask(replica, key)).rejects.toMatchObject({ status: 401, code: 'revoked-key' }), { intervalMs: 5 });
    }
  });

  it('stops vouching for a key once it is refused as revoked', async () => {
    const { key, state } = await newKey();
    const [first] = replicas;
    await ask(first, key);
    await consumed({ ...state, revokedAt: clock.now().toISOString() });
    await expectEventually(() => expect(ask(first, key)).rejects.toMatchObject({ code: 'revoked-key' }), { intervalMs: 5 });
    expect(first.authenticator.vouchesFor(presenting(key))).toBe(false);
  });

  it('refuses an address over its failures a known key id with a wrong secret and a revoked key, and lets the keys it accepted through', async () => {
    const limiter = new AuthFailureLimiter({ limits: { authFailuresPerMinute: 3 } } as SharedServiceConfig);
    const [first] = replicas;
    const from = (address: string, bearer: string) => {
      const request = { ip: address, header: presenting(bearer).header } as Request;
      return limiter.guard(request, 'API key', () => first.authenticator.authenticate(request), () => first.authenticator.vouchesFor(request));
    };
    const held = await newKey();
    const revoked = await newKey();
    for (const { key } of [held, revoked]) await from('198.51.100.20', key);
    await consumed({ ...revoked.state, revokedAt: clock.now().toISOString() });
    await expectEventually(() => expect(from('198.51.100.20', revoked.key)).rejects.toMatchObject({ code: 'revoked-key' }), { intervalMs: 5 });

    const guessed = `hf_${held.state.keyId}_${'A'.repeat(43)}`;
    for (let attempt = 0; attempt < 3; attempt++) await expect(from('203.0.113.9', guessed)).rejects.toMatchObject({ status: 401, code: 'wrong-key-secret' });
    for (const bearer of [guessed, revoked.key, generateApiKey().key]) {
      await expect(from('203.0.113.9', bearer), bearer).rejects.toMatchObject({ status: 429, code: 'too-many-failed-authentications' });
    }
    // The guesses at its secret from 203.0.113.9 stop the key's holder nowhere, not even there.
    for (const address of ['198.51.100.20', '203.0.113.9']) expect(await from(address, held.key)).toMatchObject({ id: held.state.keyId });
  });

  it('refuses a key state that would give a known key another secret, team or scopes, and keeps the key as it was', async () => {
    const { key, state } = await newKey();
    const other = generateApiKey();
    for (const change of [{ scopes: ['admin'] }, { team: 'mallory' }, { hash: other.hash }]) {
      await expect(consumed({ ...state, ...change } as ApiKeyState)).rejects.toMatchObject({ name: 'UnprocessableEventError', message: expect.stringContaining(`api-key.state for key hf_${state.keyId} gives it another secret, team or scopes`) });
    }
    clock.advance(KEY_COPY_TTL_MS);
    for (const replica of replicas) expect(await ask(replica, key)).toMatchObject({ id: state.keyId, team: 'network-ops', scopes: ['read'] });
    // The same state again, or its revocation, is still taken.
    await consumed(state);
    await consumed({ ...state, revokedAt: clock.now().toISOString() });
    await expectEventually(() => expect(ask(replicas[0], key)).rejects.toMatchObject({ code: 'revoked-key' }), { intervalMs: 5 });
  });

  it('forgets every row when its listening connection drops, and remembers again once it listens', async () => {
    const { key, state } = await newKey();
    for (const replica of replicas) await ask(replica, key);
    await unannounced(state.keyId, ['admin']);

    await writer.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`);
    for (const replica of replicas) await expectEventually(async () => expect((await ask(replica, key)).scopes).toEqual(['admin']));

    await bothListening();
    for (const replica of replicas) await ask(replica, key);
    await unannounced(state.keyId, ['read']);
    for (const replica of replicas) expect((await ask(replica, key)).scopes).toEqual(['admin']);
  });

  it('reads a remembered row again once it is older than the backstop', async () => {
    const { key, state } = await newKey();
    for (const replica of replicas) await ask(replica, key);
    await unannounced(state.keyId, ['admin']);
    clock.advance(KEY_COPY_TTL_MS);
    for (const replica of replicas) expect((await ask(replica, key)).scopes).toEqual(['admin']);
  });
});
