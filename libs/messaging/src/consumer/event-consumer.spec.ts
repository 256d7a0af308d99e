import { createEvent, encodeEvent, EventExamples, Topics, type HoldfastEvent } from '@holdfast/contracts';
import { Kafka, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, type EachBatchPayload, type EachMessagePayload, type KafkaMessage } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { DeadLetterHeaders } from '../dead-letter/dead-letter-headers';
import type { OutboundMessage } from '../kafka/event-publisher';
import { silentLogger } from '../kafka/messaging-logger';
import { EventConsumer, type EventConsumerOptions } from './event-consumer';

// Nothing connects before start(): a client for an unused port is enough to build a consumer.
const base = {
  kafka: new Kafka({ brokers: ['127.0.0.1:9'], clientId: 'explicit-handling-spec' }),
  dataSource: {} as DataSource,
  publisher: { send: async () => undefined },
  settings: { topicPrefix: 'spec.' },
  logger: silentLogger,
  topic: Topics.regionSurges,
  group: 'maintenance-planner.holds',
} satisfies Partial<EventConsumerOptions<typeof Topics.regionSurges>>;

const noop = async () => undefined;

describe('EventConsumer: every event type of its topic is handled or ignored on purpose', () => {
  it('refuses to be built with a type neither handled nor ignored, naming the group, topic and types', () => {
    expect(() => new EventConsumer({ ...base, handlers: { 'surge.started': noop } })).toThrow(
      'Consumer group maintenance-planner.holds on region.surges.v1 has no handler for surge.updated, surge.cleared: handle each, or list it in the consumer\'s ignore option.',
    );
    expect(() => new EventConsumer({ ...base, handlers: { 'surge.started': noop }, ignore: ['surge.updated'] })).toThrow(/has no handler for surge.cleared:/);
  });

  it('accepts each type handled or listed in ignore', () => {
    expect(new EventConsumer({ ...base, handlers: { 'surge.started': noop }, ignore: ['surge.updated', 'surge.cleared'] }).groupId).toBe('spec.maintenance-planner.holds');
    expect(new EventConsumer({ ...base, handlers: { 'surge.started': noop, 'surge.updated': noop, 'surge.cleared': noop } }).groupId).toBe('spec.maintenance-planner.holds');
  });

  it('refuses a type both handled and ignored, and handlers given together with a batch handler, or neither', () => {
    expect(() => new EventConsumer({ ...base, handlers: { 'surge.started': noop }, ignore: ['surge.started', 'surge.updated', 'surge.cleared'] })).toThrow(
      'Consumer group maintenance-planner.holds on region.surges.v1 both handles and ignores surge.started: pick one.',
    );
    expect(() => new EventConsumer({ ...base, handlers: { 'surge.started': noop }, batch: { handler: noop } })).toThrow('Consumer group maintenance-planner.holds on region.surges.v1: give handlers (one per event type) or batch, not both.');
    expect(() => new EventConsumer({ ...base })).toThrow('Consumer group maintenance-planner.holds on region.surges.v1: give handlers (one per event type) or batch.');
  });

  it('takes tombstones only on a compacted topic, and only one at a time with handlers', () => {
    expect(() => new EventConsumer({ ...base, handlers: { 'surge.started': noop, 'surge.updated': noop, 'surge.cleared': noop }, onTombstone: noop })).toThrow(
      'Consumer group maintenance-planner.holds on region.surges.v1: onTombstone is for a compacted topic, and region.surges.v1 is not one; its tombstones are dead-lettered.',
    );
    const baselines = { ...base, topic: Topics.regionBaselines, group: 'maintenance-planner.baselines' };
    expect(() => new EventConsumer({ ...baselines, batch: { handler: noop }, onTombstone: noop })).toThrow(
      'Consumer group maintenance-planner.baselines on region.baselines.v1: onTombstone applies tombstones one at a time, in their place among the events: give handlers, not batch.',
    );
    expect(new EventConsumer({ ...baselines, handlers: { 'region.baseline': noop }, onTombstone: noop }).groupId).toBe('spec.maintenance-planner.baselines');
  });

  it('takes no tombstones on a compacted topic whose contract gives them no meaning', () => {
    const keys = { ...base, topic: Topics.apiKeys, group: 'notifier.keys' };
    expect(() => new EventConsumer({ ...keys, handlers: { 'api-key.state': noop }, onTombstone: noop })).toThrow(
      'Consumer group notifier.keys on api.keys.v1: api.keys.v1 carries no tombstones by its contract (tombstone in its TopicSpecs entry, libs/contracts), so there are none to apply.',
    );
  });

  it('lets a batch handler take every type of the topic but the ignored ones', () => {
    expect(() => new EventConsumer({ ...base, batch: { handler: noop }, ignore: ['surge.cleared'] })).not.toThrow();
  });

  it('types a batch handler from the topic, so the analyzer can take samples as samples', () => {
    const applySamples = async (events: HoldfastEvent<'traffic.sample'>[], transaction: EntityManager) => {
      await transaction.query('SELECT $1::int', [events.length]);
    };
    const samples = new EventConsumer({ ...base, topic: Topics.trafficSamples, group: 'impact-analyzer.samples', batch: { handler: applySamples, maxEvents: 200 } });
    expect(samples.groupId).toBe('spec.impact-analyzer.samples');
    // @ts-expect-error a handler of surges does not take the samples topic
    void new EventConsumer({ ...base, topic: Topics.trafficSamples, batch: { handler: async (events: HoldfastEvent<'surge.started'>[]) => void events } });
  });
});

