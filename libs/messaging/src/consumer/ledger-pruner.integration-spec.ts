import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../kafka/messaging-logger';
import { createMessagingTestBed, type MessagingTestBed } from '../testing/messaging-test-bed';
import { LedgerPruner } from './ledger-pruner';

describe('processed-event ledger retention, against the real PostgreSQL', () => {
  let bed: MessagingTestBed;

  beforeAll(async () => {
    bed = await createMessagingTestBed('ledger-pruner', []);
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('deletes ledger and dead-letter rows past retention in batches, and keeps the rest', async () => {
    const aged = async (daysAgo: number) => {
      const id = uuidv7();
      await bed.dataSource.query(
        `INSERT INTO processed_event (consumer_group, event_id, event_type, topic, processed_at) VALUES ('pruner-spec', $1, 'traffic.sample', 'traffic.samples.v1', now() - make_interval(days => $2))`,
        [id, daysAgo],
      );
      return id;
    };
    await Promise.all([8, 9, 10, 11, 30].map(aged));
    const recent = await Promise.all([0, 6].map(aged));
    await bed.dataSource.query(
      `INSERT INTO dead_letter (consumer_group, topic, partition, "offset", reason, dead_lettered_at) VALUES
       ('pruner-spec', 'traffic.samples.v1', 0, 1, 'old', now() - interval '8 days'), ('pruner-spec', 'traffic.samples.v1', 0, 2, 'recent', now())`,
    );

    const pruner = new LedgerPruner({ dataSource: bed.dataSource, logger: silentLogger, retentionMs: 7 * 86_400_000, batchSize: 2 });
    expect(await pruner.prune()).toBe(6);

    const kept = await bed.dataSource.query(`SELECT event_id FROM processed_event WHERE consumer_group = 'pruner-spec'`);
    expect(kept.map((row: { event_id: string }) => row.event_id).sort()).toEqual([...recent].sort());
    expect(await bed.dataSource.query(`SELECT reason FROM dead_letter WHERE consumer_group = 'pruner-spec'`)).toEqual([{ reason: 'recent' }]);
    expect(await pruner.prune()).toBe(0);
  });
});
