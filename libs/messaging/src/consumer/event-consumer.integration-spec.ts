import { encodeEvent, Topics, type HoldfastEvent } from '@holdfast/contracts';
import { MetricsRegistry } from '@holdfast/observability';
import { expectEventually, produceOnce, recordTopic } from '@holdfast/testing';
import { KafkaJSProtocolError } from 'kafkajs';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { EntityManager } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterHeaders } from '../dead-letter/dead-letter-headers';
import type { OutboundMessage } from '../kafka/event-publisher';
import { physicalTopic } from '../kafka/kafka-settings';
import { createMessagingTestBed, effectConsumer, effectCount, refusingCommits, sampleEvent, type MessagingTestBed } from '../testing/messaging-test-bed';
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

  /** Writes messages to the samples topic as they are, with plain kafkajs, once each. */
  const produceRaw = (...messages: { key: string | null; value: Buffer | null; headers?: Record<string, string> }[]) =>
    produceOnce(bed.kafka, physicalTopic(bed.settings, Topics.trafficSamples), messages);

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

  it('opens no transaction for an event the consumer finds irrelevant: no effect, no ledger row, counted as ignored', async () => {
    const unwanted = sample('KE', 1);
    const wanted = sample('KE', 2);
    await bed.publisher.publish(unwanted, wanted);
    const metrics = new MetricsRegistry('consumer-spec', false);
    const asked: string[] = [];
    const consumer = effectConsumer(bed, {
      group: `relevance-${++groups}`,
      metrics,
      isRelevant: async (event) => {
        asked.push(event.id);
        return event.data.region !== 'KE' || event.data.value !== 1;
      },
    });
    await consumer.start();
    try {
      await expectEventually(async () => expect(await effectCount(bed.dataSource, [wanted.id])).toBe(1));
      expect(asked).toEqual(expect.arrayContaining([unwanted.id, wanted.id]));
      expect(await effectCount(bed.dataSource, [unwanted.id])).toBe(0);
      const [{ ledger }] = await bed.dataSource.query('SELECT count(*)::int AS ledger FROM processed_event WHERE consumer_group = $1 AND event_id = ANY($2::uuid[])', [
        consumer.groupId,
        [unwanted.id, wanted.id],
      ]);
      expect(ledger).toBe(1);
      expect(await consumed(metrics, { type: 'traffic.sample', outcome: 'ignored' })).toBeGreaterThanOrEqual(1);
    } finally {
      await consumer.stop();
    }
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

  it('times each transaction\'s commit apart from its handling, so a commit held up at COMMIT shows there', async () => {
    // A deferred constraint trigger runs at COMMIT: a row in held_commit makes its transaction's commit
    // wait for an advisory lock this test holds, until the test lets it go.
    const GATE = 424_242;
    await bed.dataSource.query(`
      CREATE TABLE held_commit (id int);
      CREATE FUNCTION held_commit_gate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock(${GATE}); RETURN NULL; END $$;
      CREATE CONSTRAINT TRIGGER held_commit_at_commit AFTER INSERT ON held_commit DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION held_commit_gate();`);
    const gate = new Client({ connectionString: bed.database.url });
    await gate.connect();
    await gate.query('SELECT pg_advisory_lock($1)', [GATE]);
    const quick = sample('TV', 1);
    const held = sample('TV', 2);
    await bed.publisher.publish(quick, held);
    const metrics = new MetricsRegistry('consumer-spec', false);
    const consumer = consumerFor({
      group: 'commit-timing',
      metrics,
      before: async (event, transaction) => {
        if (event.id === held.id) await transaction.query('INSERT INTO held_commit VALUES (1)');
      },
    });
    // prom-client names each histogram series (_bucket, _sum, _count) at run time; its types leave the name out.
    const timed = async () => {
      const { values } = await metrics.registry.getSingleMetric('holdfast_event_transaction_commit_seconds')!.get();
      const of = (name: string) => values.find((value) => (value as { metricName?: string }).metricName === name)?.value ?? 0;
      return { commits: of('holdfast_event_transaction_commit_seconds_count'), seconds: of('holdfast_event_transaction_commit_seconds_sum') };
    };
    const applied = async (): Promise<number> =>
      (await bed.dataSource.query("SELECT count(*)::int AS applied FROM effect WHERE consumer_group = 'commit-timing'"))[0].applied;
    await consumer.start();
    try {
      // Held at COMMIT: its handler is done, and its commit is not timed until PostgreSQL answers it.
      await expectEventually(async () => {
        const { rows } = await gate.query<{ waiting: number }>("SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND NOT granted", [GATE]);
        expect(rows[0].waiting).toBe(1);
      });
      const blockedAt = performance.now();
      // Every group reads the shared topic from its start: the other events' commits are timed too, one per event applied.
      const before = await expectEventually(async () => {
        const now = await timed();
        expect(now.commits).toBe(await applied());
        return now;
      });
      expect(await effectCount(bed.dataSource, [quick.id, held.id])).toBe(1);
      const releasedAt = performance.now();
      await gate.query('SELECT pg_advisory_unlock($1)', [GATE]);

      await expectEventually(async () => expect(await effectCount(bed.dataSource, [quick.id, held.id])).toBe(2));
      const after = await expectEventually(async () => {
        const now = await timed();
        expect(now.commits).toBe(await applied());
        return now;
      });
      expect(after.commits).toBeGreaterThan(before.commits);
      // The held commit alone took at least as long as the test saw it blocked.
      expect(after.seconds - before.seconds).toBeGreaterThanOrEqual((releasedAt - blockedAt) / 1000);
    } finally {
      // The gate first: a consumer stopping waits for the transaction in hand, which may still wait on it.
      await gate.end();
      await consumer.stop();
      await bed.dataSource.query('DROP TABLE held_commit; DROP FUNCTION held_commit_gate()');
    }
  });

  it('sends a malformed message to <topic>.dlq with its reason, and the partition keeps flowing', async () => {
    const good = sample('BR', 7);
    const malformed = encodeEvent(sample('BR', 8));
    const notJsonId = encodeEvent(sample('BR', 9)).headers.ce_id;
    const madeUpTypeId = encodeEvent(sample('BR', 10)).headers.ce_id;
    const madeUpType = `traffic.sample.${madeUpTypeId}`;
    malformed.value = Buffer.from(JSON.stringify({ region: 'Brazil', metric: 'requests', at: 'yesterday', value: -1, source: 'x' }));
    const letters = await recordDeadLetters();
    await produceRaw(
      { key: 'BR', value: malformed.value, headers: malformed.headers },
      { key: 'BR', value: Buffer.from('not json at all'), headers: { ...malformed.headers, ce_id: notJsonId } },
      // Whatever a producer writes in ce_type must not become a metric label: the series would grow without bound.
      { key: 'BR', value: malformed.value, headers: { ...malformed.headers, ce_id: madeUpTypeId, ce_type: madeUpType } },
    );
    await bed.publisher.publish(good);
    const metrics = new MetricsRegistry('consumer-spec', false);
    const consumer = consumerFor({ metrics });
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
      await expectEventually(() => expect(letters.of(consumer).map((letter) => letter.headers.ce_id)).toContain(madeUpTypeId));
      expect(await consumed(metrics, { type: 'other', outcome: 'dead-lettered' })).toBeGreaterThanOrEqual(1);
      expect(await metrics.registry.metrics()).not.toContain(madeUpTypeId);
    } finally {
      await consumer.stop();
      await letters.stop();
    }
  });

  /** Writes `value` under an event's headers with a good event behind it; resolves the bad message's one dead letter once the good event is applied. */
  const deadLetterOfRaw = async (region: string, value: Buffer, maxMessageBytes?: number) => {
    const bad = encodeEvent(sample(region, 1));
    const good = sample(region, 2);
    const letters = await recordDeadLetters();
    await produceRaw({ key: region, value, headers: bad.headers });
    await bed.publisher.publish(good);
    const consumer = effectConsumer(bed, { group: `effects-${++groups}`, maxMessageBytes, commitIntervalMs: 100 });
    await consumer.start();
    try {
      await expectEventually(async () => expect(await effectCount(bed.dataSource, [good.id])).toBe(1), { message: 'the event behind the bad message is applied' });
      const [letter] = await expectEventually(() => {
        const mine = letters.of(consumer).filter((candidate) => candidate.headers.ce_id === bad.headers.ce_id);
        expect(mine).toHaveLength(1);
        return mine;
      });
      return letter;
    } finally {
      await consumer.stop();
      await letters.stop();
    }
  };

  it('dead-letters a message over the size limit unread, naming both sizes, and the partition keeps flowing', async () => {
    const letter = await deadLetterOfRaw('TZ', Buffer.from(JSON.stringify({ padding: 'x'.repeat(4_000) })), 2_048);
    expect(letter.headers[DeadLetterHeaders.reason]).toMatch(/contract violation: the message is 4\d{3} bytes, over the 2048-byte limit \(KAFKA_MAX_MESSAGE_BYTES\)/);
    // Over the limit, its dead letter would be too: it goes without the body, which stays at its origin offset.
    expect(letter.headers[DeadLetterHeaders.bodyOmitted]).toBe('4014');
  });

  it('dead-letters a message the broker took but whose dead letter it would refuse, without its body, and the partition keeps flowing', async () => {
    // Just under the broker's 1 MiB limit as it was written; the dead-letter headers would take it over.
    const body = Buffer.alloc(1_048_000, 'x');
    const letter = await deadLetterOfRaw('TN', body);
    // The recorder reads a missing body as empty text.
    expect(letter.value).toBe('');
    expect(letter.headers[DeadLetterHeaders.bodyOmitted]).toBe(String(body.length));
    expect(letter.headers[DeadLetterHeaders.reason]).toMatch(/^contract violation: message body is not JSON/);
  });

  it('keeps consuming after the broker refused a dead letter with an error kafkajs does not retry, and sends the letter again', async () => {
    const bad = encodeEvent(sample('UY', 1));
    const good = sample('UY', 2);
    await produceRaw({ key: 'UY', value: Buffer.from('not json'), headers: bad.headers });
    await bed.publisher.publish(good);
    // The refusal the old publisher met when concurrent sends took a wound-back sequence number; kafkajs counts it non-retriable.
    const refusal = new KafkaJSProtocolError(Object.assign(new Error('The broker received an out of order sequence number'), { type: 'OUT_OF_ORDER_SEQUENCE_NUMBER', code: 45, retriable: false }));
    let refused = 0;
    const publisher = { send: (messages: readonly OutboundMessage[]) => (refused++ === 0 ? Promise.reject(refusal) : bed.publisher.send(messages)) };
    const consumer = effectConsumer(bed, { group: `effects-${++groups}`, publisher, commitIntervalMs: 100 });
    await consumer.start();
    try {
      await expectEventually(async () => expect(await effectCount(bed.dataSource, [good.id])).toBe(1), { message: 'the event behind the refused dead letter is applied' });
      const [{ letters }] = await bed.dataSource.query('SELECT count(*)::int AS letters FROM dead_letter WHERE consumer_group = $1 AND event_id = $2', [consumer.groupId, bad.headers.ce_id]);
      expect(letters).toBe(1);
      expect(refused).toBeGreaterThan(1);
    } finally {
      await consumer.stop();
    }
  });

  it('sends a redelivered bad message to the dead-letter topic once', async () => {
    const bad = encodeEvent(sample('CL', 1));
    const good = sample('CL', 2);
    const letters = await recordDeadLetters();
    await produceRaw({ key: 'CL', value: Buffer.from('{"region":"Chile"}'), headers: bad.headers }, encodeEvent(good));
    const group = `redelivery-${++groups}`;
    const mine = () => letters.of({ groupId: `${bed.settings.topicPrefix}${group}` }).filter((letter) => letter.headers.ce_id === bad.headers.ce_id);
    // The first member handles both messages but never gets its offsets committed, as when it crashes.
    const first = effectConsumer(bed, { group, commitIntervalMs: 50, kafka: refusingCommits(bed.kafka, () => true) });
    await first.start();
    await expectEventually(async () => expect(await effectCount(bed.dataSource, [good.id])).toBe(1));
    await expectEventually(() => expect(mine()).toHaveLength(1));
    await first.stop();

    const metrics = new MetricsRegistry('consumer-spec', false);
    const second = effectConsumer(bed, { group, metrics, commitIntervalMs: 50 });
    await second.start();
    try {
      // Everything comes again; the sentinel's dead letter, behind the bad one on its partition, says the bad one was handled.
      const sentinel = await deadLetterSentinel('CL');
      await expectEventually(() => expect(letters.of(second).map((letter) => letter.headers.ce_id)).toContain(sentinel));
      expect(mine()).toHaveLength(1);
      expect(await consumed(metrics, { type: 'traffic.sample', outcome: 'duplicate' })).toBeGreaterThanOrEqual(2);
    } finally {
      await second.stop();
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

  it('retries an event whose transaction was chosen as a deadlock victim, and applies it once without a dead letter', async () => {
    await bed.dataSource.query('CREATE TABLE IF NOT EXISTS contended (id int PRIMARY KEY, touched int NOT NULL DEFAULT 0)');
    await bed.dataSource.query('INSERT INTO contended (id) VALUES (1), (2) ON CONFLICT DO NOTHING');
    const event = sample('NP', 13);
    const letters = await recordDeadLetters();
    let calls = 0;
    let handlerHoldsRow2!: () => void;
    const row2Held = new Promise<void>((resolve) => (handlerHoldsRow2 = resolve));
    // A rival transaction holds row 1 and will want row 2, which the handler takes before it wants row 1: a real deadlock.
    const rival = bed.dataSource.createQueryRunner();
    await rival.connect();
    await rival.startTransaction();
    // The rival waits long before checking for deadlocks, so PostgreSQL picks the handler's transaction as the victim.
    await rival.query("SET LOCAL deadlock_timeout = '30s'");
    await rival.query('UPDATE contended SET touched = touched + 1 WHERE id = 1');
    // One attempt before a dead letter: without the deadlock counted as transient, the first failure would be final.
    const consumer = consumerFor({
      attempts: 1,
      before: async (received, transaction) => {
        if (received.id !== event.id || ++calls > 1) return;
        await transaction.query("SET LOCAL deadlock_timeout = '100ms'");
        await transaction.query('UPDATE contended SET touched = touched + 1 WHERE id = 2');
        handlerHoldsRow2();
        await transaction.query('UPDATE contended SET touched = touched + 1 WHERE id = 1');
      },
    });
    await bed.publisher.publish(event);
    await consumer.start();
    try {
      await row2Held;
      await rival.query('UPDATE contended SET touched = touched + 1 WHERE id = 2');
      await rival.commitTransaction();
      await expectEventually(async () => expect(await effectCount(bed.dataSource, [event.id])).toBe(1));
      expect(calls).toBe(2);
      const sentinel = await deadLetterSentinel('NP');
      await expectEventually(() => expect(letters.of(consumer).map((letter) => letter.headers.ce_id)).toContain(sentinel));
      expect(letters.of(consumer).map((letter) => letter.headers.ce_id).filter((id) => id === event.id)).toEqual([]);
    } finally {
      await rival.release();
      await consumer.stop();
      await letters.stop();
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