describe('EventConsumer: stopping', () => {
  it('stops a consumer that has no running group to pause (crashed and waiting to restart while its broker is away)', async () => {
    const calls: string[] = [];
    const crashed = {
      events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' },
      on: () => () => undefined,
      connect: async () => void calls.push('connect'),
      subscribe: async () => void calls.push('subscribe'),
      run: async () => void calls.push('run'),
      // What kafkajs throws when its runner crashed and has not joined the group again.
      pause: () => {
        throw new Error('Consumer group was not initialized, consumer#run must be called first');
      },
      commitOffsets: async () => void calls.push('commit'),
      stop: async () => void calls.push('stop'),
      disconnect: async () => void calls.push('disconnect'),
    };
    const consumer = new EventConsumer({ ...base, kafka: { consumer: () => crashed } as unknown as Kafka, handlers: { 'surge.started': noop }, ignore: ['surge.updated', 'surge.cleared'] });
    await consumer.start();
    await expect(consumer.stop()).resolves.toBeUndefined();
    expect(calls).toEqual(['connect', 'subscribe', 'run', 'stop', 'disconnect']);
  });
});

describe('EventConsumer: a crash kafkajs does not restart from', () => {
  /** A kafkajs consumer that runs and stops, and lets the spec emit its instrumentation events. */
  function instrumented() {
    const listeners = new Map<string, (event: { payload: unknown }) => void>();
    const fake = {
      events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' },
      on: (name: string, listener: (event: { payload: unknown }) => void) => {
        listeners.set(name, listener);
        return () => undefined;
      },
      connect: async () => undefined,
      subscribe: async () => undefined,
      run: async () => undefined,
      pause: () => undefined,
      commitOffsets: async () => undefined,
      stop: async () => undefined,
      disconnect: async () => undefined,
    };
    const consumer = new EventConsumer({ ...base, kafka: { consumer: () => fake } as unknown as Kafka, handlers: { 'surge.started': noop }, ignore: ['surge.updated', 'surge.cleared'] });
    const crash = (error: Error, restart: boolean) => listeners.get('consumer.crash')!({ payload: { error, groupId: consumer.groupId, restart } });
    return { consumer, crash };
  }

  it('names the topic, the group and the error thrown, unwrapped from kafkajs, once kafkajs will not restart it', async () => {
    const { consumer, crash } = instrumented();
    await consumer.start();
    const bug = new TypeError("Cannot read properties of undefined (reading 'offset')");
    // As kafkajs's retrier wraps what eachBatch threw: the message copied, the error itself as the cause.
    crash(Object.assign(new KafkaJSNonRetriableError(bug), { cause: bug }), false);
    expect(consumer.stoppedForGood()).toEqual({ topic: Topics.regionSurges, group: 'spec.maintenance-planner.holds', cause: bug });
    await consumer.stop();
  });

  it('reports nothing for a crash kafkajs restarts after, and forgets a crash once started again', async () => {
    const { consumer, crash } = instrumented();
    await consumer.start();
    crash(new KafkaJSNumberOfRetriesExceeded(new Error('Connection timeout'), { retryCount: 10, retryTime: 2_000 }), true);
    expect(consumer.stoppedForGood()).toBeUndefined();
    crash(new TypeError('not a function'), false);
    expect(consumer.stoppedForGood()?.cause.message).toBe('not a function');
    await consumer.stop();
    await consumer.start();
    expect(consumer.stoppedForGood()).toBeUndefined();
  });
});

