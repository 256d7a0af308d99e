import type { TestDatabase } from '@holdfast/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SurgeClearedReason1768700000000 } from '../src/database/migrations/1768700000000-surge-cleared-reason';
import { migratedThrough } from './support/migration-bed';

const ids = {
  active: '01900000-0000-7000-8000-000000000001',
  toldInOutbox: '01900000-0000-7000-8000-000000000002',
  outboxPruned: '01900000-0000-7000-8000-000000000003',
  clearedBeforeReasons: '01900000-0000-7000-8000-000000000004',
};

describe('migration 1768700000000: why a surge ended apart from why it surged, on PostgreSQL', () => {
  let database: TestDatabase;
  let db: DataSource;
  let reported: string[];
  const surges = async () => (await db.query('SELECT * FROM surge ORDER BY id')) as { id: string; status: string; reason: string; cleared_reason?: string | null }[];
  const shown = async () => (await surges()).map(({ id, status, reason, cleared_reason }) => ({ id, status, reason, ...(cleared_reason === undefined ? {} : { cleared_reason }) }));

  beforeAll(async () => {
    ({ database, db, reported } = await migratedThrough('surge-cleared-reason-migration', SurgeClearedReason1768700000000, async (before) => {
      for (const [id, status, reason] of [
        [ids.active, 'active', 'requests in IR rose to 6100'],
        [ids.toldInOutbox, 'cleared', 'HighTraffic resolved in alertmanager'],
        [ids.outboxPruned, 'cleared', 'Declared period ended: election'],
        [ids.clearedBeforeReasons, 'cleared', 'surge'],
      ]) {
        await before.query(
          `INSERT INTO surge (id, region, status, started_at, source, origin, severity, reason, detected_at, updated_at)
           VALUES ($1, 'IR', $2, '2026-12-01T10:00Z', 'alert', $4, 'major', $3, '2026-12-01T10:00Z', '2026-12-01T10:00Z')`,
          [id, status, reason, `alertmanager/${id}`],
        );
      }
      const told = (type: string, surgeId: string, reason: string) =>
        before.query(`INSERT INTO outbox_message (event_id, event_type, topic, message_key, headers, payload) VALUES ($1, $2, 'region.surges.v1', 'IR', '{}', $3)`, [
          randomUUID(),
          type,
          JSON.stringify({ surgeId, reason }),
        ]);
      await told('surge.started', ids.toldInOutbox, 'HighTraffic firing in alertmanager');
      await told('surge.updated', ids.toldInOutbox, 'HighTraffic firing in alertmanager (severity critical)');
      await told('surge.cleared', ids.toldInOutbox, 'HighTraffic resolved in alertmanager');
      await told('surge.started', ids.active, 'requests in IR rose to 6100');
    }));
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it("moves a cleared surge's reason (why it ended) to cleared_reason, takes why it surged back from the outbox where it is still there, and says so in the start log", async () => {
    expect(await shown()).toEqual([
      { id: ids.active, status: 'active', reason: 'requests in IR rose to 6100', cleared_reason: null },
      { id: ids.toldInOutbox, status: 'cleared', reason: 'HighTraffic firing in alertmanager (severity critical)', cleared_reason: 'HighTraffic resolved in alertmanager' },
      // Why it surged is gone with its events: its reason still says why it ended, as before.
      { id: ids.outboxPruned, status: 'cleared', reason: 'Declared period ended: election', cleared_reason: 'Declared period ended: election' },
      // Cleared before surges had reasons: the placeholder says neither.
      { id: ids.clearedBeforeReasons, status: 'cleared', reason: 'surge', cleared_reason: null },
    ]);
    expect(reported).toEqual([
      'schema impact_analyzer: SurgeClearedReason1768700000000 moved why 2 cleared surge(s) ended from reason to clearedReason; 1 took back why it surged from its last surge.started or surge.updated in the outbox, 1 (those events pruned from the outbox) keep why they ended as their reason too',
    ]);
  });

  it('undoes it on the way down', async () => {
    await db.undoLastMigration({ transaction: 'each' });
    expect(await shown()).toEqual([
      { id: ids.active, status: 'active', reason: 'requests in IR rose to 6100' },
      { id: ids.toldInOutbox, status: 'cleared', reason: 'HighTraffic resolved in alertmanager' },
      { id: ids.outboxPruned, status: 'cleared', reason: 'Declared period ended: election' },
      { id: ids.clearedBeforeReasons, status: 'cleared', reason: 'surge' },
    ]);
  });
});
