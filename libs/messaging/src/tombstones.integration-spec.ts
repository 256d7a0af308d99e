import { createEvent, deadLetterTopicOf, encodeEvent, Topics, type HoldfastEvent, type TopicName } from '@holdfast/contracts';
import { MetricsRegistry } from '@holdfast/observability';
import { expectEventually, produceOnce, recordTopic } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventConsumer } from './consumer/event-consumer';
import { UnprocessableEventError } from './consumer/failure-kind';
import { DeadLetterHeaders } from './dead-letter/dead-letter-headers';
import type { OutboundMessage } from './kafka/event-publisher';
import { physicalTopic } from './kafka/kafka-settings';
import { silentLogger } from './kafka/messaging-logger';
import { OutboxRelay } from './outbox/outbox-relay';
import { OutboxWriter, TOMBSTONE } from './outbox/outbox-writer';
import { createMessagingTestBed, effectConsumer, TEST_SCHEMA, type MessagingTestBed } from './testing/messaging-test-bed';

const HOURS = 168;

const baseline = (region: string, metric: string, level: number, updatedAt: string): HoldfastEvent<'region.baseline'> =>
  createEvent('region.baseline', { region, metric, zone: 'Asia/Kathmandu', values: Array.from({ length: HOURS }, () => level), sampleCount: 300, updatedAt }, { source: 'tombstone-spec', subject: `${region}/${metric}` });

/** How many messages the consumer counted with this type and outcome. */
async function consumed(metrics: MetricsRegistry, labels: { type: string; outcome: string }): Promise<number> {
  const { values } = await metrics.registry.getSingleMetric('holdfast_events_consumed_total')!.get();
  return values.filter((value) => value.labels.type === labels.type && value.labels.outcome === labels.outcome).reduce((sum, value) => sum + value.value, 0);
}

