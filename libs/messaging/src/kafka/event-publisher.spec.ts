import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { EventPublisher, recordBytes, requestsWithin, type OutboundMessage } from './event-publisher';

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

describe('EventPublisher replacing its producer after a failed send', () => {
  /** kafkajs producers whose sends are answered by hand, and which refuse a send once disconnected as kafkajs does. */
  function fakeKafka() {
    const producers: { sends: { answer: (error?: Error) => void }[]; disconnected: boolean }[] = [];
    const kafka = {
      producer: () => {
        const state = { sends: [] as { answer: (error?: Error) => void }[], disconnected: false };
        producers.push(state);
        return {
          connect: async () => undefined,
          disconnect: async () => void (state.disconnected = true),
          sendBatch: () => {
            if (state.disconnected) return Promise.reject(new Error('The producer is disconnected'));
            return new Promise<void>((resolve, reject) => state.sends.push({ answer: (error) => (error ? reject(error) : resolve()) }));
          },
        };
      },
    };
    return { kafka: kafka as unknown as Kafka, producers };
  }
  const message = (value: string): OutboundMessage => ({ topic: 'traffic.samples.v1', key: 'IR', value: Buffer.from(value), headers: {}, eventType: 'traffic.sample' });

  it('keeps the failed producer for a send that took it before the failure was known, instead of disconnecting it under that send', async () => {
    const { kafka, producers } = fakeKafka();
    const publisher = new EventPublisher(kafka, { topicPrefix: '' });
    await publisher.connect();
    const first = publisher.send([message('a')]);
    await new Promise((resolve) => setImmediate(resolve));
    // The first send fails as kafkajs gives up; a second send starts in the same turn, on the producer still in use.
    producers[0].sends[0].answer(new Error('KafkaJSNumberOfRetriesExceeded'));
    const second = publisher.send([message('b')]);
    await expect(first).rejects.toThrow('KafkaJSNumberOfRetriesExceeded');
    await new Promise((resolve) => setImmediate(resolve));

    expect(producers[0].sends).toHaveLength(2);
    producers[0].sends[1].answer();
    await expect(second).resolves.toBeUndefined();
    // Replaced once its last send settled; the next send goes through the new producer.
    await new Promise((resolve) => setImmediate(resolve));
    expect(producers[0].disconnected).toBe(true);
    const third = publisher.send([message('c')]);
    await new Promise((resolve) => setImmediate(resolve));
    producers[1].sends[0].answer();
    await expect(third).resolves.toBeUndefined();
  });
});
