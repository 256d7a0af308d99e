import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EnvelopeSchema, EventIdSchema } from './envelope';
import { EventSchemas } from './event-catalog';
import { EventExamples } from './event-examples';
import type { EventType } from './event-types';
import { InstantSchema, MAX_SAMPLE_VALUE, RegionCodeSchema } from './events/common.schema';
import { TrafficSampleSchema } from './events/traffic-sample.v1';
import { KafkaHeadersSchema } from './kafka-codec';
import { inContractForm, OutsideHeadersSchema, OutsideTimeSchema, OutsideTrafficSampleSchema, StructuredEnvelopeSchema, utcInstantOf } from './outside-intake';
import { fastPathOf, safeParseFast, UNSURE } from './schema-fast-path';

/** How often each side was exercised, so a property cannot pass by never vouching or never meeting a refusal. */
const tally = { vouched: 0, refused: 0 };

/** The property every fast path must have: whatever it vouches for, zod accepts, giving the same output (key order included). */
function expectFaithful(schema: z.ZodType, input: unknown): boolean {
  const fast = fastPathOf(schema);
  const parsed = schema.safeParse(input);
  if (!parsed.success) tally.refused++;
  const vouched = fast ? fast(input) : UNSURE;
  if (vouched === UNSURE) return false;
  tally.vouched++;
  expect(parsed.success, `the fast path vouched for ${JSON.stringify(input)}, which zod refuses: ${parsed.error?.message}`).toBe(true);
  expect(vouched).toStrictEqual(parsed.data);
  expect(JSON.stringify(vouched)).toBe(JSON.stringify(parsed.data));
  return true;
}

// Text that the schemas' lengths count differently: code points against UTF-16 units, lone surrogates.
const awkwardText = fc.oneof(
  fc.string({ maxLength: 210 }),
  fc.string({ unit: 'binary', maxLength: 210 }),
  fc.constantFrom('', 'a', '😀', '😀'.repeat(60), '😀'.repeat(101), '\uD800', 'x'.repeat(100), 'x'.repeat(101), 'x'.repeat(200), 'x'.repeat(201)),
);
const instants = fc.oneof(
  fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom('2026-06-15T14:55:00Z', '2026-06-15T18:25:00+03:30', '2026-02-29T00:00:00Z', '2024-02-29T00:00:00.5Z', '2026-06-15 14:55', '2026-13-01T00:00:00Z', '2026-06-15T24:00:00Z', '+2026-06-15T14:55:00Z', '0000-01-01T00:30:00+01:00', '0000-01-01T01:00:00+01:00', '9999-12-31T23:30:00-01:00'),
  // RFC 3339 allows a lower-case t and z, which outside producers may send.
  fc.constantFrom('2026-06-15t14:55:00z', '2026-06-15T14:55:00z', '2026-06-15t18:25:00+03:30', '2024-02-29t00:00:00.5Z', '0000-01-01t00:30:00+01:00', '9999-12-31t23:30:00-01:00', '2026-06-15t14:55'),
);
const regions = fc.oneof(fc.constantFrom('IR', 'DE', 'eu-west', 'ir', 'Iran', 'eu--west', 'e', 'a'.repeat(32), 'a'.repeat(33), 'IR\n'), awkwardText);
const metrics = fc.oneof(fc.constantFrom('requests', 'http_requests_per_second', 'a/b', '9lives', 'x'.repeat(128), 'x'.repeat(129)), awkwardText);
const values = fc.oneof(fc.double(), fc.constantFrom(0, -0, -1, 1e308, Number.NaN, Number.POSITIVE_INFINITY), fc.jsonValue());
const validSamples = fc.record({
  region: fc.constantFrom('IR', 'DE', 'eu-west', 'us-east-1'),
  metric: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:.-]{0,127}$/),
  at: instants.filter((at) => InstantSchema.safeParse(at).success),
  value: fc.double({ min: 0, max: MAX_SAMPLE_VALUE, noNaN: true, noDefaultInfinity: true }),
  source: fc.oneof(fc.string({ minLength: 1, maxLength: 100 }), awkwardText),
});
/** A traffic sample that may be valid, wrong in one field or in any, short of one, or carrying more. */
const trafficSamples = fc.oneof(
  validSamples,
  fc.tuple(validSamples, fc.constantFrom('region', 'metric', 'at', 'value', 'source'), fc.oneof(regions, metrics, instants, values)).map(([sample, key, value]) => ({ ...sample, [key]: value })),
  validSamples.map(({ region: _region, ...rest }) => rest),
  fc.tuple(validSamples, fc.jsonValue()).map(([sample, extra]) => ({ ...sample, extra })),
  fc.record({ region: regions, metric: metrics, at: instants, value: values, source: awkwardText }, { requiredKeys: [] }),
);

