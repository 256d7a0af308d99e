import { describe, expect, it } from 'vitest';
import { InstantSchema } from '@holdfast/contracts';
import { z } from 'zod';
import { DomainError } from '../errors/domain.error';
import { unstorableTextProblems, parseRequest } from './request-schema';

const Declaration = z.strictObject({
  regions: z.array(z.string().length(2)).min(1),
  from: z.string({ error: 'must be an ISO-8601 UTC instant' }),
  reason: z.string(),
  severity: z.enum(['minor', 'major']).optional(),
});
const body = { code: 'invalid-body', what: 'The request body', root: '(body)' };

function refusal(input: unknown, schema: z.ZodType = Declaration): DomainError {
  try {
    parseRequest(schema, input, body);
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('parseRequest accepted what it should refuse');
}

describe('parseRequest', () => {
  it('returns what the schema gives for a good input', () => {
    expect(parseRequest(Declaration, { regions: ['IR'], from: '2026-06-14T21:00:00Z', reason: 'election' }, body)).toEqual({ regions: ['IR'], from: '2026-06-14T21:00:00Z', reason: 'election' });
  });

  it('names every wrong field in one 400: a missing one as missing, the schema\'s own words where it has them, zod\'s for the rest', () => {
    const error = refusal({ regions: ['IRN'], severity: 'huge' });
    expect(error).toBeInstanceOf(DomainError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid-body');
    expect(error.extensions.errors).toEqual([
      { path: 'regions.0', message: 'must be exactly 2 characters' },
      { path: 'from', message: 'must be an ISO-8601 UTC instant' },
      { path: 'reason', message: 'is required but missing' },
      { path: 'severity', message: 'must be one of minor, major' },
    ]);
    expect(error.message).toBe(
      'The request body is invalid: regions.0 must be exactly 2 characters; from must be an ISO-8601 UTC instant; reason is required but missing; severity must be one of minor, major',
    );
  });

  it('says a missing instant is missing, and what an instant without an offset lacks', () => {
    const period = z.strictObject({ from: InstantSchema, until: InstantSchema });
    expect(refusal({ until: '2026-06-14T21:00:00' }, period).extensions.errors).toEqual([
      { path: 'from', message: 'is required but missing' },
      { path: 'until', message: 'must be an instant, and 2026-06-14T21:00:00 has no offset, so it names none: write it in UTC (2026-06-14T21:00:00Z)' },
    ]);
  });

  it('names an unknown field under its own name, and a query number that is not one as such', () => {
    expect(refusal({ regions: ['IR'], from: 'x', reason: 'y', url: 'http://a', team: 'b' }).extensions.errors).toEqual([
      { path: 'url', message: 'is not a field of this request' },
      { path: 'team', message: 'is not a field of this request' },
    ]);
    const Page = z.object({ limit: z.coerce.number().int().optional(), ratio: z.coerce.number().optional() });
    const query = { code: 'invalid-query', what: 'The query', root: '(query)' };
    let refused: DomainError | undefined;
    try {
      parseRequest(Page, { limit: 'abc', ratio: 'half' }, query);
    } catch (error) {
      refused = error as DomainError;
    }
    expect(refused?.extensions.errors).toEqual([
      { path: 'limit', message: 'must be a number' },
      { path: 'ratio', message: 'must be a number' },
    ]);
    expect(parseRequest(Page, { limit: '20' }, query)).toEqual({ limit: 20 });
  });

  it('names the field an unknown one most likely meant, when one of that request is close, at any depth', () => {
    // As the planner's window list (region), gate (regions) and window body (plannedZone, footprint.regions) have them.
    const WindowList = z.strictObject({ from: InstantSchema.optional(), region: z.string().optional(), team: z.string().optional(), limit: z.coerce.number().optional() }).superRefine(() => {});
    const Gate = z.strictObject({ windowId: z.uuid().optional(), regions: z.string().optional() }).refine((query) => (query.windowId === undefined) !== (query.regions === undefined), { error: 'is required unless regions is given', path: ['windowId'] });
    const Window = z.strictObject({ title: z.string(), footprint: z.strictObject({ global: z.boolean(), regions: z.array(z.string()) }), startsAt: z.string(), plannedZone: z.string() });
    const query = { code: 'invalid-query', what: 'The query', root: '(query)' };
    const refusedQuery = (schema: z.ZodType, input: object) => {
      try {
        parseRequest(schema, input, query);
      } catch (error) {
        return (error as DomainError).extensions.errors;
      }
      throw new Error('parseRequest accepted what it should refuse');
    };
    expect(refusedQuery(WindowList, { regions: 'IR', teams: 'x' })).toEqual([
      { path: 'regions', message: 'is not a field of this request; did you mean region?' },
      { path: 'teams', message: 'is not a field of this request; did you mean team?' },
    ]);
    expect(refusedQuery(Gate, { region: 'IR' })).toEqual([
      { path: 'region', message: 'is not a field of this request; did you mean regions?' },
      { path: 'windowId', message: 'is required unless regions is given' },
    ]);
    expect(refusal({ title: 'Router upgrade', footprint: { global: false, region: ['IR'] }, startsat: '2026-06-14T21:00:00Z', timezone: 'Asia/Tehran' }, Window).extensions.errors).toEqual([
      { path: 'footprint.regions', message: 'is required but missing' },
      { path: 'footprint.region', message: 'is not a field of this request; did you mean footprint.regions?' },
      { path: 'startsAt', message: 'is required but missing' },
      { path: 'plannedZone', message: 'is required but missing' },
      { path: 'startsat', message: 'is not a field of this request; did you mean startsAt?' },
      { path: 'timezone', message: 'is not a field of this request; did you mean plannedZone?' },
    ]);
    const zoneless = { title: 'Router upgrade', footprint: { global: false, regions: ['IR'] }, startsAt: '2026-06-14T21:00:00Z' };
    expect(refusal({ ...zoneless, timeZone: 'Asia/Tehran' }, Window).message).toBe('The request body is invalid: plannedZone is required but missing; timeZone is not a field of this request; did you mean plannedZone?');
    // A field given already is not the one meant; nor is one far off, or half of a short name changed.
    expect(refusedQuery(WindowList, { region: 'IR', regions: 'IR', to: 'x' })).toEqual([
      { path: 'regions', message: 'is not a field of this request' },
      { path: 'to', message: 'is not a field of this request' },
    ]);
  });

  it('says a wrong type is a wrong type, and puts an issue with the whole input at the root', () => {
    expect(refusal({ regions: ['IR'], from: 'x', reason: 42 }).extensions.errors).toEqual([{ path: 'reason', message: 'must be text' }]);
    expect(refusal('not an object').extensions.errors).toEqual([{ path: '(body)', message: 'must be an object' }]);
  });
});

describe('text holding NUL', () => {
  it('is refused in a body the schema accepts, every place named, object keys included', () => {
    const Labels = z.strictObject({ reason: z.string(), regions: z.array(z.string()), labels: z.record(z.string(), z.string()) });
    let refused: DomainError | undefined;
    try {
      parseRequest(Labels, { reason: 'elec\u0000tion', regions: ['IR', 'D\u0000E'], labels: { 'te\u0000am': 'ops' } }, body);
    } catch (error) {
      refused = error as DomainError;
    }
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused!.status).toBe(400);
    expect(refused!.extensions.errors?.map((problem) => problem.path)).toEqual(['reason', 'regions.1', 'labels.te\u0000am']);
    expect(refused!.message).toContain('reason holds the NUL character (U+0000), which Holdfast cannot store: remove it');
  });

  it('refuses half of a surrogate pair standing alone, which JSON can escape and jsonb refuses, and takes a whole pair', () => {
    const lone = JSON.parse('{"fingerprint":"ab\\ud800","labels":{"\\udfffx":"1"},"emoji":"\\ud83d\\ude00"}') as unknown;
    const message = 'holds half of a UTF-16 surrogate pair alone (a \\ud800-\\udfff escape), which is no Unicode character and which Holdfast cannot store: send the whole character';
    expect(unstorableTextProblems(lone, '(body)')).toEqual([
      { path: 'fingerprint', message },
      { path: 'labels.\udfffx', message: `is a name that ${message}` },
    ]);
    expect(unstorableTextProblems({ emoji: '\ud83d\ude00', text: 'Tehran \u062a\u0647\u0631\u0627\u0646' }, '(body)')).toEqual([]);
  });

  it('is left to a handler that reads the items of a list itself', () => {
    const Batch = z.strictObject({ samples: z.array(z.unknown()) });
    expect(parseRequest(Batch, { samples: [{ source: 'a\u0000b' }] }, { ...body, textCheckedByHandler: true })).toEqual({ samples: [{ source: 'a\u0000b' }] });
  });

  it('names a whole input that is itself such text by its root', () => {
    expect(unstorableTextProblems('a\u0000b', '(query)')).toEqual([{ path: '(query)', message: 'holds the NUL character (U+0000), which Holdfast cannot store: remove it' }]);
    expect(unstorableTextProblems({ from: new Date(0), count: 3, nothing: null }, '(body)')).toEqual([]);
  });

  it('is looked for in JSON nested deeper than the call stack goes, which the body parser accepts', () => {
    const depth = 200_000;
    const nested = JSON.parse(`{"a":${'['.repeat(depth)}"x\\u0000"${']'.repeat(depth)},"b":${'{"c":'.repeat(depth)}1${'}'.repeat(depth)}}`) as unknown;
    const problems = unstorableTextProblems(nested, '(body)');
    expect(problems).toEqual([{ path: `a${'.0'.repeat(depth)}`, message: 'holds the NUL character (U+0000), which Holdfast cannot store: remove it' }]);
  });
});

describe('size bounds', () => {
  const Window = z.strictObject({ title: z.string().min(1).max(200), regions: z.array(z.string()).min(1).max(3), code: z.string().min(2), note: z.string().max(5, 'keep it short') });

  it('and types are said in words', () => {
    const Page = z.strictObject({ limit: z.number(), regions: z.array(z.string()), reason: z.string(), global: z.boolean() });
    expect(() => parseRequest(Page, { limit: '5', regions: 'IR', reason: 7, global: 'yes' }, body)).toThrow(
      'limit must be a number; regions must be a list; reason must be text; global must be true or false',
    );
  });

  it('and formats are said in words', () => {
    const Hook = z.strictObject({ target: z.url(), id: z.uuid() });
    expect(() => parseRequest(Hook, { target: 'notaurl', id: '42' }, body)).toThrow('target must be a URL such as https://example.com/path; id must be a UUID');
  });

  it('of numbers are said in words too', () => {
    const Page = z.strictObject({ limit: z.number().int().min(1).max(500), share: z.number().positive() });
    expect(() => parseRequest(Page, { limit: 100_000, share: 0 }, body)).toThrow('limit must be at most 500; share must be more than 0');
    expect(() => parseRequest(Page, { limit: 0, share: 1 }, body)).toThrow('limit must be at least 1');
  });
  it('are said in words, with the bound, unless the schema says it itself', () => {
    let refused: DomainError | undefined;
    try {
      parseRequest(Window, { title: 'x'.repeat(201), regions: [], code: 'I', note: 'far too long' }, body);
    } catch (error) {
      refused = error as DomainError;
    }
    expect(refused!.extensions.errors).toEqual([
      { path: 'title', message: 'must be at most 200 characters' },
      { path: 'regions', message: 'must hold at least one item' },
      { path: 'code', message: 'must be at least 2 characters' },
      { path: 'note', message: 'keep it short' },
    ]);
    expect(() => parseRequest(Window, { title: '', regions: ['a', 'b', 'c', 'd'], code: 'IR', note: '' }, body)).toThrow('title must not be empty; regions must hold at most 3 items');
  });
});
