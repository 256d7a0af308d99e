import { Topics } from '@holdfast/contracts';
import { expectEventually } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessagingTestBed, effectConsumer, effectCount, sampleEvent, type MessagingTestBed } from '../testing/messaging-test-bed';

describe('EventConsumer.catchingUp against the real broker and PostgreSQL', () => {
  let bed: MessagingTestBed;

  beforeAll(async () => {
    bed = await createMessagingTestBed('catch-up', [Topics.trafficSamples]);
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('is caught up once started on empty partitions; with a backlog, not until every message of it is applied, its transaction committed', async () => {
    const group = 'catch-up';
    const idle = effectConsumer(bed, { group });
    await idle.start();
    try {
      expect(idle.catchingUp()).toBeUndefined();
    } finally {
      await idle.stop();
    }

    // Published while no consumer of the group runs, across the partitions.
    const backlog = ['IR', 'NP', 'BR', 'DE', 'JP', 'US', 'FR', 'IN', 'KR', 'MX', 'EG', 'SE'].map((region, index) => sampleEvent(region, index, 'catch-up-spec'));
    await bed.publisher.publish(...backlog);
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    // Each event is fetched and its transaction begun, but nothing commits until the spec opens.
    const consumer = effectConsumer(bed, { group, before: () => opened });
    await consumer.start();
    try {
      expect(consumer.catchingUp()).toEqual({ after: 'start', messagesBehind: backlog.length });
      expect(await effectCount(bed.dataSource)).toBe(0);
      open();
      await expectEventually(() => expect(consumer.catchingUp()).toBeUndefined(), { message: 'caught up with the backlog' });
      // Caught up means applied: every effect is committed by then.
      expect(await effectCount(bed.dataSource, backlog.map((event) => event.id))).toBe(backlog.length);
    } finally {
      await consumer.stop();
    }

    // Started again where the group committed, at the log ends: nothing to read, so caught up at once.
    const again = effectConsumer(bed, { group });
    await again.start();
    try {
      expect(again.catchingUp()).toBeUndefined();
    } finally {
      await again.stop();
    }
  });
});
