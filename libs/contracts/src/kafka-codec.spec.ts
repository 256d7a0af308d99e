import { describe, expect, it } from 'vitest';
import { ContractViolation } from './contract-violation.exception';
import { createEvent } from './envelope';
import { EventSchemas, topicOfEvent } from './event-catalog';
import { EventExamples } from './event-examples';
import type { EventType } from './event-types';
import { decodeEvent, encodeEvent, encodeEventEnvelope, type WireMessage } from './kafka-codec';

const source = 'holdfast/test';
const surge = createEvent('surge.started', EventExamples['surge.started'], { source, subject: 'IR' });
const wire = (): WireMessage => {
  const { key, value, headers } = encodeEvent(surge);
  return { key, value, headers };
};

const violationOf = (topic: string, message: WireMessage): ContractViolation => {
  try {
    decodeEvent(topic, message);
  } catch (error) {
    if (error instanceof ContractViolation) return error;
    throw error;
  }
  throw new Error('expected a ContractViolation');
};

describe('encodeEvent', () => {
  it('lays the event out in CloudEvents binary mode', () => {
    const message = encodeEvent(surge);
    expect(message.key).toBe('IR');
    expect(JSON.parse(message.value.toString('utf8'))).toEqual(EventExamples['surge.started']);
    expect(message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: surge.id,
      ce_type: 'surge.started',
      ce_source: source,
      ce_time: surge.time,
      ce_subject: 'IR',
      ce_dataschema: 'urn:holdfast:schema:surge.started:v1',
      ce_correlationid: surge.id,
      'content-type': 'application/json',
    });
  });

  it('refuses to produce a payload with a field the schema does not know', () => {
    const tampered = { ...surge, data: { ...surge.data, mood: 'tense' } };
    expect(() => encodeEvent(tampered)).toThrow(/surge.started payload: Unrecognized key: "mood"/);
  });

  it('encodes an event createEvent built without validating it again: it is frozen, so it is still what was validated', () => {
    expect(Object.isFrozen(surge)).toBe(true);
    expect(Object.isFrozen(surge.data)).toBe(true);
    expect(() => {
      (surge.data as { region: string }).region = 'US';
    }).toThrow(TypeError);
    expect(encodeEventEnvelope(surge)).toEqual({ key: 'IR', headers: encodeEvent(surge).headers });
  });
});