describe('tombstones on a compacted topic, against the real broker and PostgreSQL', () => {
  let bed: MessagingTestBed;
  let readers = 0;

  /** What reaches a topic as the broker holds it, each body parsed: a tombstone's value is null, not empty. */
  const readRaw = async (on: MessagingTestBed, topic: TopicName) => {
    const consumer = on.kafka.consumer({ groupId: `${on.settings.topicPrefix}raw-reader-${++readers}`, maxWaitTimeInMs: 50 });
    await consumer.connect();
    await consumer.subscribe({ topic: physicalTopic(on.settings, topic), fromBeginning: true });
    const messages: { key: string | null; value: unknown; type: string | null; headers: number }[] = [];
    await consumer.run({
      eachMessage: async ({ message }) =>
        void messages.push({
          key: message.key?.toString() ?? null,
          value: message.value === null ? null : JSON.parse(message.value.toString()),
          type: message.headers?.ce_type?.toString() ?? null,
          headers: Object.keys(message.headers ?? {}).length,
        }),
    });
    return { messages, stop: () => consumer.disconnect() };
  };

  const deadLettersOf = async (on: MessagingTestBed, topic: TopicName) =>
    recordTopic(on.kafka, physicalTopic(on.settings, deadLetterTopicOf(topic)), `${on.settings.topicPrefix}dlq-reader-${++readers}`);

  beforeAll(async () => {
    bed = await createMessagingTestBed('tombstones', [Topics.regionBaselines, Topics.trafficSamples]);
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('publishes a tombstone written with the change as its key with a null value, in its place among the key\'s events, and none of a rolled-back change', async () => {
    const raw = await readRaw(bed, Topics.regionBaselines);
    const relay = new OutboxRelay({ dataSource: bed.dataSource, publisher: bed.publisher, logger: silentLogger, pollIntervalMs: 100 });
    try {
      // Written by another process's writer: the relay reads the rows back in a round.
      const writer = new OutboxWriter(TEST_SCHEMA);
      const [learned, relearned] = [baseline('NP', 'requests', 100, '2026-12-07T10:00:00Z'), baseline('NP', 'requests', 200, '2026-12-07T12:00:00Z')];
      await bed.dataSource.transaction((transaction) => writer.add(transaction, learned));
      await bed.dataSource.transaction((transaction) => writer.addTombstone(transaction, Topics.regionBaselines, 'NP/requests'));
      await expect(
        bed.dataSource.transaction(async (transaction) => {
          await writer.addTombstone(transaction, Topics.regionBaselines, 'NP/errors');
          throw new Error('the retirement failed');
        }),
      ).rejects.toThrow('the retirement failed');
      await bed.dataSource.transaction((transaction) => writer.add(transaction, relearned));
      await expect(bed.dataSource.transaction((transaction) => writer.addTombstone(transaction, Topics.trafficSamples, 'NP'))).rejects.toThrow(
        'OutboxWriter.addTombstone: traffic.samples.v1 is not compacted, so a tombstone would delete nothing there; publish an event instead.',
      );
      await expect(bed.dataSource.transaction((transaction) => writer.addTombstone(transaction, Topics.apiKeys, '0123456789abcdef'))).rejects.toThrow(
        'OutboxWriter.addTombstone: api.keys.v1 carries no tombstones by its contract: say what one means there first (tombstone in its TopicSpecs entry, libs/contracts).',
      );
      relay.start();
      await expectEventually(() => expect(raw.messages).toHaveLength(3));
      expect(raw.messages).toEqual([
        { key: 'NP/requests', value: learned.data, type: 'region.baseline', headers: expect.any(Number) },
        { key: 'NP/requests', value: null, type: null, headers: 0 },
        { key: 'NP/requests', value: relearned.data, type: 'region.baseline', headers: expect.any(Number) },
      ]);

      // Written in the relay's own process: handed over as committed, without a round to read it back.
      await expectEventually(() => expect(relay.isLeader).toBe(true));
      const local = new OutboxWriter(TEST_SCHEMA);
      local.publishThrough(relay);
      await bed.dataSource.transaction((transaction) => local.addTombstone(transaction, Topics.regionBaselines, 'NP/requests'));
      await expectEventually(() => expect(raw.messages).toHaveLength(4));
      expect(raw.messages[3]).toEqual({ key: 'NP/requests', value: null, type: null, headers: 0 });
      const rows = await bed.dataSource.query(`SELECT message_key, payload, headers, published_at IS NOT NULL AS published FROM outbox_message WHERE event_type = $1 ORDER BY id`, [TOMBSTONE]);
      expect(rows).toEqual([
        { message_key: 'NP/requests', payload: null, headers: {}, published: true },
        { message_key: 'NP/requests', payload: null, headers: {}, published: true },
      ]);
    } finally {
      await relay.stop();
      await raw.stop();
    }
  });

  it("applies a tombstone in its place among the key's events, and once: read again after the key's next event, it deletes nothing", async () => {
    // Topics of its own: every message on them is this spec's.
    const own = await createMessagingTestBed('tombstones-applied', [Topics.regionBaselines]);
    await own.dataSource.query('CREATE TABLE baseline_copy (consumer_group text NOT NULL, key text NOT NULL, event_id uuid NOT NULL, PRIMARY KEY (consumer_group, key))');
    const group = 'planner-copy';
    const copier = (metrics: MetricsRegistry) =>
      new EventConsumer({
        kafka: own.kafka,
        dataSource: own.dataSource,
        publisher: own.publisher,
        settings: own.settings,
        logger: silentLogger,
        metrics,
        topic: Topics.regionBaselines,
        group,
        retry: { attempts: 2, startingDelayMs: 10, maxDelayMs: 50 },
        commitIntervalMs: 100,
        handlers: {
          'region.baseline': async (event, transaction) => {
            await transaction.query('INSERT INTO baseline_copy VALUES ($1, $2, $3) ON CONFLICT (consumer_group, key) DO UPDATE SET event_id = EXCLUDED.event_id', [
              group,
              `${event.data.region}/${event.data.metric}`,
              event.id,
            ]);
          },
        },
        onTombstone: async (key, transaction) => {
          if (!key.includes('/')) throw new UnprocessableEventError(`"${key}" names no series`);
          await transaction.query('DELETE FROM baseline_copy WHERE consumer_group = $1 AND key = $2', [group, key]);
        },
      });
    const copy = async () => Object.fromEntries(((await own.dataSource.query('SELECT key, event_id FROM baseline_copy WHERE consumer_group = $1', [group])) as { key: string; event_id: string }[]).map((row) => [row.key, row.event_id]));
    const event = (one: HoldfastEvent<'region.baseline'>): OutboundMessage => ({ ...encodeEvent(one), topic: Topics.regionBaselines, eventType: one.type });
    const tombstone = (key: string): OutboundMessage => ({ topic: Topics.regionBaselines, key, value: null, headers: {}, eventType: TOMBSTONE });
    const [first, second, other] = [baseline('BT', 'requests', 100, '2026-12-07T10:00:00Z'), baseline('BT', 'requests', 300, '2026-12-07T14:00:00Z'), baseline('LA', 'requests', 50, '2026-12-07T10:00:00Z')];
    // One send, so each key's messages are on its partition in this order.
    await own.publisher.send([event(first), tombstone('BT/requests'), event(second), event(other), tombstone('LA'), tombstone('MV/requests')]);
    const letters = await deadLettersOf(own, Topics.regionBaselines);
    const metrics = new MetricsRegistry('tombstone-spec', false);
    let consumer = copier(metrics);
    await consumer.start();
    try {
      await expectEventually(async () => expect(await consumed(metrics, { type: TOMBSTONE, outcome: 'applied' })).toBe(2));
      await expectEventually(() => expect(letters.messages).toHaveLength(1));
      expect(await copy()).toEqual({ 'BT/requests': second.id, 'LA/requests': other.id });
      expect(letters.messages[0]).toMatchObject({ key: 'LA', value: '' });
      expect(letters.messages[0].headers[DeadLetterHeaders.reason]).toBe('tombstone handler failed after 1 attempt(s): "LA" names no series');
      await consumer.stop();

      // Every message read again, as after offsets lost: the ledger drops the events, the offset fence the tombstones.
      const admin = own.kafka.admin();
      await admin.connect();
      await admin.resetOffsets({ groupId: consumer.groupId, topic: physicalTopic(own.settings, Topics.regionBaselines), earliest: true });
      await admin.disconnect();
      const again = new MetricsRegistry('tombstone-spec-again', false);
      consumer = copier(again);
      await consumer.start();
      await expectEventually(async () => expect(await consumed(again, { type: TOMBSTONE, outcome: 'duplicate' })).toBe(3));
      await expectEventually(async () => expect(await consumed(again, { type: 'region.baseline', outcome: 'duplicate' })).toBe(3));
      expect(await consumed(again, { type: TOMBSTONE, outcome: 'applied' })).toBe(0);
      expect(await copy()).toEqual({ 'BT/requests': second.id, 'LA/requests': other.id });
      expect(letters.messages).toHaveLength(1);
    } finally {
      await consumer.stop();
      await letters.stop();
      await own.close();
    }
  });

  it('dead-letters a tombstone on a topic that is not compacted, as a message that is no event', async () => {
    const letters = await deadLettersOf(bed, Topics.trafficSamples);
    const consumer = effectConsumer(bed, { group: 'samples', commitIntervalMs: 100 });
    await consumer.start();
    try {
      await produceOnce(bed.kafka, physicalTopic(bed.settings, Topics.trafficSamples), [{ key: 'NP', value: null }]);
      await expectEventually(() => expect(letters.messages).toHaveLength(1));
      expect(letters.messages[0]).toMatchObject({ key: 'NP', value: '' });
      expect(letters.messages[0].headers[DeadLetterHeaders.reason]).toBe('contract violation: message body is empty (tombstones are not events)');
    } finally {
      await consumer.stop();
      await letters.stop();
    }
  });
});
