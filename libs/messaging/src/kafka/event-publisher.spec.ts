import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { EventPublisher, MAX_REQUEST_BYTES, recordBytes, requestsWithin, type OutboundMessage } from './event-publisher';

// kafkajs's own record encoder: the bytes a record takes inside the batch the broker measures.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const encodeRecord: (record: { offsetDelta: number; timestampDelta: number; key: Buffer | null; value: Buffer | null; headers: Record<string, string> }) => { size(): number } = require('kafkajs/src/protocol/recordBatch/record/v0');

const outbound = fc.record({
  key: fc.option(fc.string({ maxLength: 40 }), { nil: null }),
  value: fc.option(fc.uint8Array({ maxLength: 3_000 }).map((bytes) => Buffer.from(bytes)), { nil: null }),
  headers: fc.dictionary(fc.string({ minLength: 1, maxLength: 30 }), fc.string({ maxLength: 200 }), { maxKeys: 12 }),
});

describe('the byte-bounded requests of EventPublisher.send', () => {
  it('counts a record at least as large as kafkajs encodes it, wherever it sits in a large batch', () => {
    fc.assert(
      fc.property(outbound, fc.nat(100_000), fc.nat(3_600_000), (message, offsetDelta, timestampDelta) => {
        const encoded = encodeRecord({ ...message, key: message.key === null ? null : Buffer.from(message.key), offsetDelta, timestampDelta }).size();
        expect(recordBytes(message)).toBeGreaterThanOrEqual(encoded);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps every message, in order, in runs within the limit (a message over it alone)', () => {
    fc.assert(
      fc.property(fc.array(outbound, { maxLength: 200 }), fc.integer({ min: 500, max: 20_000 }), (messages, maxBytes) => {
        const requests = requestsWithin(messages, maxBytes);
        expect(requests.flat()).toEqual(messages);
        for (const request of requests) {
          expect(request.length).toBeGreaterThan(0);
          if (request.length > 1) expect(request.reduce((bytes, message) => bytes + recordBytes(message), 0)).toBeLessThanOrEqual(maxBytes);
        }
      }),
    );
  });
});

describe('EventPublisher sending one request at a time', () => {
  interface FakeSend {
    values: string[];
    answer: (error?: Error) => void;
  }
  /** kafkajs producers whose sends are answered by hand, and which refuse a send once disconnected as kafkajs does. */
  function fakeKafka() {
    const producers: { sends: FakeSend[]; disconnected: boolean }[] = [];
    const kafka = {
      producer: () => {
        const state = { sends: [] as FakeSend[], disconnected: false };
        producers.push(state);
        return {
          connect: async () => undefined,
          disconnect: async () => void (state.disconnected = true),
          sendBatch: ({ topicMessages }: { topicMessages: { messages: { value: Buffer }[] }[] }) => {
            if (state.disconnected) return Promise.reject(new Error('The producer is disconnected'));
            const values = topicMessages.flatMap((topic) => topic.messages.map((message) => message.value.toString().slice(0, 1)));
            return new Promise<void>((resolve, reject) => state.sends.push({ values, answer: (error) => (error ? reject(error) : resolve()) }));
          },
        };
      },
    };
    return { kafka: kafka as unknown as Kafka, producers };
  }
  const message = (value: string): OutboundMessage => ({ topic: 'traffic.samples.v1', key: 'IR', value: Buffer.from(value), headers: {}, eventType: 'traffic.sample' });
  const settled = () => new Promise((resolve) => setImmediate(resolve));

  it('sends a send made while a request is under way only after it, through the new producer should that request fail', async () => {
    const { kafka, producers } = fakeKafka();
    const publisher = new EventPublisher(kafka, { topicPrefix: '' });
    await publisher.connect();
    const first = publisher.send([message('a')]);
    const second = publisher.send([message('b')]);
    await settled();
    // kafkajs would give the second request the sequence number it winds back should the first fail.
    expect(producers[0].sends.map((send) => send.values)).toEqual([['a']]);

    producers[0].sends[0].answer(new Error('KafkaJSNumberOfRetriesExceeded'));
    await expect(first).rejects.toThrow('KafkaJSNumberOfRetriesExceeded');
    await settled();
    expect(producers[0].disconnected).toBe(true);
    expect(producers[0].sends).toHaveLength(1);
    expect(producers[1].sends.map((send) => send.values)).toEqual([['b']]);
    producers[1].sends[0].answer();
    await expect(second).resolves.toBeUndefined();
  });

  it('sends the sends made meanwhile together as the next request, in call order', async () => {
    const { kafka, producers } = fakeKafka();
    const publisher = new EventPublisher(kafka, { topicPrefix: '' });
    await publisher.connect();
    const first = publisher.send([message('a')]);
    const second = publisher.send([message('b')]);
    const third = publisher.send([message('c'), message('d')]);
    await settled();
    producers[0].sends[0].answer();
    await expect(first).resolves.toBeUndefined();
    await settled();
    expect(producers[0].sends.map((send) => send.values)).toEqual([['a'], ['b', 'c', 'd']]);
    producers[0].sends[1].answer();
    await expect(Promise.all([second, third])).resolves.toEqual([undefined, undefined]);

    // Heard back, nothing is under way: the next send is a request of its own at once, the one after it waits.
    void publisher.send([message('e')]);
    void publisher.send([message('f')]);
    await settled();
    expect(producers[0].sends.map((send) => send.values)).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
  });

  it('resolves a waiting send once its messages are acknowledged, and fails those whose request, or one before it, failed', async () => {
    const { kafka, producers } = fakeKafka();
    const publisher = new EventPublisher(kafka, { topicPrefix: '' });
    await publisher.connect();
    const large = (value: string) => message(value.repeat(MAX_REQUEST_BYTES / 2));
    const first = publisher.send([message('a')]);
    const outcomes = [publisher.send([large('x')]), publisher.send([large('y')]), publisher.send([message('z')])].map((send) =>
      send.then(
        () => 'published',
        (error: Error) => error.message,
      ),
    );
    await settled();
    producers[0].sends[0].answer();
    await first;
    await settled();
    producers[0].sends[1].answer();
    await settled();
    expect(producers[0].sends.map((send) => send.values)).toEqual([['a'], ['x'], ['y', 'z']]);
    producers[0].sends[2].answer(new Error('KafkaJSNumberOfRetriesExceeded'));
    expect(await Promise.all(outcomes)).toEqual(['published', 'KafkaJSNumberOfRetriesExceeded', 'KafkaJSNumberOfRetriesExceeded']);
  });
});
