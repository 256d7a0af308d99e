import { encodeEvent, Topics, type HoldfastEvent } from '@holdfast/contracts';
import { MetricsRegistry } from '@holdfast/observability';
import { expectEventually, recordTopic } from '@holdfast/testing';
import type { EntityManager } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterHeaders } from '../dead-letter/dead-letter-headers';
import { physicalTopic } from '../kafka/kafka-settings';
import { createMessagingTestBed, effectConsumer, effectCount, sampleEvent, type MessagingTestBed } from '../testing/messaging-test-bed';
import { UnprocessableEventError } from './failure-kind';

const sample = (region: string, value: number) => sampleEvent(region, value, 'consumer-spec');

/** How many events the consumer counted with this type and outcome. */
async function consumed(metrics: MetricsRegistry, labels: { type: string; outcome: string }): Promise<number> {
  const { values } = await metrics.registry.getSingleMetric('holdfast_events_consumed_total')!.get();
  return values.filter((value) => value.labels.type === labels.type && value.labels.outcome === labels.outcome).reduce((sum, value) => sum + value.value, 0);
}

describe('idempotent consumer against the real broker and PostgreSQL', () => {
  let bed: MessagingTestBed;
  let groups = 0;

  /** A consumer in a group of its own whose handler records each event, after `before` (which may throw) has run. */
  const consumerFor = ({
    group = `effects-${++groups}`,
    before,
    metrics,
    attempts = 3,
  }: { group?: string; before?: (event: HoldfastEvent<'traffic.sample'>, transaction: EntityManager) => void | Promise<void>; metrics?: MetricsRegistry; attempts?: number } = {}) =>
    effectConsumer(bed, { group, before, metrics, retry: { attempts, startingDelayMs: 10, maxDelayMs: 50 }, commitIntervalMs: 100 });

  /** The dead letters of one consumer group: every group reads the shared topic from its start, earlier specs' bad messages included. */
  const recordDeadLetters = async () => {
    const recorder = await recordTopic(bed.kafka, physicalTopic(bed.settings, `${Topics.trafficSamples}.dlq`), `${bed.settings.topicPrefix}dlq-reader-${++groups}`);
    return { of: (consumer: { groupId: string }) => recorder.messages.filter((letter) => letter.headers[DeadLetterHeaders.consumerGroup] === consumer.groupId), stop: recorder.stop };
  };

  /** Writes messages to the samples topic as they are, with plain kafkajs. */
  const produceRaw = async (...messages: { key: string | null; value: Buffer | null; headers?: Record<string, string> }[]) => {
    const raw = bed.kafka.producer();
    await raw.connect();
    await raw.send({ topic: physicalTopic(bed.settings, Topics.trafficSamples), messages });
    await raw.disconnect();
  };

  /** A message that breaks the contract, sent behind others so its dead letter says they were all consumed. */
  const deadLetterSentinel = async (region: string) => {
    const sentinel = encodeEvent(sample(region, 0));
    await produceRaw({ key: region, value: Buffer.from('a sentinel, not JSON'), headers: sentinel.headers });
    return sentinel.headers.ce_id;
  };

  beforeAll(async () => {
    bed = await createMessagingTestBed('event-consumer', [Topics.trafficSamples]);
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('applies a duplicated event once', async () => {
    const event = sample('IR', 5);
    const after = sample('IR', 6);
    // Same key, so the same partition: when `after` is applied, both copies have been consumed.
    await bed.publisher.publish(event, event, after);
    const metrics = new MetricsRegistry('consumer-spec', false);
    const letters = await recordDeadLetters();
    const consumer = consumerFor({ metrics });
    await consumer.start();
    try {
      await expectEventually(async () => expect(await effectCount(bed.dataSource, [after.id])).toBe(1));
      expect(await effectCount(bed.dataSource, [event.id])).toBe(1);
      const [{ ledger }] = await bed.dataSource.query('SELECT count(*)::int AS ledger FROM processed_event WHERE event_id = $1', [event.id]);
      expect(ledger).toBe(1);
      // The ledger, not the effect table's unique key, dropped the copy: a second effect would have failed into the DLQ.
      expect(await consumed(metrics, { type: 'traffic.sample', outcome: 'duplicate' })).toBe(1);
      const sentinel = await deadLetterSentinel('IR');
      await expectEventually(() => expect(letters.of(consumer).map((letter) => letter.headers.ce_id)).toContain(sentinel));
      expect(letters.of(consumer).map((letter) => letter.headers.ce_id)).toEqual([sentinel]);
    } finally {
      await consumer.stop();
      await letters.stop();
    }
  });

  it('sends a malformed message to <topic>.dlq with its reason, and the partition keeps flowing', async () => {
    const good = sample('BR', 7);
    const malformed = encodeEvent(sample('BR', 8));
    const notJsonId = encodeEvent(sample('BR', 9)).headers.ce_id;
    malformed.value = Buffer.from(JSON.stringify({ region: 'Brazil', metric: 'requests', at: 'yesterday', value: -1, source: 'x' }));
    const letters = await recordDeadLetters();
    await produceRaw(
      { key: 'BR', value: malformed.value, headers: malformed.headers },
      { key: 'BR', value: Buffer.from('not json at all'), headers: { ...malformed.headers, ce_id: notJsonId } },
    );
    await bed.publisher.publish(good);
    const consumer = consumerFor();
    await consumer.start();
    try {
      await expectEventually(async () => expect(await effectCount(bed.dataSource, [good.id])).toBe(1), { message: 'the good event behind the bad ones is applied' });
      const mine = () => letters.of(consumer).filter((letter) => [malformed.headers.ce_id, notJsonId].includes(letter.headers.ce_id));
      await expectEventually(() => expect(mine()).toHaveLength(2));
      const [schemaViolation, notJson] = mine();
      expect(schemaViolation.headers[DeadLetterHeaders.reason]).toMatch(/contract violation: .*region/);
      expect(schemaViolation.headers[DeadLetterHeaders.reason]).toMatch(/value/);
      expect(schemaViolation.headers[DeadLetterHeaders.originTopic]).toBe(Topics.trafficSamples);
      expect(schemaViolation.headers[DeadLetterHeaders.consumerGroup]).toBe(consumer.groupId);
      expect(schemaViolation.headers.ce_id).toBe(malformed.headers.ce_id);
      expect(schemaViolation.value).toContain('Brazil');
      expect(notJson.headers[DeadLetterHeaders.reason]).toMatch(/contract violation: .*JSON/i);
      expect(notJson.value).toBe('not json at all');
    } finally {
      await consumer.stop();
      await letters.stop();
    }
  });

  it('retries a handler that fails for a while, with one effect in the end', async () => {
    const event = sample('KE', 9);
    let calls = 0;
    const consumer = consumerFor({
      before: (received) => {
        if (received.id === event.id && ++calls < 3) throw new Error('deadlock detected, try again');
      },
    });
    await bed.publisher.publish(event);
    await consumer.start();
    try {
      await expectEventually(async () => expect(await effectCount(bed.dataSource, [event.id])).toBe(1));
      expect(calls).toBe(3);
    } finally {
      await consumer.stop();
    }
  });

  it('dead-letters an event whose handler keeps failing, naming the attempts and the error', async () => {
    const doomed = sample('MX', 10);
    const unprocessable = sample('MX', 11);
    const next = sample('MX', 12);
    const letters = await recordDeadLetters();
    let doomedCalls = 0;
    const consumer = consumerFor({
      before: (received) => {
        if (received.id === doomed.id) {
          doomedCalls++;
          throw new Error('the window service rejected it');
        }
        if (received.id === unprocessable.id) throw new UnprocessableEventError('refers to a region this planner does not know');
      },
    });
    await bed.publisher.publish(doomed, unprocessable, next);
    await consumer.start();
    try {
      await expectEventually(async () => expect(await effectCount(bed.dataSource, [next.id])).toBe(1));
      await expectEventually(() => expect(letters.of(consumer).filter((letter) => [doomed.id, unprocessable.id].includes(letter.headers.ce_id))).toHaveLength(2));
      const byId = new Map(letters.of(consumer).map((letter) => [letter.headers.ce_id, letter.headers]));
      expect(byId.get(doomed.id)?.[DeadLetterHeaders.reason]).toBe('handler failed after 3 attempt(s): the window service rejected it');
      expect(byId.get(doomed.id)?.[DeadLetterHeaders.attempts]).toBe('3');
      expect(doomedCalls).toBe(3);
      expect(byId.get(unprocessable.id)?.[DeadLetterHeaders.reason]).toBe('handler failed after 1 attempt(s): refers to a region this planner does not know');
      // A dead-lettered event leaves no half-applied effect and no ledger row.
      expect(await effectCount(bed.dataSource, [doomed.id, unprocessable.id])).toBe(0);
    } finally {
      await consumer.stop();
      await letters.stop();
    }
  });

  it('loses nothing and doubles nothing when a consumer is restarted mid-stream', async () => {
    const events = Array.from({ length: 300 }, (_, index) => sample(['IR', 'DE', 'US', 'IN', 'JP', 'BR'][index % 6], index));
    const ids = events.map((event) => event.id);
    await bed.publisher.publish(...events);
    const group = 'restart-mid-stream';
    // Stopped from inside the stream, at the 60th event, so the restart really falls mid-stream.
    let seen = 0;
    let stopped: Promise<void> | undefined;
    const first = consumerFor({
      group,
      before: (event) => {
        // The group reads from the start, so earlier specs' events come first: count only this stream.
        if (ids.includes(event.id) && ++seen === 60) stopped = first.stop();
      },
    });
    await first.start();
    await expectEventually(() => expect(stopped).toBeDefined());
    await stopped;
    const midway = await effectCount(bed.dataSource, ids);
    expect(midway).toBeGreaterThanOrEqual(60);
    expect(midway).toBeLessThan(300);

    const second = consumerFor({ group });
    await second.start();
    try {
      await expectEventually(async () => expect(await effectCount(bed.dataSource, ids)).toBe(300), { timeoutMs: 30_000 });
      const [{ ledger }] = await bed.dataSource.query('SELECT count(*)::int AS ledger FROM processed_event WHERE event_id = ANY($1::uuid[])', [ids]);
      expect(ledger).toBe(300);
    } finally {
      await second.stop();
    }
  });
});