const uuids = fc.oneof(fc.uuid({ version: 7 }), fc.uuid(), fc.constantFrom('3b241101-e2bb-4255-8caf-4136c566a962', 'edge-7781', ''));
const headerValue = fc.oneof(awkwardText, uuids, instants, fc.constantFrom('1.0', '0.3', 'traffic.sample', 'application/json', 'application/json; charset=utf-8', 'application/avro', 'application/vnd.example.sample+json', 'text/json'));
const headerNames = ['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_time', 'ce_subject', 'ce_dataschema', 'ce_correlationid', 'ce_causationid', 'content-type', 'traceparent'];
/** What Holdfast itself sends: valid for both header schemas. */
const holdfastHeaders = fc.record(
  {
    ce_specversion: fc.constant('1.0'),
    ce_id: fc.uuid({ version: 7 }),
    ce_type: fc.constant('traffic.sample'),
    ce_source: fc.constant('holdfast/impact-analyzer'),
    ce_time: instants.filter((at) => InstantSchema.safeParse(at).success),
    ce_subject: fc.constant('IR'),
    ce_dataschema: fc.constant('urn:holdfast:schema:traffic.sample:v1'),
    ce_correlationid: fc.uuid({ version: 7 }),
    'content-type': fc.constant('application/json'),
  },
  { requiredKeys: ['ce_specversion', 'ce_id', 'ce_type', 'ce_source', 'ce_time', 'ce_dataschema', 'ce_correlationid', 'content-type'] },
);
/** Binary-mode headers as they arrive: valid, one header wrong or missing, any subset of any values, and unrelated ones. */
const headerSets = fc
  .oneof(
    holdfastHeaders,
    fc.tuple(holdfastHeaders, fc.constantFrom(...headerNames), headerValue).map(([headers, name, value]) => ({ ...headers, [name]: value })),
    fc.tuple(holdfastHeaders, fc.constantFrom(...headerNames)).map(([headers, name]) => Object.fromEntries(Object.entries(headers).filter(([key]) => key !== name))),
    fc.dictionary(fc.constantFrom(...headerNames), headerValue),
  )
  .chain((headers) => fc.constantFrom(headers, headers, { ...headers, ce_subject: undefined }, { ...headers, ...JSON.parse('{"__proto__": "x"}') }, { ...headers, constructor: 'x' }));
const validEnvelopes = fc.record(
  { specversion: fc.constant('1.0'), id: fc.oneof(uuids, fc.constant('edge-7781')), type: fc.constant('traffic.sample'), source: fc.constant('/edge/fra1'), time: instants, data: trafficSamples },
  { requiredKeys: ['specversion', 'id', 'type', 'source', 'data'] },
);
const envelopes = fc.oneof(
  validEnvelopes,
  fc.tuple(validEnvelopes, fc.constantFrom('specversion', 'id', 'type', 'source', 'time', 'datacontenttype', 'data', 'data_base64', 'extension'), fc.oneof(headerValue, fc.jsonValue())).map(([envelope, key, value]) => ({ ...envelope, [key]: value })),
  fc.record({ specversion: headerValue, id: headerValue, type: headerValue, source: headerValue, time: instants, datacontenttype: headerValue, data: fc.jsonValue(), data_base64: fc.string() }, { requiredKeys: [] }),
);

