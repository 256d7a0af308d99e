import { Topics } from '@holdfast/contracts';
import { MetricsRegistry } from '@holdfast/observability';
import { expectEventually } from '@holdfast/testing';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { physicalTopic } from '../kafka/kafka-settings';
import { createMessagingTestBed, effectConsumer, refusingCommits, sampleEvent, type MessagingTestBed } from '../testing/messaging-test-bed';

describe('consumer offsets when Kafka refuses a commit, against the real broker', () => {
  let bed: MessagingTestBed;
  let admin: Admin;
  let groups = 0;
  // Every event this file published: each group reads the topic from its start, so it has them all to go through.
  const published: string[] = [];

  const publish = async (regions: string[]) => {
    const events = regions.map((region, index) => sampleEvent(region, index, 'offsets-spec'));
    await bed.publisher.publish(...events);
    published.push(...events.map((event) => event.id));
  };

  /** Waits until the group has applied every event published so far. */
  const appliedEverything = (groupId: string) =>
    expectEventually(async () => {
      const [{ count }] = await bed.dataSource.query('SELECT count(*)::int AS count FROM processed_event WHERE consumer_group = $1 AND event_id = ANY($2::uuid[])', [groupId, published]);
      expect(count).toBe(published.length);
    });

  /** Whether the group's committed offsets reached the end of every partition of the topic. */
  async function committedToTheEnd(groupId: string): Promise<void> {
    const topic = physicalTopic(bed.settings, Topics.trafficSamples);
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const byPartition = new Map(committed.partitions.map(({ partition, offset }) => [partition, offset]));
    for (const { partition, high } of ends) if (high !== '0') expect(byPartition.get(partition), `partition ${partition}`).toBe(high);
  }

  beforeAll(async () => {
    bed = await createMessagingTestBed('consumer-offsets', [Topics.trafficSamples]);
    admin = bed.kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    await bed?.close();
  });

  it('commits on a later round the offsets whose commit failed, with no new message to carry them', async () => {
    await publish(['IR', 'DE', 'US']);
    let refusing = true;
    const consumer = effectConsumer(bed, { group: `offsets-${++groups}`, commitIntervalMs: 50, kafka: refusingCommits(bed.kafka, () => refusing) });
    await consumer.start();
    try {
      await appliedEverything(consumer.groupId);
      // Every commit so far was refused; nothing more arrives, so only offsets kept from those rounds can be committed now.
      refusing = false;
      await expectEventually(() => committedToTheEnd(consumer.groupId), { message: 'the refused offsets are committed later' });
    } finally {
      await consumer.stop();
    }
  });

  it('tries the final commit of stop() again when Kafka refuses it', async () => {
    await publish(['JP', 'BR']);
    let refusals = 0;
    // No periodic commit within the test: stop() alone commits, and its first try is refused.
    const consumer = effectConsumer(bed, { group: `offsets-${++groups}`, commitIntervalMs: 600_000, kafka: refusingCommits(bed.kafka, () => refusals++ === 0) });
    await consumer.start();
    await appliedEverything(consumer.groupId);
    await consumer.stop();
    expect(refusals).toBeGreaterThanOrEqual(2);
    await committedToTheEnd(consumer.groupId);
  });

  it('redelivers what a consumer applied but died before committing, and the ledger keeps each to one effect', async () => {
    await publish(['CA', 'MX', 'CO']);
    const group = `offsets-${++groups}`;
    // Kafka never takes this consumer's offsets: it stops as a crash after the effects would leave them.
    const dying = effectConsumer(bed, { group, commitIntervalMs: 600_000, kafka: refusingCommits(bed.kafka, () => true) });
    await dying.start();
    await appliedEverything(dying.groupId);
    await dying.stop();

    const metrics = new MetricsRegistry('offsets-spec', false);
    const successor = effectConsumer(bed, { group, metrics });
    await successor.start();
    try {
      await expectEventually(async () => {
        const { values } = await metrics.registry.getSingleMetric('holdfast_events_consumed_total')!.get();
        const duplicates = values.filter((value) => value.labels.outcome === 'duplicate').reduce((sum, value) => sum + value.value, 0);
        expect(duplicates, 'every event came again').toBe(published.length);
      });
      const [{ effects }] = await bed.dataSource.query('SELECT count(*)::int AS effects FROM effect WHERE consumer_group = $1 AND event_id = ANY($2::uuid[])', [group, published]);
      expect(effects).toBe(published.length);
    } finally {
      await successor.stop();
    }
  });
});
