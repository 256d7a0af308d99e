import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// patches/kafkajs+2.2.4.patch (applied by the postinstall patch-package): upstream re-arms its
// pending-request check on every connection whether or not anything waits, with a negative delay
// that Node runs as 1 ms and Node 24 warns about (kafkajs issues 1556 and 1751): a 1 ms timer loop
// for the life of every connection. And its record decoder allocated far more than a record holds:
// a new copy of the header object per header, a { key, value } object and a new name string per
// header, and Long arithmetic (the batch's first offset and timestamp parsed again) per record. Its
// record encoder gave every header an encoder, and a zero-filled 512-byte buffer, of its own.
const kafkajs = createRequire(createRequire(__filename).resolve('kafkajs'));
const requestQueuePath = kafkajs.resolve('./src/network/requestQueue/index.js');
const recordDecoderPath = kafkajs.resolve('./src/protocol/recordBatch/record/v0/decoder.js');
const recordEncoderPath = kafkajs.resolve('./src/protocol/recordBatch/record/v0/index.js');

interface RequestQueue {
  throttledUntil: number;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/**
 * A request queue whose throttle lies in the past (the delay upstream computes is about -1000 ms),
 * counting the checks it runs instead of running them (the real one schedules the next), and every
 * delay it hands setTimeout. Under fake timers: nothing waits on the clock.
 */
let unwrapSetTimeout: (() => void) | undefined;

function queueWithPastThrottle(pending: number): { checks: () => number; delays: number[] } {
  const RequestQueueClass = kafkajs(requestQueuePath) as new (options: object) => RequestQueue;
  const queue = new RequestQueueClass({
    maxInFlightRequests: 1,
    requestTimeout: 1000,
    enforceRequestTimeout: true,
    clientId: 'kafkajs-patch-spec',
    broker: '127.0.0.1:0',
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  queue.throttledUntil = Date.now() - 1000;
  queue.pending = Array.from({ length: pending }, () => ({}));
  let checks = 0;
  queue.checkPendingRequests = () => void checks++;
  const delays: number[] = [];
  // Wrapped by hand, not with vi.spyOn: a spy remembers the fake setTimeout as the original and
  // puts it back whenever mocks are restored, even after useRealTimers (a later file's timers were fake).
  const setTimer = globalThis.setTimeout;
  globalThis.setTimeout = ((callback: () => void, ms?: number) => {
    delays.push(ms ?? 0);
    return setTimer(callback, ms);
  }) as typeof setTimeout;
  unwrapSetTimeout = () => {
    globalThis.setTimeout = setTimer;
  };
  queue.scheduleCheckPendingRequests();
  return { checks: () => checks, delays };
}

type RecordEncoder = (record: { key: Buffer; value: Buffer; headers: Record<string, string | string[]>; offsetDelta?: number; timestampDelta?: unknown }) => { buffer: Buffer };
interface KafkaDecoder {
  offset: number;
  readInt8(): number;
  readVarInt(): number;
  readVarLong(): { toString(): string };
  readVarIntString(): string | null;
  readVarIntBytes(): Buffer | null;
  readVarIntArray<T>(reader: (decoder: KafkaDecoder) => T): T[];
}
interface DecodedRecord {
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, unknown>;
}
interface BatchContext {
  firstOffset: string;
  firstTimestamp: string;
}

/**
 * What the record format says a record holds, read with kafkajs's own primitives and BigInt
 * arithmetic: the reference the patched decoder's results are held to.
 */
function referenceRecord(decoder: KafkaDecoder, { firstOffset, firstTimestamp }: BatchContext): DecodedRecord {
  decoder.readInt8();
  const timestampDelta = BigInt(decoder.readVarLong().toString());
  const offsetDelta = BigInt(decoder.readVarInt());
  const key = decoder.readVarIntBytes();
  const value = decoder.readVarIntBytes();
  const headers: Record<string, unknown> = {};
  for (const [name, header] of decoder.readVarIntArray((d) => [String(d.readVarIntString()), d.readVarIntBytes()] as const)) {
    const previous = Object.hasOwn(headers, name) ? headers[name] : undefined;
    const next = previous === undefined ? header : Array.isArray(previous) ? [...previous, header] : [previous, header];
    Object.defineProperty(headers, name, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return { timestamp: (BigInt(firstTimestamp) + timestampDelta).toString(), offset: (BigInt(firstOffset) + offsetDelta).toString(), key, value, headers };
}

describe('kafkajs record header decoding patch', () => {
  const encodeRecord = kafkajs('./src/protocol/recordBatch/record/v0/index.js') as RecordEncoder;
  const Decoder = kafkajs('./src/protocol/decoder.js') as new (buffer: Buffer) => KafkaDecoder;
  const Long = kafkajs('./src/utils/long.js') as { fromValue(value: string | number): unknown };
  const decodeRecord = kafkajs(recordDecoderPath) as (decoder: KafkaDecoder, batch: BatchContext) => DecodedRecord;
  // The batch decoder hands each record's bytes, without their length, to the record decoder.
  const recordBytes = (record: Parameters<RecordEncoder>[0]): Buffer => new Decoder(encodeRecord(record).buffer).readVarIntBytes()!;
  const decoded = (headers: Record<string, string | string[]>) =>
    decodeRecord(new Decoder(recordBytes({ key: Buffer.from('IR'), value: Buffer.from('{}'), headers })), { firstOffset: '0', firstTimestamp: '0' }).headers;

  it('is applied to the installed kafkajs', () => {
    expect(readFileSync(recordDecoderPath, 'utf8')).toContain('Holdfast patch: a record is decoded with as few objects as its result holds');
  });

  it('gives the offsets and timestamps the record format defines, past 2^53 and for deltas of every size', () => {
    const cases: { batch: BatchContext; offsetDelta: number; timestampDelta: string }[] = [
      { batch: { firstOffset: '0', firstTimestamp: '1764633600000' }, offsetDelta: 0, timestampDelta: '0' },
      { batch: { firstOffset: '41', firstTimestamp: '1764633600000' }, offsetDelta: 2_699, timestampDelta: '299999' },
      { batch: { firstOffset: '7', firstTimestamp: '1764633600000' }, offsetDelta: 1, timestampDelta: '-5' },
      // 2^48 fits the short varlong's seven bytes; 2^50 and -2^52 take eight and nine, the Long path.
      { batch: { firstOffset: '7', firstTimestamp: '1000' }, offsetDelta: 3, timestampDelta: String(2 ** 48) },
      { batch: { firstOffset: '7', firstTimestamp: '1000' }, offsetDelta: 3, timestampDelta: String(2 ** 50) },
      { batch: { firstOffset: '7', firstTimestamp: '1000' }, offsetDelta: 3, timestampDelta: String(-(2 ** 52)) },
      // Sums past Number's exact range: the decimal strings must still be exact.
      { batch: { firstOffset: '9007199254740990', firstTimestamp: '9007199254740000' }, offsetDelta: 5, timestampDelta: '9999' },
      { batch: { firstOffset: '9223372036854775000', firstTimestamp: '-1' }, offsetDelta: 800, timestampDelta: '0' },
    ];
    for (const { batch, offsetDelta, timestampDelta } of cases) {
      const bytes = recordBytes({ key: null as unknown as Buffer, value: Buffer.from('{"v":1}'), headers: { ce_id: 'a' }, offsetDelta, timestampDelta: Long.fromValue(timestampDelta) });
      const patched = decodeRecord(new Decoder(bytes), batch);
      expect({ offset: patched.offset, timestamp: patched.timestamp }, JSON.stringify({ batch, offsetDelta, timestampDelta })).toStrictEqual(
        (({ offset, timestamp }) => ({ offset, timestamp }))(referenceRecord(new Decoder(bytes), batch)),
      );
      expect(patched.key).toBeNull();
      expect(patched.value).toStrictEqual(Buffer.from('{"v":1}'));
    }
  });

  it('decodes header names again wherever their bytes differ from the names before them', () => {
    const sequence: Record<string, string | string[]>[] = [
      { ce_type: 'surge.started', ce_source: 'impact-analyzer' },
      { ce_type: 'surge.updated', ce_source: 'impact-analyzer' },
      // Same lengths, other bytes, at the same positions.
      { ce_tipe: 'x', ce_sourcf: 'y' },
      { ce_source: 'impact-analyzer', ce_type: 'surge.cleared', 'ünïcödé-name': 'z' },
      { ['n'.repeat(300)]: 'long', ['m'.repeat(300)]: 'longer' },
      { ['n'.repeat(300)]: 'long again' },
      {},
      { trace: ['a', 'b'], ce_type: 'surge.started' },
    ];
    for (const headers of sequence) {
      const bytes = recordBytes({ key: Buffer.from('IR'), value: Buffer.from('{}'), headers });
      const patched = decodeRecord(new Decoder(bytes), { firstOffset: '0', firstTimestamp: '0' }).headers;
      expect(Object.keys(patched)).toStrictEqual(Object.keys(headers));
      expect(patched).toStrictEqual(referenceRecord(new Decoder(bytes), { firstOffset: '0', firstTimestamp: '0' }).headers);
    }
  });

  it('gives each header once, a repeated one as a list in order, as upstream did', () => {
    const headers = decoded({ ce_type: 'surge.started', ce_source: 'impact-analyzer', trace: ['a', 'b', 'c'] });
    expect(Object.keys(headers)).toStrictEqual(['ce_type', 'ce_source', 'trace']);
    expect(headers.ce_type).toStrictEqual(Buffer.from('surge.started'));
    expect(headers.trace).toStrictEqual([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')]);
  });

  it('keeps headers named like Object.prototype members as plain headers', () => {
    const named = Object.defineProperty({ toString: 'x', constructor: ['1', '2'] } as Record<string, string | string[]>, '__proto__', { value: 'p', enumerable: true });
    const headers = decoded(named);
    expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
    expect(Object.keys(headers)).toStrictEqual(['toString', 'constructor', '__proto__']);
    expect(headers.toString).toStrictEqual(Buffer.from('x'));
    expect(headers.constructor).toStrictEqual([Buffer.from('1'), Buffer.from('2')]);
    expect(Object.getOwnPropertyDescriptor(headers, '__proto__')?.value).toStrictEqual(Buffer.from('p'));
  });
});

interface KafkaEncoder {
  buffer: Buffer;
  size(): number;
  writeInt8(value: number): KafkaEncoder;
  writeVarInt(value: number): KafkaEncoder;
  writeVarLong(value: unknown): KafkaEncoder;
  writeVarIntBytes(value: Buffer | string | null): KafkaEncoder;
  writeVarIntArray(array: KafkaEncoder[]): KafkaEncoder;
  writeEncoder(value: KafkaEncoder): KafkaEncoder;
}

describe('kafkajs record encoding patch', () => {
  const encodeRecord = kafkajs(recordEncoderPath) as (record: { key: Buffer | string | null; value: Buffer | string | null; headers: Record<string, string | Buffer | (string | Buffer)[]>; offsetDelta: number; timestampDelta: unknown }) => { buffer: Buffer };
  const Encoder = kafkajs('./src/protocol/encoder.js') as new () => KafkaEncoder;
  // Upstream's header encoder, still in the package, unpatched: one encoder per header.
  const encodeHeader = kafkajs('./src/protocol/recordBatch/header/v0/index.js') as (header: { key: string; value: string | Buffer }) => KafkaEncoder;
  const Long = kafkajs('./src/utils/long.js') as { fromValue(value: string | number): unknown };

  /** The record as upstream laid it out: its body, headers each from an encoder of their own, after the body's length. */
  function upstreamBytes({ key, value, headers, offsetDelta, timestampDelta }: Parameters<typeof encodeRecord>[0]): Buffer {
    const headerList = Object.keys(headers).flatMap((name) => [headers[name]].flat().map((one) => ({ key: name, value: one })));
    const body = new Encoder().writeInt8(0).writeVarLong(timestampDelta).writeVarInt(offsetDelta).writeVarIntBytes(key).writeVarIntBytes(value).writeVarIntArray(headerList.map(encodeHeader));
    return new Encoder().writeVarInt(body.size()).writeEncoder(body).buffer;
  }

  it('is applied to the installed kafkajs', () => {
    expect(readFileSync(recordEncoderPath, 'utf8')).toContain("Holdfast patch: the headers are written into the record's own encoder");
  });

  it('lays out every record byte for byte as upstream did: keys, bodies and headers of any kind and size, repeated headers, long deltas', () => {
    const bytesOrText = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.uint8Array({ maxLength: 700 }).map((bytes) => Buffer.from(bytes)));
    const records = fc.record({
      key: fc.oneof(fc.constant(null), bytesOrText),
      value: fc.oneof(fc.constant(null), bytesOrText, fc.string({ minLength: 600, maxLength: 3_000 })),
      headers: fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.oneof(bytesOrText, fc.array(bytesOrText, { maxLength: 4 })), { maxKeys: 20 }),
      offsetDelta: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      timestampDelta: fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }).map(String)).map((delta) => Long.fromValue(delta)),
    });
    fc.assert(
      fc.property(records, (record) => {
        expect(encodeRecord(record).buffer).toStrictEqual(upstreamBytes(record));
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('kafkajs pending-request check patch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    unwrapSetTimeout?.();
    unwrapSetTimeout = undefined;
    vi.useRealTimers();
  });

  it('is applied to the installed kafkajs', () => {
    expect(readFileSync(requestQueuePath, 'utf8')).toContain('Holdfast patch (kafkajs#1556');
  });

  // Node 24 prints TimeoutNegativeWarning for a negative delay; none is handed over in either case.
  it('arms no check while nothing is pending and no throttle runs', () => {
    const { checks, delays } = queueWithPastThrottle(0);
    expect(delays).toStrictEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(checks()).toBe(0);
  });

  it('checks a pending request once, after the pending-request interval, without a negative delay', () => {
    const { checks, delays } = queueWithPastThrottle(1);
    expect(delays).toStrictEqual([10]);
    vi.advanceTimersByTime(9);
    expect(checks()).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(checks()).toBe(1);
  });
});