describe('EventConsumer: a message whose key is all that is wrong', () => {
  /** A consumer over fakes that hands it the messages given, as kafkajs would, and resolves the reasons of the dead letters it sent. */
  async function deadLetterReasons(options: Partial<EventConsumerOptions<typeof Topics.trafficSamples>>, messages: { key: string; value: Buffer; headers?: Record<string, string> }[]) {
    let run: { eachBatch?: (payload: EachBatchPayload) => Promise<void>; eachMessage?: (payload: EachMessagePayload) => Promise<void> } = {};
    const fake = {
      events: {},
      on: () => () => undefined,
      connect: async () => undefined,
      subscribe: async () => undefined,
      run: async (config: typeof run) => void (run = config),
      pause: () => undefined,
      commitOffsets: async () => undefined,
      stop: async () => undefined,
      disconnect: async () => undefined,
    };
    // Every dead letter is new to the record: it answers each offset it was given.
    const transaction = { query: async (_sql: string, parameters: unknown[]) => (parameters[3] as string[]).map((offset) => ({ offset })) };
    const sent: OutboundMessage[] = [];
    const consumer = new EventConsumer({
      ...base,
      topic: Topics.trafficSamples,
      group: 'impact-analyzer.samples',
      kafka: { consumer: () => fake } as unknown as Kafka,
      dataSource: { transaction: (work: (manager: unknown) => unknown) => work(transaction) } as unknown as DataSource,
      publisher: { send: async (letters: OutboundMessage[]) => void sent.push(...letters) },
      ...options,
    });
    await consumer.start();
    const wire: KafkaMessage[] = messages.map(({ key, value, headers = {} }, index) => ({ key: Buffer.from(key), value, headers, offset: String(index), timestamp: '0', attributes: 0 }));
    const heartbeat = async () => undefined;
    if (run.eachBatch) {
      const batch = { topic: 'spec.traffic.samples.v1', partition: 0, highWatermark: String(wire.length), messages: wire };
      await run.eachBatch({ batch, heartbeat, isRunning: () => true, isStale: () => false, resolveOffset: () => undefined } as unknown as EachBatchPayload);
    } else {
      for (const message of wire) await run.eachMessage!({ topic: 'spec.traffic.samples.v1', partition: 0, message, heartbeat, pause: () => () => undefined });
    }
    await consumer.stop();
    return sent.map((letter) => letter.headers![DeadLetterHeaders.reason]);
  }

  const sample = (region: string) => Buffer.from(JSON.stringify({ ...EventExamples['traffic.sample'], region }));
  const keyFault = (key: string, region: string) => `contract violation: message key "${key}" is wrong: traffic.samples.v1 is keyed by region, so this traffic.sample event needs "${region}"`;

  it('says first what the handler would refuse its event for (refusalOf), and asks about no other violation', async () => {
    const asked: string[] = [];
    const refusalOf = (event: HoldfastEvent<'traffic.sample'>) => {
      asked.push(event.data.region);
      return event.data.region === 'ZZ' ? 'unknown region ZZ' : undefined;
    };
    const reasons = await deadLetterReasons({ batch: { handler: noop }, refusalOf }, [
      { key: 'PE', value: sample('ZZ') },
      { key: 'PE', value: sample('DE') },
      { key: 'PE', value: Buffer.from('{oops') },
    ]);
    expect(reasons).toEqual([`refused by the handler: unknown region ZZ; ${keyFault('PE', 'ZZ')}`, keyFault('PE', 'DE'), expect.stringMatching(/^contract violation: message body is not JSON/)]);
    expect(asked).toEqual(['ZZ', 'DE']);
  });

  it('does so for a consumer of one event at a time, and leaves the key fault alone for a consumer that does not ask', async () => {
    const { value, headers } = encodeEvent(createEvent('traffic.sample', { ...EventExamples['traffic.sample'], region: 'ZZ' }, { source: 'holdfast/test' }));
    const handlers = { 'traffic.sample': noop };
    expect(await deadLetterReasons({ handlers, refusalOf: () => 'unknown region ZZ' }, [{ key: 'PE', value, headers }])).toEqual([`refused by the handler: unknown region ZZ; ${keyFault('PE', 'ZZ')}`]);
    expect(await deadLetterReasons({ handlers }, [{ key: 'PE', value, headers }])).toEqual([keyFault('PE', 'ZZ')]);
  });
});
