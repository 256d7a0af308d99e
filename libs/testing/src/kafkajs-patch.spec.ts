import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// patches/kafkajs+2.2.4.patch (applied by the postinstall patch-package): upstream re-arms its
// pending-request check on every connection whether or not anything waits, with a negative delay
// that Node runs as 1 ms and Node 24 warns about (kafkajs issues 1556 and 1751): a 1 ms timer loop
// for the life of every connection. And it decoded a record's headers into a new copy of the
// header object per header.
const kafkajs = createRequire(createRequire(__filename).resolve('kafkajs'));
const requestQueuePath = kafkajs.resolve('./src/network/requestQueue/index.js');
const recordDecoderPath = kafkajs.resolve('./src/protocol/recordBatch/record/v0/decoder.js');

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
  const setTimer = globalThis.setTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
    delays.push(ms ?? 0);
    return setTimer(callback, ms);
  }) as typeof setTimeout);
  queue.scheduleCheckPendingRequests();
  return { checks: () => checks, delays };
}

type RecordEncoder = (record: { key: Buffer; value: Buffer; headers: Record<string, string | string[]> }) => { buffer: Buffer };
type KafkaDecoder = { readVarIntBytes(): Buffer };

describe('kafkajs record header decoding patch', () => {
  const encodeRecord = kafkajs('./src/protocol/recordBatch/record/v0/index.js') as RecordEncoder;
  const Decoder = kafkajs('./src/protocol/decoder.js') as new (buffer: Buffer) => KafkaDecoder;
  const decodeRecord = kafkajs(recordDecoderPath) as (decoder: KafkaDecoder, batch: { firstOffset: string; firstTimestamp: string }) => { headers: Record<string, unknown> };
  const decoded = (headers: Record<string, string | string[]>) => {
    const { buffer } = encodeRecord({ key: Buffer.from('IR'), value: Buffer.from('{}'), headers });
    // The batch decoder hands each record's bytes, without their length, to the record decoder.
    return decodeRecord(new Decoder(new Decoder(buffer).readVarIntBytes()), { firstOffset: '0', firstTimestamp: '0' }).headers;
  };

  it('is applied to the installed kafkajs', () => {
    expect(readFileSync(recordDecoderPath, 'utf8')).toContain('Holdfast patch: one object filled in place');
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

describe('kafkajs pending-request check patch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
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
