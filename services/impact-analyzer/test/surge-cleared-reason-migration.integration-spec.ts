import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SurgeClearedReason1768700000000 } from '../src/database/migrations/1768700000000-surge-cleared-reason';

const ids = {
  active: '01900000-0000-7000-8000-000000000001',
  toldInOutbox: '01900000-0000-7000-8000-000000000002',
  outboxPruned: '01900000-0000-7000-8000-000000000003',
  clearedBeforeReasons: '01900000-0000-7000-8000-000000000004',
};

describe('migration 1768700000000: why a surge ended apart from why it surged, on PostgreSQL', () => {
  let database: TestDatabase;
  let client: Client;
  // The migration only issues queries: a runner over one connection is all it needs.
  const runner = () => ({ query: async (sql: string, parameters?: unknown[]) => (await client.query(sql, parameters)).rows }) as unknown as QueryRunner;
  const surges = async () => (await client.query('SELECT * FROM surge ORDER BY id')).rows as { id: string; reason: string; cleared_reason?: string | null }[];

  beforeAll(async () => {
    database = await createTestDatabase('surge-cleared-reason-migration');
    client = new Client({ connectionString: database.url });
    await client.connect();
    // The columns the migration reads, of surge and outbox_message as the migrations before it left them.
    await client.query(`CREATE TABLE surge (id uuid PRIMARY KEY, status text NOT NULL, reason text NOT NULL)`);
    await client.query(`CREATE TABLE outbox_message (id bigserial PRIMARY KEY, event_type text NOT NULL, payload jsonb NOT NULL)`);
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it("moves a cleared surge's reason (why it ended) to cleared_reason, takes why it surged back from the outbox where it is still there, and undoes it on the way down", async () => {
    await client.query(`INSERT INTO surge (id, status, reason) VALUES
      ('${ids.active}', 'active', 'requests in IR rose to 6100'),
      ('${ids.toldInOutbox}', 'cleared', 'HighTraffic resolved in alertmanager'),
      ('${ids.outboxPruned}', 'cleared', 'Declared period ended: election'),
      ('${ids.clearedBeforeReasons}', 'cleared', 'surge')`);
    const told = (type: string, surgeId: string, reason: string) => client.query('INSERT INTO outbox_message (event_type, payload) VALUES ($1, $2)', [type, JSON.stringify({ surgeId, reason })]);
    await told('surge.started', ids.toldInOutbox, 'HighTraffic firing in alertmanager');
    await told('surge.updated', ids.toldInOutbox, 'HighTraffic firing in alertmanager (severity critical)');
    await told('surge.cleared', ids.toldInOutbox, 'HighTraffic resolved in alertmanager');
    await told('surge.started', ids.active, 'requests in IR rose to 6100');
    const migration = new SurgeClearedReason1768700000000();

    await migration.up(runner());
    expect(await surges()).toEqual([
      { id: ids.active, status: 'active', reason: 'requests in IR rose to 6100', cleared_reason: null },
      { id: ids.toldInOutbox, status: 'cleared', reason: 'HighTraffic firing in alertmanager (severity critical)', cleared_reason: 'HighTraffic resolved in alertmanager' },
      // Why it surged is gone with its events: its reason still says why it ended, as before.
      { id: ids.outboxPruned, status: 'cleared', reason: 'Declared period ended: election', cleared_reason: 'Declared period ended: election' },
      // Cleared before surges had reasons: the placeholder says neither.
      { id: ids.clearedBeforeReasons, status: 'cleared', reason: 'surge', cleared_reason: null },
    ]);

    await migration.down(runner());
    expect(await surges()).toEqual([
      { id: ids.active, status: 'active', reason: 'requests in IR rose to 6100' },
      { id: ids.toldInOutbox, status: 'cleared', reason: 'HighTraffic resolved in alertmanager' },
      { id: ids.outboxPruned, status: 'cleared', reason: 'Declared period ended: election' },
      { id: ids.clearedBeforeReasons, status: 'cleared', reason: 'surge' },
    ]);
  });
});
