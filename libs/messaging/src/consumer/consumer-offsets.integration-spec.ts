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

  it('never moves the group back: offsets kept from before a member was put out of the group are dropped when it rejoins', async () => {
    await publish(['AR', 'CL', 'PE', 'UY', 'PY', 'BO']);
    const group = `offsets-${++groups}`;
    // A member that commits only when it stops, one batch at a time, and stalls on one event (before its transaction): with
    // no batch handled it sends no heartbeat, as a paused process would, and the group puts it out past its session.
    const stall = sampleEvent('EC', 0, 'offsets-spec');
    let released!: () => void;
    const stalling = new Promise<void>((resolve) => (released = resolve));
    let stalled = false;
    const paused = effectConsumer(bed, {
      group,
      commitIntervalMs: 600_000,
      partitionsConsumedConcurrently: 1,
      isRelevant: async (event) => {
        if (event.id === stall.id) {
          stalled = true;
          await stalling;
        }
        return true;
      },
    });
    const other = effectConsumer(bed, { group, commitIntervalMs: 50 });
    try {
      await paused.start();
      await appliedEverything(paused.groupId);
      await bed.publisher.publish(stall);
      published.push(stall.id);
      await expectEventually(() => expect(stalled).toBe(true));
      await other.start();
      // Once the stalled member is out, the other takes every partition, and goes on past what the stalled one kept.
      await expectEventually(() => committedToTheEnd(paused.groupId), { timeoutMs: 40_000, message: 'the other member commits every partition once the stalled one is out' });
      await publish(['AR', 'CL', 'PE', 'UY', 'PY', 'BO']);
      await expectEventually(() => committedToTheEnd(paused.groupId), { message: 'the other member commits what came since' });
      released();
      // The stalled member finds itself out of the group and joins again, getting back partitions it kept offsets of.
      await expectEventually(
        async () => {
          const [described] = (await admin.describeGroups([paused.groupId])).groups;
          expect(described.state).toBe('Stable');
          expect(described.members).toHaveLength(2);
        },
        { timeoutMs: 40_000, message: 'the stalled member is in the group again' },
      );
      // Stopping, it commits what it kept: nothing from before it was put out.
      await paused.stop();
      await committedToTheEnd(paused.groupId);
    } finally {
      released();
      await Promise.allSettled([paused.stop(), other.stop()]);
    }
  }, 120_000);

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