describe('decodeEvent', () => {
  it.each(Object.keys(EventSchemas) as EventType[])('round-trips %s, with Buffer headers as kafkajs delivers them', (type) => {
    const event = createEvent(type, EventExamples[type], { source, causationId: surge.id, correlationId: surge.id });
    const { key, value, headers } = encodeEvent(event);
    const buffered = Object.fromEntries(Object.entries(headers).map(([name, text]) => [name, Buffer.from(text)]));
    expect(decodeEvent(topicOfEvent(type), { key: Buffer.from(key), value, headers: buffered })).toEqual(event);
  });

  it('rejects a missing header, naming it', () => {
    const message = wire();
    delete message.headers.ce_time;
    expect(violationOf('region.surges.v1', message)).toMatchObject({ code: 'missing-header', reason: 'header ce_time: is required but missing' });
  });

  it('rejects an invalid header, saying why', () => {
    const message = wire();
    message.headers.ce_time = '2026-06-15 14:55';
    const violation = violationOf('region.surges.v1', message);
    expect(violation.code).toBe('invalid-header');
    expect(violation.reason).toBe('header ce_time: must be an ISO-8601 UTC instant ending in Z, such as 2026-06-14T21:00:00Z');
  });

  it('rejects a known event type on the wrong topic', () => {
    const violation = violationOf('maintenance.holds.v1', wire());
    expect(violation.code).toBe('wrong-topic');
    expect(violation.reason).toBe(
      'header ce_type "surge.started" does not travel on topic maintenance.holds.v1, which carries hold.placed, hold.released, hold.overridden; it belongs on region.surges.v1',
    );
  });

  it('rejects an unknown event type and an unknown topic', () => {
    const message = wire();
    message.headers.ce_type = 'surge.exploded';
    expect(violationOf('region.surges.v1', message)).toMatchObject({
      code: 'unknown-event-type',
      reason: 'header ce_type "surge.exploded" is not a Holdfast event type',
    });
    expect(violationOf('test-123.region.surges.v1', wire()).code).toBe('unknown-topic');
  });

  it('rejects a payload of another schema version', () => {
    const message = wire();
    message.headers.ce_dataschema = 'urn:holdfast:schema:surge.started:v2';
    expect(violationOf('region.surges.v1', message).code).toBe('schema-mismatch');
  });

  it('rejects an invalid payload with the field path', () => {
    const message = wire();
    message.value = Buffer.from(JSON.stringify({ ...EventExamples['surge.started'], evidence: { ...EventExamples['surge.started'].evidence, score: 'high' } }));
    expect(violationOf('region.surges.v1', message)).toMatchObject({
      code: 'invalid-payload',
      reason: 'surge.started payload field evidence.score: must be a number',
    });
  });

  it('rejects a body that is not JSON, and a tombstone', () => {
    expect(violationOf('region.surges.v1', { ...wire(), value: Buffer.from('{oops') }).code).toBe('invalid-body');
    expect(violationOf('region.surges.v1', { ...wire(), value: null }).reason).toBe('message body is empty (tombstones are not events)');
  });

  it('rejects a message keyed by something else than its region, carrying the event for its consumer to judge', () => {
    const violation = violationOf('region.surges.v1', { ...wire(), key: 'TR' });
    expect(violation).toMatchObject({
      code: 'wrong-key',
      reason: 'message key "TR" is wrong: region.surges.v1 is keyed by region, so this surge.started event needs "IR"',
    });
    expect(violation.event).toMatchObject({ id: surge.id, data: EventExamples['surge.started'] });
    // An event that does not decode whole is none to judge.
    expect(violationOf('region.surges.v1', { ...wire(), key: 'TR', value: Buffer.from('{oops') }).event).toBeUndefined();
  });

  it('drops fields it does not know (tolerant reader) and still validates the rest', () => {
    const message = wire();
    const payload = { ...EventExamples['surge.started'], affectedUsers: 1_000_000, evidence: { ...EventExamples['surge.started'].evidence, method: 'z' } };
    message.value = Buffer.from(JSON.stringify(payload));
    expect(decodeEvent('region.surges.v1', message).data).toEqual(EventExamples['surge.started']);

    message.value = Buffer.from(JSON.stringify({ ...payload, severity: 'apocalyptic' }));
    expect(violationOf('region.surges.v1', message).reason).toMatch(/^surge.started payload field severity: must be one of minor, major, critical$/);
  });

  it('passes unrelated headers through without complaint', () => {
    const message = wire();
    message.headers.traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    expect(decodeEvent('region.surges.v1', message).id).toBe(surge.id);
  });
});

describe('refusals of input, without stacks', () => {
  // A stack names its frames on lines of their own, "    at ...".
  const hasFrames = (error: Error): boolean => /\n\s+at /.test(error.stack ?? '');

  it('builds what refusing a message throws without a stack, whatever the refusal', () => {
    const broken: [string, WireMessage][] = [
      ['a header', { ...wire(), headers: { ...wire().headers, ce_time: 'yesterday' } }],
      ['the payload', { ...wire(), value: Buffer.from(JSON.stringify({ ...EventExamples['surge.started'], severity: 'dire' })) }],
      ['the body', { ...wire(), value: Buffer.from('{') }],
      ['the key', { ...wire(), key: 'DE' }],
      ['an outside sample', { key: null, value: Buffer.from(JSON.stringify({ ...EventExamples['traffic.sample'], at: 'now' })), headers: {}, partition: 0, offset: '7', timestamp: '1765000000000' }],
    ];
    for (const [what, message] of broken) {
      const violation = violationOf(what === 'an outside sample' ? 'traffic.samples.v1' : 'region.surges.v1', message);
      expect(hasFrames(violation), `${what}: ${violation.stack}`).toBe(false);
      expect(violation.stack).toContain(violation.reason);
    }
    expect(Error.stackTraceLimit).toBeGreaterThan(0);
  });

  it('keeps the stack of an event Holdfast itself builds wrong, a fault of its code, and of an unknown topic', () => {
    const own = (() => {
      try {
        createEvent('surge.started', { ...EventExamples['surge.started'], severity: 'dire' as 'minor' }, { source });
      } catch (error) {
        return error as ContractViolation;
      }
    })();
    expect(own).toBeInstanceOf(ContractViolation);
    expect(hasFrames(own!)).toBe(true);
    expect(hasFrames(violationOf('no.such.topic', wire()))).toBe(true);
  });
});
