import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HeaderReader, PRODUCER_HEADERS, headerTexts } from './header-reader';
import { KafkaHeadersSchema } from './kafka-codec';
import { OutsideHeadersSchema } from './outside-intake';
import { safeParseFast } from './schema-fast-path';

type Headers = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

const producerHeaders = (overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> => ({
  ce_specversion: '1.0',
  ce_id: '01890f4e-5c6b-7d2a-9f3e-2b1c0d4e5f60',
  ce_type: 'traffic.sample',
  ce_source: 'holdfast/edge-aa',
  ce_time: '2026-06-15T14:55:00.000Z',
  ce_dataschema: 'urn:holdfast:schema:traffic.sample:v1',
  ce_correlationid: '01890f4e-5c6b-7d2a-9f3e-2b1c0d4e5f60',
  'content-type': 'application/json',
  ...overrides,
});

/** As kafkajs hands headers over: each value a Buffer of its own. */
const asKafka = (texts: Record<string, string | undefined>): Headers =>
  Object.fromEntries(Object.entries(texts).map(([name, text]) => [name, text === undefined ? undefined : Buffer.from(text)]));

/** What the whole schema says of the same headers: the reader must agree on every read. */
function expectSameAsSchema(reader: HeaderReader<Record<string, unknown>>, schema: z.ZodObject, headers: Headers): boolean {
  const read = reader.read(headers);
  const whole = safeParseFast(schema, headerTexts(headers));
  expect(read.success).toBe(whole.success);
  if (!read.success || !whole.success) {
    expect(read.success ? [] : read.error.issues).toStrictEqual(whole.success ? [] : whole.error.issues);
    return false;
  }
  for (const field of Object.keys(schema.shape)) expect(read.data[field], field).toBe((whole.data as Record<string, unknown>)[field]);
  return true;
}

const instants = fc.constantFrom('2026-06-15T14:55:00.000Z', '2026-06-15T18:25:00+03:30', '2026-02-29T00:00:00Z', 'yesterday', '');
const ids = fc.oneof(fc.uuid({ version: 7 }), fc.uuid(), fc.constantFrom('edge-7781', '', 'x'.repeat(201)));
/** A header changed from what the producer usually sends: another valid value, an invalid one, or none. */
const changes = fc.oneof(
  fc.record({ name: fc.constantFrom(...PRODUCER_HEADERS), text: fc.constantFrom(undefined, '', '0.3', 'traffic.sampla', 'holdfast/edge-bb', 'application/avro', 'urn:holdfast:schema:traffic.sample:v2', 'application/json; charset=utf-8') }),
  fc.record({ name: fc.constant('ce_time'), text: fc.oneof(instants, fc.constant(undefined)) }),
  fc.record({ name: fc.constantFrom('ce_id', 'ce_correlationid', 'ce_causationid', 'ce_subject'), text: fc.oneof(ids, fc.constant(undefined)) }),
  fc.record({ name: fc.constant('traceparent'), text: fc.string() }),
);
/** A run of messages mostly from one producer: each message its usual headers with a few changed, as Buffers, lists or strings. */
const runs = fc.array(
  fc.tuple(fc.array(changes, { maxLength: 2 }), ids, fc.constantFrom('buffers', 'buffers', 'buffers', 'strings', 'lists')).map(([changed, id, form]) => {
    const texts = producerHeaders({ ce_id: id, ...Object.fromEntries(changed.map(({ name, text }) => [name, text])) });
    if (form === 'strings') return texts as Headers;
    const headers = asKafka(texts);
    return form === 'lists' ? Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, value === undefined ? value : [value as Buffer, Buffer.from('second')]])) : headers;
  }),
  { minLength: 1, maxLength: 40 },
);

describe('HeaderReader', () => {
  it.each([
    ['Holdfast’s own', KafkaHeadersSchema],
    ['outside producers’', OutsideHeadersSchema],
  ])('agrees with the whole %s header schema on every message of a run, repeated headers changed or not', (_name, schema) => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(runs, (messages) => {
        const reader = new HeaderReader(schema as z.ZodObject & z.ZodType<Record<string, unknown>>, [...PRODUCER_HEADERS]);
        for (const headers of messages) {
          if (expectSameAsSchema(reader, schema, headers)) accepted++;
          else refused++;
        }
      }),
      { numRuns: 400 },
    );
    expect(accepted).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(100);
  });

  it('decodes a run’s repeated headers once, and the others on every message', () => {
    const reader = new HeaderReader(OutsideHeadersSchema, [...PRODUCER_HEADERS]);
    const decoded = new Map<string, number>();
    const counted = (name: string, text: string): Buffer => {
      const bytes = Buffer.from(text);
      const toString = bytes.toString.bind(bytes);
      bytes.toString = ((...args: Parameters<Buffer['toString']>) => {
        decoded.set(name, (decoded.get(name) ?? 0) + 1);
        return toString(...args);
      }) as Buffer['toString'];
      return bytes;
    };
    for (let index = 0; index < 100; index++) {
      const headers = Object.fromEntries(Object.entries(producerHeaders()).map(([name, text]) => [name, counted(name, text!)]));
      const read = reader.read(headers);
      expect(read.success && read.data.ce_type).toBe('traffic.sample');
    }
    expect(Object.fromEntries(decoded)).toStrictEqual({
      ce_specversion: 1,
      ce_type: 1,
      ce_source: 1,
      ce_dataschema: 1,
      'content-type': 1,
      ce_id: 100,
      ce_time: 100,
      ce_correlationid: 100,
    });
  });

  it('reads a repeated header anew when its bytes change, even to others of the same length', () => {
    const reader = new HeaderReader(OutsideHeadersSchema, [...PRODUCER_HEADERS]);
    reader.read(asKafka(producerHeaders()));
    const read = reader.read(asKafka(producerHeaders({ ce_source: 'holdfast/edge-bb' })));
    expect(read.success && read.data.ce_source).toBe('holdfast/edge-bb');
  });

  it('keeps a copy of the bytes it accepted, not the message’s buffer (a slice of the whole fetch)', () => {
    const reader = new HeaderReader(OutsideHeadersSchema, [...PRODUCER_HEADERS]);
    const first = asKafka(producerHeaders());
    reader.read(first);
    // The fetch buffer is reused for the next response: the first message's bytes now read otherwise.
    (first.ce_source as Buffer).write('holdfast/edge-bb');
    const read = reader.read(asKafka(producerHeaders({ ce_source: 'holdfast/edge-bb' })));
    expect(read.success && read.data.ce_source).toBe('holdfast/edge-bb');
  });

  it('refuses a bad header among remembered ones with the schema’s own reason', () => {
    const reader = new HeaderReader(OutsideHeadersSchema, [...PRODUCER_HEADERS]);
    reader.read(asKafka(producerHeaders()));
    const headers = asKafka(producerHeaders({ ce_time: 'yesterday' }));
    const read = reader.read(headers);
    expect(read.success).toBe(false);
    expect(read.success ? null : read.error.issues).toStrictEqual(OutsideHeadersSchema.safeParse(headerTexts(headers)).error?.issues);
  });

  it('refuses a header schema with object-level checks, which fields read one by one would skip', () => {
    const checked = z.looseObject({ ce_id: z.string(), ce_causationid: z.string().optional() }).refine((headers) => headers.ce_causationid !== headers.ce_id);
    expect(() => new HeaderReader(checked as unknown as z.ZodObject & z.ZodType<Record<string, unknown>>, [])).toThrow(/no object-level checks/);
  });
});
