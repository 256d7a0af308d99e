import { encodeEvent, Topics, type HoldfastEvent } from '@holdfast/contracts';
import { MetricsRegistry } from '@holdfast/observability';
import { expectEventually, produceOnce, recordTopic } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterHeaders } from '../dead-letter/dead-letter-headers';
import { physicalTopic } from '../kafka/kafka-settings';
import type { MessagingLogger } from '../kafka/messaging-logger';
import { createMessagingTestBed, effectConsumer, effectCount, refusingCommits, sampleEvent, type EffectConsumerOptions, type MessagingTestBed } from '../testing/messaging-test-bed';

const sample = (region: string, value: number) => sampleEvent(region, value, 'batch-spec');

async function consumed(metrics: MetricsRegistry, labels: { type: string; outcome: string }): Promise<number> {
  const { values } = await metrics.registry.getSingleMetric('holdfast_events_consumed_total')!.get();
  return values.filter((value) => value.labels.type === labels.type && value.labels.outcome === labels.outcome).reduce((sum, value) => sum + value.value, 0);
}

describe('batch consumption against the real broker and PostgreSQL', () => {
  let bed: MessagingTestBed;
  let groups = 0;

  type BeforeBatch = NonNullable<NonNullable<EffectConsumerOptions['batch']>['beforeBatch']>;
  const batchConsumerFor = ({ beforeBatch, maxEvents, metrics }: { beforeBatch?: BeforeBatch; maxEvents?: number; metrics?: MetricsRegistry } = {}) =>
    effectConsumer(bed, { group: `batch-${++groups}`, metrics, batch: { beforeBatch, maxEvents }, retry: { attempts: 2, startingDelayMs: 10, maxDelayMs: 50 }, commitIntervalMs: 100 });
  const fencedConsumerFor = ({ group, metrics, kafka, logger, on = bed }: { group: string; metrics?: MetricsRegistry; kafka?: typeof bed.kafka; logger?: MessagingLogger; on?: MessagingTestBed }) =>
    effectConsumer(on, { group, metrics, kafka, logger, batch: { idempotence: 'partition-offset' }, retry: { attempts: 2, startingDelayMs: 10, maxDelayMs: 50 }, commitIntervalMs: 100 });

  /** The fence rows of a group, by partition. */
  const fenceOf = async (groupId: string, on = bed): Promise<Map<number, string>> => {
    const rows: { partition: number; next_offset: string }[] = await on.dataSource.query('SELECT partition, next_offset::text FROM consumed_offset WHERE consumer_group = $1', [groupId]);
    return new Map(rows.map((row) => [row.partition, row.next_offset]));
  };
  /** Where the events landed: per partition, the offset just after the last of them. */
  const placesOf = async (ids: string[]): Promise<Map<number, string>> => {
    const recorder = await recordTopic(bed.kafka, physicalTopic(bed.settings, Topics.trafficSamples), `${bed.settings.topicPrefix}places-${++groups}`);
    try {
      await expectEventually(() => expect(recorder.messages.filter((message) => ids.includes(message.headers.ce_id))).toHaveLength(ids.length));
      const after = new Map<number, string>();
      for (const message of recorder.messages.filter((one) => ids.includes(one.headers.ce_id))) {
        const next = (BigInt(message.offset) + 1n).toString();
        if (BigInt(next) > BigInt(after.get(message.partition) ?? '0')) after.set(message.partition, next);
      }
      return after;
    } finally {
      await recorder.stop();
    }
  };
  /** The fence covers the events (in each of their partitions, it is past the last of them) and stays within the log. */
  const expectFenced = async (groupId: string, places: Map<number, string>, ends: Map<number, string>) => {
    const fence = await fenceOf(groupId);
    for (const [partition, after] of places) {
      const next = BigInt(fence.get(partition) ?? '0');
      expect(next, `partition ${partition}`).toBeGreaterThanOrEqual(BigInt(after));
      expect(next, `partition ${partition}`).toBeLessThanOrEqual(BigInt(ends.get(partition) ?? '0'));
    }
  };
  /** Each partition's log end, for partitions holding messages. */
  /**
   * Starts a fenced consumer on a group whose fence rows the spec wrote for a topic's earlier life:
   * every event is applied, the consumer says why with `warning`, and the fence ends at the log's end.
   */
  const expectFenceStartedOver = async (group: string, events: HoldfastEvent[], warning: string): Promise<void> => {
    const warnings: string[] = [];
    const logger: MessagingLogger = { debug() {}, info() {}, error() {}, warn: (_fields, message) => void warnings.push(message) };
    const consumer = fencedConsumerFor({ group, logger });
    await consumer.start();
    try {
      await expectEventually(async () => expect(await effectCount(bed.dataSource, events.map((event) => event.id))).toBe(events.length));
      expect(warnings.some((message) => message.startsWith(warning))).toBe(true);
      await expectFenced(consumer.groupId, await placesOf(events.map((event) => event.id)), await logEnds());
    } finally {
      await consumer.stop();
    }
  };

  const logEnds = async (on = bed): Promise<Map<number, string>> => {
    const admin = on.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(physicalTopic(on.settings, Topics.trafficSamples));
      return new Map(ends.filter((end) => end.high !== '0').map((end) => [end.partition, end.high]));
    } finally {
      await admin.disconnect();
    }
  };

  const recordDeadLetters = async () => {
    const recorder = await recordTopic(bed.kafka, physicalTopic(bed.settings, `${Topics.trafficSamples}.dlq`), `${bed.settings.topicPrefix}dlq-reader-${++groups}`);
    // Every group reads the shared topic from its start, so only letters of the test's own group and messages count.
    const of = (consumer: { groupId: string }, ids: string[]) =>
      recorder.messages.filter((letter) => letter.headers[DeadLetterHeaders.consumerGroup] === consumer.groupId && ids.includes(letter.headers.ce_id));
    return { of, stop: recorder.stop };
  };

  /** Each test publishes on a region of its own, so it can tell its events from the ones before it. */
  const only = (events: HoldfastEvent<'traffic.sample'>[], region: string) => events.filter((event) => event.data.region === region);

  beforeAll(async () => {
    bed = await createMessagingTestBed('batch-consumer', [Topics.trafficSamples]);
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('applies a whole batch in one transaction together with the ledger rows of its events', async () => {
    const events = Array.from({ length: 40 }, (_, index) => sample('IR', index));
    // Published before the consumer starts, so its first fetch brings them as one batch.
    await bed.publisher.publish(...events);
    const sizes: number[] = [];
    const consumer = batchConsumerFor({ beforeBatch: (batch) => void sizes.push(only(batch, 'IR').length) });
    await consumer.start();
    try {
      await expectEventually(async () => expect(await effectCount(bed.dataSource, events.map((event) => event.id))).toBe(40));
      expect(Math.max(...sizes)).toBeGreaterThan(1);
      // Rows written by one transaction share its id (xmin): each effect was committed with its ledger row, a batch at a time.
      const transactions = await bed.dataSource.query(
        `SELECT effect.xmin::text AS effect_tx, ledger.xmin::text AS ledger_tx FROM effect JOIN processed_event ledger USING (event_id)
         WHERE event_id = ANY($1::uuid[]) AND ledger.consumer_group = $2`,
        [events.map((event) => event.id), consumer.groupId],
      );
      expect(transactions).toHaveLength(40);
      expect(transactions.every((row: { effect_tx: string; ledger_tx: string }) => row.effect_tx === row.ledger_tx)).toBe(true);
      expect(new Set(transactions.map((row: { effect_tx: string }) => row.effect_tx)).size).toBeLessThan(40);
    } finally {
      await consumer.stop();
    }
  });

  it('keeps a slice to maxEvents and leaves events already in the ledger out of the batch', async () => {
    const event = sample('DE', 1);
    const others = [sample('DE', 2), sample('DE', 3), sample('DE', 4)];
    await bed.publisher.publish(event, event, ...others, event);
    const seen: string[][] = [];
    const metrics = new MetricsRegistry('batch-spec', false);
    const consumer = batchConsumerFor({ maxEvents: 2, metrics, beforeBatch: (batch) => void seen.push(only(batch, 'DE').map((one) => one.id)) });
    await consumer.start();
    try {
      const ids = [event.id, ...others.map((other) => other.id)];
      await expectEventually(async () => expect(await consumed(metrics, { type: 'traffic.sample', outcome: 'duplicate' })).toBeGreaterThanOrEqual(2));
      // Each applied once: a slice holding an event already in the ledger was rolled back and applied without it.
      expect(await effectCount(bed.dataSource, ids)).toBe(4);
      expect(seen.flat().filter((id) => ids.includes(id)).slice(0, 4)).toEqual(ids);
      expect(seen.every((batch) => batch.length <= 2)).toBe(true);
    } finally {
      await consumer.stop();
    }
  });

  it('dead-letters a contract violation on its own and applies the rest of the batch', async () => {
    const before = sample('BR', 1);
    const after = sample('BR', 2);
    const broken = encodeEvent(sample('BR', 3));
    const letters = await recordDeadLetters();
    await produceOnce(bed.kafka, physicalTopic(bed.settings, Topics.trafficSamples), [
      encodeEvent(before),
      { ...broken, value: Buffer.from(JSON.stringify({ region: 'Brazil' })) },
      encodeEvent(after),
    ]);
    const consumer = batchConsumerFor();
    await consumer.start();
    try {
      await expectEventually(async () => expect(await effectCount(bed.dataSource, [before.id, after.id])).toBe(2));
      const ids = [before.id, broken.headers.ce_id, after.id];
      await expectEventually(() => expect(letters.of(consumer, ids).map((letter) => letter.headers.ce_id)).toEqual([broken.headers.ce_id]));
      expect(letters.of(consumer, ids)[0].headers[DeadLetterHeaders.reason]).toMatch(/^contract violation: traffic.sample payload field/);
    } finally {
      await consumer.stop();
      await letters.stop();
    }
  });

  it('falls back to one event at a time when the batch handler fails, so only the bad event is dead-lettered', async () => {
    const good = [sample('MX', 1), sample('MX', 2)];
    const bad = sample('MX', 3);
    const last = sample('MX', 4);
    await bed.publisher.publish(good[0], bad, good[1], last);
    const letters = await recordDeadLetters();
    const consumer = batchConsumerFor({
      beforeBatch: (batch) => {
        if (batch.some((event) => event.id === bad.id)) throw new Error('the detector refused a sample');
      },
    });
    await consumer.start();
    try {
      const applied = [...good, last].map((event) => event.id);
      await expectEventually(async () => expect(await effectCount(bed.dataSource, applied)).toBe(3));
      const ids = [...applied, bad.id];
      await expectEventually(() => expect(letters.of(consumer, ids).map((letter) => letter.headers.ce_id)).toEqual([bad.id]));
      expect(letters.of(consumer, ids)[0].headers[DeadLetterHeaders.reason]).toBe('handler failed after 2 attempt(s): the detector refused a sample');
      expect(await effectCount(bed.dataSource, [bad.id])).toBe(0);
    } finally {
      await consumer.stop();
      await letters.stop();
    }
  });

  it('dead-letters the events a batch handler refuses in the transaction that applies the others, in one pass', async () => {
    const events = Array.from({ length: 6 }, (_, index) => sample('UY', index));
    const refusedIds = [events[1].id, events[4].id];
    await bed.publisher.publish(...events);
    const letters = await recordDeadLetters();
    const handed: string[][] = [];
    const consumer = batchConsumerFor({
      beforeBatch: (batch) => {
        handed.push(only(batch, 'UY').map((event) => event.id));
        return batch.flatMap((event, index) => (refusedIds.includes(event.id) ? [{ index, reason: `no region ${event.data.value}` }] : []));
      },
    });
    await consumer.start();
    try {
      const applied = events.filter((event) => !refusedIds.includes(event.id)).map((event) => event.id);
      await expectEventually(() => expect(letters.of(consumer, refusedIds).map((letter) => letter.headers[DeadLetterHeaders.reason]).sort()).toEqual(['refused by the handler: no region 1', 'refused by the handler: no region 4']));
      // The letters reach the broker before their transaction commits (its record commits only once they did).
      await expectEventually(async () => expect(await effectCount(bed.dataSource, applied)).toBe(4));
      expect(await effectCount(bed.dataSource, refusedIds)).toBe(0);
      // Each event was handed to the handler once: no second pass, event by event, after a refusal.
      expect(handed.flat().sort()).toEqual(events.map((event) => event.id).sort());
      // A refused event's record shares its transaction with the effects of the batch it came in.
      const [row]: { shared: boolean }[] = await bed.dataSource.query(
        `SELECT EXISTS (SELECT 1 FROM dead_letter letter JOIN effect ON effect.xmin = letter.xmin WHERE letter.consumer_group = $1 AND letter.event_id = $2 AND effect.event_id = ANY($3::uuid[])) AS shared`,
        [consumer.groupId, refusedIds[0], applied],
      );
      expect(row.shared).toBe(true);
    } finally {
      await consumer.stop();
      await letters.stop();
    }
  });

  it('keeps up with a flood of contract violations: a slice of them in one transaction, in sends the broker takes', async () => {
    // 3,000 messages of about 2.3 KB once their dead-letter headers are on: the letters of one fetched batch are over the broker's 1 MiB limit for one send.
    const broken = Array.from({ length: 3_000 }, () => encodeEvent(sample('PY', 1))).map((record) => ({ ...record, value: Buffer.from(`{"region":"${'P'.repeat(1_600)}"}`) }));
    const good = sample('PY', 2);
    for (let start = 0; start < broken.length; start += 250) await produceOnce(bed.kafka, physicalTopic(bed.settings, Topics.trafficSamples), broken.slice(start, start + 250));
    await bed.publisher.publish(good);
    const letters = await recordDeadLetters();
    const consumer = batchConsumerFor({ maxEvents: 5_000 });
    await consumer.start();
    try {
      const ids = broken.map((record) => record.headers.ce_id);
      await expectEventually(async () => expect(await effectCount(bed.dataSource, [good.id])).toBe(1), { timeoutMs: 60_000 });
      await expectEventually(() => expect(letters.of(consumer, ids)).toHaveLength(ids.length), { timeoutMs: 30_000 });
      const [{ transactions, recorded }]: { transactions: number; recorded: number }[] = await bed.dataSource.query(
        'SELECT count(DISTINCT xmin::text)::int AS transactions, count(*)::int AS recorded FROM dead_letter WHERE consumer_group = $1 AND event_id = ANY($2::text[])',
        [consumer.groupId, ids],
      );
      expect(recorded).toBe(ids.length);
      // A transaction per Kafka batch, not per message.
      expect(transactions).toBeLessThan(100);
    } finally {
      await consumer.stop();
      await letters.stop();
    }
  });

  it('retries a batch through an infrastructure failure until it passes, dead-lettering nothing', async () => {
    const events = [sample('KE', 1), sample('KE', 2)];
    await bed.publisher.publish(...events);
    const letters = await recordDeadLetters();
    let failures = 0;
    const consumer = batchConsumerFor({
      beforeBatch: (batch) => {
        // More failures than the retry policy's attempts: only an infrastructure failure outlasts them.
        if (only(batch, 'KE').length > 0 && failures++ < 4) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
      },
    });
    await consumer.start();
    try {
      await expectEventually(async () => expect(await effectCount(bed.dataSource, events.map((event) => event.id))).toBe(2));
      expect(failures).toBeGreaterThanOrEqual(5);
      const sentinel = encodeEvent(sample('KE', 3));
      await produceOnce(bed.kafka, physicalTopic(bed.settings, Topics.trafficSamples), [{ ...sentinel, value: Buffer.from('sentinel') }]);
      const ids = [...events.map((event) => event.id), sentinel.headers.ce_id];
      await expectEventually(() => expect(letters.of(consumer, ids).map((letter) => letter.headers.ce_id)).toContain(sentinel.headers.ce_id));
      expect(letters.of(consumer, ids).map((letter) => letter.headers.ce_id)).toEqual([sentinel.headers.ce_id]);
    } finally {
      await consumer.stop();
      await letters.stop();
    }
  });

  it('with the partition-offset fence, applies each event once and keeps one fence row per partition instead of a ledger row per event', async () => {
    const events = Array.from({ length: 30 }, (_, index) => sample('NG', index));
    await bed.publisher.publish(...events);
    const consumer = fencedConsumerFor({ group: `fenced-${++groups}` });
    await consumer.start();
    try {
      await expectEventually(async () => expect(await effectCount(bed.dataSource, events.map((event) => event.id))).toBe(30));
      await expectFenced(consumer.groupId, await placesOf(events.map((event) => event.id)), await logEnds());
      const [{ ledger }] = await bed.dataSource.query('SELECT count(*)::int AS ledger FROM processed_event WHERE consumer_group = $1', [consumer.groupId]);
      expect(ledger).toBe(0);
    } finally {
      await consumer.stop();
    }
  });

  it('with the fence, recognises by offset what a consumer applied but died before committing, applying nothing twice', async () => {
    // A topic of its own: on the shared one, the successor would also apply earlier tests' messages the dying consumer had not reached.
    const crashBed = await createMessagingTestBed('batch-consumer-crash', [Topics.trafficSamples]);
    try {
      const events = Array.from({ length: 12 }, (_, index) => sample('PE', index));
      await crashBed.publisher.publish(...events);
      // The topic is brand new: the admin client may still be learning its partitions' leaders.
      const ends = await expectEventually(async () => {
        const found = await logEnds(crashBed);
        expect([...found.values()].reduce((sum, end) => sum + Number(end), 0)).toBe(events.length);
        return found;
      });
      const group = `fenced-${++groups}`;
      // Kafka never takes this consumer's offsets: stopping it is a crash after its transactions committed.
      const dying = fencedConsumerFor({ group, on: crashBed, kafka: refusingCommits(crashBed.kafka, () => true) });
      await dying.start();
      await expectEventually(async () => expect(await fenceOf(dying.groupId, crashBed)).toEqual(ends));
      await dying.stop();

      const metrics = new MetricsRegistry('batch-spec', false);
      const successor = fencedConsumerFor({ group, metrics, on: crashBed });
      await successor.start();
      try {
        // The effect table's key refuses a second effect, so a redelivery applied again would fail loudly and be dead-lettered.
        await expectEventually(async () => expect(await consumed(metrics, { type: 'traffic.sample', outcome: 'duplicate' })).toBe(events.length));
        expect(await consumed(metrics, { type: 'traffic.sample', outcome: 'applied' })).toBe(0);
        expect(await consumed(metrics, { type: 'traffic.sample', outcome: 'dead-lettered' })).toBe(0);
        const [{ effects }] = await crashBed.dataSource.query('SELECT count(*)::int AS effects FROM effect WHERE consumer_group = $1 AND event_id = ANY($2::uuid[])', [group, events.map((event) => event.id)]);
        expect(effects).toBe(events.length);
      } finally {
        await successor.stop();
      }
    } finally {
      await crashBed.close();
    }
  });

  it('with a fence past the end of its partition (the topic deleted and created again), says so and reads the partition from its start', async () => {
    const events = Array.from({ length: 6 }, (_, index) => sample('CL', index));
    await bed.publisher.publish(...events);
    const group = `fenced-${++groups}`;
    const groupId = `${bed.settings.topicPrefix}${group}`;
    const ends = await logEnds();
    await bed.dataSource.query(
      `INSERT INTO consumed_offset (consumer_group, topic, partition, next_offset) SELECT $1, $2, partition, 1000000 FROM unnest($3::int[]) AS partition`,
      [groupId, Topics.trafficSamples, [...ends.keys()]],
    );
    await expectFenceStartedOver(group, events, 'the consumed-offset fence is past the end of the partition');
  });

  it('with a fence inside a partition refilled after it last advanced (the topic created again and written past it), says so and applies every message', async () => {
    const events = Array.from({ length: 6 }, (_, index) => sample('NZ', index));
    await bed.publisher.publish(...events);
    const group = `fenced-${++groups}`;
    const groupId = `${bed.settings.topicPrefix}${group}`;
    const ends = await logEnds();
    // The fence of the topic's earlier life: an hour old, two messages short of each partition's end, so the log's end does not give it away.
    await bed.dataSource.query(
      `INSERT INTO consumed_offset (consumer_group, topic, partition, next_offset, updated_at)
       SELECT $1, $2, fence.partition, greatest(fence.next_offset - 2, 0), now() - interval '1 hour' FROM unnest($3::int[], $4::bigint[]) AS fence(partition, next_offset)`,
      [groupId, Topics.trafficSamples, [...ends.keys()], [...ends.values()]],
    );
    await expectFenceStartedOver(group, events, 'messages below the consumed-offset fence were written after it last advanced');
  });
});
