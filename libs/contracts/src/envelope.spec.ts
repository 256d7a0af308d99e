import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContractViolation } from './contract-violation.exception';
import { EventIdSchema, causedBy, createEvent, dispatchEvent, isEventId, isEventOfType, validateEvent, type EventHandlers, type HoldfastEvent } from './envelope';
import { EventExamples } from './event-examples';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const source = 'holdfast/impact-analyzer';

const violationOf = (act: () => unknown): ContractViolation => {
  try {
    act();
  } catch (error) {
    if (error instanceof ContractViolation) return error;
    throw error;
  }
  throw new Error('expected a ContractViolation');
};

describe('createEvent', () => {
  it('fills the CloudEvents attributes and starts a new correlation chain', () => {
    const time = new Date('2026-06-15T14:55:00Z');
    const event = createEvent('traffic.sample', EventExamples['traffic.sample'], { source, time });
    expect(event).toEqual({
      specversion: '1.0',
      id: expect.stringMatching(UUID_V7),
      type: 'traffic.sample',
      source,
      time: '2026-06-15T14:55:00.000Z',
      datacontenttype: 'application/json',
      dataschema: 'urn:holdfast:schema:traffic.sample:v1',
      correlationid: event.id,
      data: EventExamples['traffic.sample'],
    });
  });

  it('gives UUIDv7 ids that sort in creation order', () => {
    const ids = Array.from({ length: 500 }, () => createEvent('traffic.sample', EventExamples['traffic.sample'], { source }).id);
    expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('chains a follow-up event to its cause', () => {
    const sample = createEvent('traffic.sample', EventExamples['traffic.sample'], { source });
    const surge = createEvent('surge.started', EventExamples['surge.started'], { source, ...causedBy(sample) });
    const hold = createEvent('hold.placed', EventExamples['hold.placed'], { source: 'holdfast/maintenance-planner', ...causedBy(surge) });
    expect(surge).toMatchObject({ correlationid: sample.id, causationid: sample.id });
    expect(hold).toMatchObject({ correlationid: sample.id, causationid: surge.id });
  });

  it('refuses an invalid payload, naming the field', () => {
    const violation = violationOf(() =>
      createEvent('traffic.sample', { ...EventExamples['traffic.sample'], value: -5 }, { source }),
    );
    expect(violation.code).toBe('invalid-payload');
    expect(violation.reason).toBe('traffic.sample payload field value: must be a finite number >= 0');
  });

  it('refuses an id that is not a UUIDv7 and an invalid date', () => {
    const badId = violationOf(() => createEvent('traffic.sample', EventExamples['traffic.sample'], { source, id: 'abc' }));
    expect(badId).toMatchObject({ code: 'invalid-envelope', reason: 'event attribute id: must be a UUIDv7' });
    const badTime = violationOf(() => createEvent('traffic.sample', EventExamples['traffic.sample'], { source, time: new Date('nope') }));
    expect(badTime.code).toBe('invalid-envelope');
  });
});

describe('validateEvent', () => {
  it('refuses a structured event whose dataschema is another version', () => {
    const event = createEvent('surge.started', EventExamples['surge.started'], { source });
    const violation = violationOf(() => validateEvent({ ...event, dataschema: 'urn:holdfast:schema:surge.started:v2' }));
    expect(violation.code).toBe('schema-mismatch');
    expect(violation.reason).toContain('this build reads "urn:holdfast:schema:surge.started:v1"');
  });

  it('refuses an unknown event type', () => {
    const event = createEvent('surge.started', EventExamples['surge.started'], { source });
    expect(violationOf(() => validateEvent({ ...event, type: 'surge.exploded' })).code).toBe('unknown-event-type');
  });
});

describe('typed handling', () => {
  it('narrows an event by type', () => {
    const event: HoldfastEvent = createEvent('surge.cleared', EventExamples['surge.cleared'], { source });
    expect(isEventOfType(event, 'surge.cleared') && event.data.clearedAt).toBe('2026-06-19T08:00:00Z');
    expect(isEventOfType(event, 'surge.started')).toBe(false);
  });

  it('dispatches to the handler of the event type and reports uncovered types', async () => {
    const seen: string[] = [];
    const handlers: EventHandlers<'region.surges.v1'> = {
      'surge.started': async (event) => void seen.push(event.data.severity),
    };
    expect(await dispatchEvent(handlers, createEvent('surge.started', EventExamples['surge.started'], { source }))).toBe(true);
    expect(await dispatchEvent(handlers, createEvent('surge.cleared', EventExamples['surge.cleared'], { source }))).toBe(false);
    expect(seen).toEqual(['critical']);
  });
});

describe('isEventId', () => {
  it('answers as EventIdSchema does, for UUIDs of every version, either case, and any other text', () => {
    const candidates = fc.oneof(fc.uuid(), fc.uuid().map((id) => id.toUpperCase()), fc.uuid({ version: 7 }), fc.string());
    fc.assert(fc.property(candidates, (id) => isEventId(id) === EventIdSchema.safeParse(id).success), { numRuns: 2_000 });
    expect(isEventId(createEvent('traffic.sample', EventExamples['traffic.sample'], { source }).id)).toBe(true);
  });
});
