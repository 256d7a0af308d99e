import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordBytes, requestsWithin } from './event-publisher';

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