/** A known-good payload with one thing changed: a value replaced, a field dropped or one added. */
function mutated(example: object): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (node !== null && typeof node === 'object') for (const [key, child] of Object.entries(node)) walk(child, [...path, Array.isArray(node) ? Number(key) : key]);
  };
  walk(example, []);
  return fc.tuple(fc.constantFrom(...paths), fc.constantFrom('replace', 'drop', 'add'), fc.jsonValue()).map(([path, change, value]) => {
    const copy = structuredClone(example) as Record<string | number, unknown>;
    if (path.length === 0) return change === 'replace' ? value : copy;
    const parent = path.slice(0, -1).reduce<Record<string | number, unknown>>((node, key) => node[key] as Record<string | number, unknown>, copy);
    const key = path[path.length - 1];
    if (change === 'replace') parent[key] = value;
    else if (change === 'drop') delete parent[key];
    else if (!Array.isArray(parent)) parent[`${String(key)}_extra`] = value;
    return copy;
  });
}

describe('schema fast paths', () => {
  it('exist for every payload, the window events included (libs/contracts/README.md)', () => {
    const withoutFastPath = (Object.keys(EventSchemas) as EventType[]).filter((type) => fastPathOf(EventSchemas[type] as z.ZodType) === null);
    expect(withoutFastPath).toEqual([]);
  });

  it('exist for what the intake decodes per message', () => {
    for (const schema of [TrafficSampleSchema, KafkaHeadersSchema, OutsideHeadersSchema, StructuredEnvelopeSchema, EnvelopeSchema, EventIdSchema, InstantSchema, RegionCodeSchema] as z.ZodType[]) {
      expect(fastPathOf(schema)).not.toBeNull();
    }
  });

  /** Runs a property and checks that both vouched-for and refused inputs came up. */
  const exercise = (run: () => void) => {
    tally.vouched = tally.refused = 0;
    run();
    expect(tally.vouched, 'inputs the fast path vouched for').toBeGreaterThan(50);
    expect(tally.refused, 'inputs zod refused').toBeGreaterThan(50);
  };

  it('vouch for a traffic sample only when zod accepts it, with the same output', () => {
    exercise(() => fc.assert(fc.property(trafficSamples, (sample) => void expectFaithful(TrafficSampleSchema, sample)), { numRuns: 3_000 }));
  });

  it('are sure of every plainly valid traffic sample, so the intake does not fall back for one', () => {
    const plain = validSamples.map((sample) => ({ ...sample, source: 'prometheus' }));
    fc.assert(fc.property(plain, (sample) => expectFaithful(TrafficSampleSchema, sample)), { numRuns: 1_000 });
  });

  it('vouch for a traffic sample as outside producers write it only when zod accepts it', () => {
    exercise(() => fc.assert(fc.property(trafficSamples, (sample) => void expectFaithful(OutsideTrafficSampleSchema, sample)), { numRuns: 2_000 }));
  });

  it('vouch for binary-mode headers only when zod accepts them, Holdfast’s own and outside producers’', () => {
    exercise(() =>
      fc.assert(
        fc.property(headerSets, (headers) => {
          expectFaithful(KafkaHeadersSchema, headers);
          expectFaithful(OutsideHeadersSchema, headers);
        }),
        { numRuns: 3_000 },
      ),
    );
  });

  it('vouch for a structured-mode envelope only when zod accepts it', () => {
    exercise(() => fc.assert(fc.property(envelopes, (envelope) => void expectFaithful(StructuredEnvelopeSchema, envelope)), { numRuns: 2_000 }));
  });

  it('vouch for a window event only when zod accepts it, its recurrence rule and exdates checked by superRefine() included', () => {
    const { flexibility: _flexibility, ...held } = EventExamples['window.held'];
    const rules = fc.oneof(
      fc.constantFrom('FREQ=DAILY', 'FREQ=WEEKLY;BYDAY=MO', 'RRULE:freq=hourly;interval=2', 'FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=12', 'FREQ=MINUTELY', 'FREQ=DAILY;DTSTART=20260101', 'BYDAY=MO', 'FREQ=HOURLY;INTERVAL=2;BYHOUR=3', ''),
      awkwardText,
    );
    const exdates = fc.array(fc.oneof(fc.constantFrom('2026-03-11T02:00', '2026-03-25T01:00:00Z', '2026-02-30T02:00', '2026-03-11 02:00'), awkwardText), { maxLength: 3 });
    const windows = fc.record({ recurrence: rules, exdates }, { requiredKeys: [] }).map((recurring) => ({ ...held, ...recurring }));
    exercise(() => fc.assert(fc.property(windows, (window) => void expectFaithful(EventSchemas['window.held'] as z.ZodType, window)), { numRuns: 2_000 }));
  });

  it.each(Object.keys(EventSchemas) as EventType[])('are faithful to the %s payload schema, or absent', (type) => {
    const schema = EventSchemas[type] as z.ZodType;
    expectFaithful(schema, EventExamples[type]);
    fc.assert(fc.property(mutated(EventExamples[type]), (input) => void expectFaithful(schema, input)), { numRuns: 300 });
  });

  it.each([
    ['an optional field left out', z.strictObject({ note: z.string().optional() }), {}, true],
    ['an optional field there but undefined, which zod keeps', z.strictObject({ note: z.string().optional() }), { note: undefined }, true],
    ['an exactOptional field there but undefined, which zod refuses', z.strictObject({ note: z.string().exactOptional() }), { note: undefined }, false],
    ['a required field undefined', z.strictObject({ note: z.string() }), { note: undefined }, false],
    ['an unknown key kept by a loose object', z.looseObject({ note: z.string() }), { note: 'a', extra: [1] }, true],
    ['an unknown key dropped by a plain object', z.object({ note: z.string() }), { note: 'a', extra: 1 }, true],
    ['an own __proto__ key', z.looseObject({ note: z.string() }), JSON.parse('{"note": "a", "__proto__": 1}'), false],
    ['an object refine that holds', z.strictObject({ from: z.number(), to: z.number() }).refine((range) => range.from < range.to), { from: 1, to: 2 }, true],
    ['an object refine that fails', z.strictObject({ from: z.number(), to: z.number() }).refine((range) => range.from < range.to), { from: 2, to: 1 }, false],
    ['a string within its limit in code points but not in units', z.string().max(3), '😀😀😀', false],
    ['a class instance', z.object({ note: z.string() }), new (class Note { note = 'a'; })(), false],
    ['an array within its limits', z.array(z.string()).min(1).max(2), ['a', 'b'], true],
    ['an array past its limit', z.array(z.string()).max(2), ['a', 'b', 'c'], false],
    ['an empty array where one is needed', z.array(z.string()).nonempty(), [], false],
    ['an array of the length asked', z.array(z.number()).length(2), [1, 2], true],
    ['an array with one element wrong', z.array(z.number()), [1, '2'], false],
    ['an array with a hole, which zod reads as undefined', z.array(z.number()), Object.assign(new Array<number>(3), { 0: 1, 2: 3 }), false],
    ['an array-like object', z.array(z.number()), { 0: 1, length: 1 }, false],
    ['an array of objects, each rebuilt in its shape’s key order', z.array(z.object({ a: z.number(), b: z.number() })), [{ b: 2, a: 1, c: 3 }], true],
    ['a value of the enum', z.enum(['minor', 'major']), 'major', true],
    ['a value outside the enum', z.enum(['minor', 'major']), 'MAJOR', false],
    ['null where it is allowed', z.string().nullable(), null, true],
    ['null where it is not', z.string(), null, false],
    ['a nullable field left out, when also optional', z.strictObject({ until: z.string().nullable().optional() }), {}, true],
    ['a boolean', z.boolean(), false, true],
    ['a truthy text where a boolean is asked', z.boolean(), 'true', false],
    ['a safe integer', z.int().nonnegative(), 9_007_199_254_740_991, true],
    ['an integer past the safe range', z.int(), 9_007_199_254_740_992, false],
    ['a fraction where an integer is asked', z.number().int(), 1.5, false],
    ['an integer past int32', z.int32(), 2_147_483_648, false],
    ['a negative number where uint32 is asked', z.uint32(), -1, false],
    ['a float32 within its range', z.float32(), 1.5, true],
    ['a superRefine() adding no issue', z.string().superRefine(() => undefined), 'a', true],
    ['a superRefine() adding an issue', z.string().superRefine((_text, context) => context.addIssue({ code: 'custom', message: 'no' })), 'a', false],
    ['a check() that replaces the value', z.string().check((payload) => void (payload.value = 'b')), 'a', false],
    ['a defaulted field given', z.strictObject({ count: z.number().default(1) }), { count: 2 }, true],
    ['a defaulted field left out, which zod fills', z.strictObject({ count: z.number().default(1) }), {}, false],
    ['an optional field with no fast path left out', z.strictObject({ shares: z.record(z.string(), z.number()).optional() }), {}, true],
    ['an optional field with no fast path given', z.strictObject({ shares: z.record(z.string(), z.number()).optional() }), { shares: {} }, false],
  ])('on %s: vouch only as zod decides (%#)', (_case, schema, input, vouches) => {
    expect(expectFaithful(schema as z.ZodType, input)).toBe(vouches);
  });

  it('leave every refusal to zod, so its reasons are unchanged', () => {
    const broken = { ...EventExamples['traffic.sample'], region: 'Iran', mood: 'tense' };
    expect(safeParseFast(TrafficSampleSchema, broken)).toStrictEqual(TrafficSampleSchema.safeParse(broken));
  });

  it('know no construct they cannot mirror: transforms, unions, records and bigints have none', () => {
    expect(fastPathOf(z.string().trim())).toBeNull();
    expect(fastPathOf(z.object({ count: z.number().default(1).refine((count) => count > 0) }))).toBeNull();
    expect(fastPathOf(z.union([z.string(), z.number()]))).toBeNull();
    expect(fastPathOf(z.url())).toBeNull();
    expect(fastPathOf(z.record(z.string(), z.number()))).toBeNull();
    expect(fastPathOf(z.strictObject({ shares: z.record(z.string(), z.number()) }))).toBeNull();
    expect(fastPathOf(z.bigint())).toBeNull();
    expect(fastPathOf(z.array(z.string().trim()))).toBeNull();
    expect(fastPathOf(z.string().nullable().refine((text) => text !== ''))).toBeNull();
  });
});

describe('OutsideTrafficSampleSchema', () => {
  it('refuses a sample, in the same fields, exactly when the contract refuses it once inContractForm has converted it, so its words can stand for the contract\'s', () => {
    const fieldsOf = (error: z.ZodError) => [...new Set(error.issues.map((issue) => issue.path.join('.')))];
    fc.assert(
      fc.property(trafficSamples, (sample) => {
        const contract = TrafficSampleSchema.safeParse(inContractForm('traffic.sample', sample));
        const outside = OutsideTrafficSampleSchema.safeParse(sample);
        expect(outside.success, JSON.stringify(sample)).toBe(contract.success);
        if (!contract.success && !outside.success) expect(fieldsOf(outside.error)).toEqual(fieldsOf(contract.error));
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('utcInstantOf', () => {
  it('gives what converting through Date gives, for every valid RFC 3339 time', () => {
    const valid = z.iso.datetime({ offset: true });
    fc.assert(
      fc.property(instants, (time) => {
        if (valid.safeParse(time).success) expect(utcInstantOf(time)).toBe(new Date(time).toISOString());
      }),
      { numRuns: 2_000 },
    );
  });

  it('turns every time the intake accepts into an instant the contract holds, the ends of the years 0000-9999 included', () => {
    const maxOffset = 23 * 60 + 59;
    const dates = fc.oneof(
      fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
      fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('0000-01-02T00:00:00Z'), noInvalidDate: true }),
      fc.date({ min: new Date('9999-12-31T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
    );
    // The same instant's wall-clock time at an offset, written with it (extended years fall to the format check).
    const withOffset = fc.tuple(dates, fc.integer({ min: -maxOffset, max: maxOffset })).map(([date, minutes]) => {
      const wall = new Date(date.getTime() + minutes * 60_000).toISOString().slice(0, -1);
      const size = Math.abs(minutes);
      return `${wall}${minutes < 0 ? '-' : '+'}${String(Math.floor(size / 60)).padStart(2, '0')}:${String(size % 60).padStart(2, '0')}`;
    });
    fc.assert(
      fc.property(fc.oneof(withOffset, instants), (time) => {
        if (OutsideTimeSchema.safeParse(time).success) expect(InstantSchema.safeParse(utcInstantOf(time)).success, `${time} as ${utcInstantOf(time)}`).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });
});
