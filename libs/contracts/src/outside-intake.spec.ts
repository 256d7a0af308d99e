import { describe, expect, it } from 'vitest';
import { ContractViolation } from './contract-violation.exception';
import { createEvent } from './envelope';
import { EventExamples } from './event-examples';
import { decodeEvent, encodeEvent, type WireMessage } from './kafka-codec';
import { outsideEventId, outsideFormOf, inContractForm } from './outside-intake';

const topic = 'traffic.samples.v1';
const sample = EventExamples['traffic.sample'];
const body = (value: unknown) => Buffer.from(JSON.stringify(value));
const at = { partition: 2, offset: '41', timestamp: String(Date.parse('2026-06-15T14:55:03Z')) };

/** What a pipeline written with a stock CloudEvents SDK sends: the required attributes only, a random UUIDv4 id. */
const binary = (headers: Record<string, string> = {}): WireMessage => ({
  key: 'IR',
  value: body(sample),
  headers: { ce_specversion: '1.0', ce_id: '3b241101-e2bb-4255-8caf-4136c566a962', ce_source: 'https://pipeline.example/edge', ce_type: 'traffic.sample', ...headers },
  ...at,
});

const structured = (envelope: Record<string, unknown> = {}): WireMessage => ({
  key: null,
  value: body({ specversion: '1.0', id: 'edge-7781', source: '/edge/fra1', type: 'traffic.sample', data: sample, ...envelope }),
  headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
  ...at,
});

const bare = (payload: unknown = sample): WireMessage => ({ key: null, value: body(payload), headers: {}, ...at });

const violationOf = (message: WireMessage, on = topic): ContractViolation => {
  try {
    decodeEvent(on, message);
  } catch (error) {
    if (error instanceof ContractViolation) return error;
    throw error;
  }
  throw new Error('expected a ContractViolation');
};

describe('traffic.samples.v1 from outside producers', () => {
  it('accepts CloudEvents binary mode with only the required attributes, and starts a chain under the id it was sent with', () => {
    const event = decodeEvent(topic, binary());
    expect(event).toEqual({
      specversion: '1.0',
      id: outsideEventId({ source: 'https://pipeline.example/edge', id: '3b241101-e2bb-4255-8caf-4136c566a962' }),
      type: 'traffic.sample',
      source: 'https://pipeline.example/edge',
      // No ce_time: the Kafka timestamp is when it happened, as far as anyone can tell.
      time: '2026-06-15T14:55:03.000Z',
      datacontenttype: 'application/json',
      dataschema: 'urn:holdfast:schema:traffic.sample:v1',
      correlationid: '3b241101-e2bb-4255-8caf-4136c566a962',
      data: sample,
    });
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('takes the optional attributes when they are there, converting an offset time to UTC', () => {
    const event = decodeEvent(topic, binary({ ce_time: '2026-06-15T18:25:00+03:30', ce_correlationid: 'deploy-42', ce_subject: 'IR', 'content-type': 'application/json' }));
    expect(event).toMatchObject({ time: '2026-06-15T14:55:00.000Z', correlationid: 'deploy-42', subject: 'IR' });
  });

  it('gives a redelivered message the same id, and the same id from two sources two ids', () => {
    expect(decodeEvent(topic, binary()).id).toBe(decodeEvent(topic, { ...binary(), offset: '99' }).id);
    expect(decodeEvent(topic, binary({ ce_source: '/other' })).id).not.toBe(decodeEvent(topic, binary()).id);
    // Pinned: the ledger holds these ids, so the derivation must never change.
    expect(outsideEventId({ source: '/edge/fra1', id: 'edge-7781' })).toBe('502c3760-6c45-57e8-8c8d-5c4a0c20ac24');
  });

  it('keeps the id of a sample Holdfast produced itself, so its correlation chain is unchanged', () => {
    const own = createEvent('traffic.sample', sample, { source: 'holdfast/impact-analyzer' });
    const { key, value, headers } = encodeEvent(own);
    expect(decodeEvent(topic, { key, value, headers, ...at })).toEqual(own);
  });

  it('accepts structured mode, the whole envelope in the body', () => {
    const event = decodeEvent(topic, structured({ time: '2026-06-15T14:55:00Z' }));
    expect(event).toMatchObject({
      id: outsideEventId({ source: '/edge/fra1', id: 'edge-7781' }),
      source: '/edge/fra1',
      time: '2026-06-15T14:55:00.000Z',
      correlationid: 'edge-7781',
      data: sample,
    });
  });

  it('accepts a bare JSON sample, its type following from the topic and its id from its place in the log', () => {
    const event = decodeEvent(topic, bare());
    expect(event).toMatchObject({ type: 'traffic.sample', source: 'kafka:traffic.samples.v1', time: '2026-06-15T14:55:03.000Z', data: sample });
    expect(event.id).toBe(outsideEventId({ topic, partition: 2, offset: '41' }));
    expect(event.correlationid).toBe(event.id);
    expect(decodeEvent(topic, bare()).id).toBe(event.id);
    expect(decodeEvent(topic, { ...bare(), offset: '42' }).id).not.toBe(event.id);
  });

  it('takes any non-empty id, however long, recorded under a name-based UUID; one too long to trace by starts its chain under that UUID', () => {
    // DESIGN.md section 4: "id: any non-empty string". A producer's own scheme may well pass 200 characters (a URL, a path of ids).
    const long = `https://pipeline.example/edge/fra1/batches/${'7f3a9c'.repeat(35)}`;
    expect(long.length).toBe(253);
    for (const message of [binary({ ce_id: long }), structured({ id: long })]) {
      const event = decodeEvent(topic, message);
      const source = message.headers.ce_source ?? '/edge/fra1';
      expect(event.id).toBe(outsideEventId({ source: String(source), id: long }));
      expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // The chain the sample starts runs into Holdfast's own events (a surge's correlationid), whose trace ids are at most 200 characters.
      expect(event.correlationid).toBe(event.id);
    }
    // An id that fits still starts the chain under itself, as the producer knows it.
    expect(decodeEvent(topic, binary({ ce_id: 'x'.repeat(200) })).correlationid).toBe('x'.repeat(200));
  });

  it("takes an outside producer's own dataschema, whatever URI it is; Holdfast's schema ids must still be the version this build reads", () => {
    for (const dataschema of ['http://example.com/schema', 'https://schemas.example/edge/sample.v3.json', 'urn:example:edge-sample:2']) {
      expect(decodeEvent(topic, binary({ ce_dataschema: dataschema })), dataschema).toEqual(decodeEvent(topic, binary()));
      expect(decodeEvent(topic, structured({ dataschema })), dataschema).toEqual(decodeEvent(topic, structured()));
    }
    expect(violationOf(structured({ dataschema: 'urn:holdfast:schema:traffic.sample:v2' }))).toMatchObject({
      code: 'schema-mismatch',
      reason: 'event attribute dataschema "urn:holdfast:schema:traffic.sample:v2" does not match traffic.sample: this build reads "urn:holdfast:schema:traffic.sample:v1"',
    });
    // The payload is held to Holdfast's own schema whatever the producer's dataschema says.
    expect(violationOf({ ...binary({ ce_dataschema: 'http://example.com/schema' }), value: body({ ...sample, value: -1 }) }).code).toBe('invalid-payload');
  });

  it('refuses a binary-mode event without a required attribute, naming it', () => {
    const message = binary();
    delete message.headers.ce_source;
    expect(violationOf(message)).toMatchObject({ code: 'missing-header', reason: 'header ce_source: is required but missing' });
    expect(violationOf(binary({ ce_specversion: '0.3' })).reason).toMatch(/^header ce_specversion: /);
    expect(violationOf(binary({ ce_id: '' })).reason).toBe('header ce_id: must not be empty');
  });

  it('reads a header sent with a null value (Kafka allows one) as absent: refused for a contract reason, never a crash', () => {
    const nulled = (message: WireMessage, headers: Record<string, null>) => ({ ...message, headers: { ...message.headers, ...headers } as unknown as WireMessage['headers'] });
    expect(decodeEvent(topic, nulled(bare(), { 'content-type': null, 'x-tenant': null })).data).toEqual(sample);
    expect(decodeEvent(topic, nulled(binary(), { 'x-tenant': null })).data).toEqual(sample);
    // Twice: the second message meets the header reader's remembered bytes.
    for (const round of [1, 2]) expect(violationOf(nulled(binary(), { ce_source: null })), `round ${round}`).toMatchObject({ code: 'missing-header', reason: 'header ce_source: is required but missing' });
  });

  it('refuses another event type, another schema version, a non-JSON content type and a bad time', () => {
    expect(violationOf(binary({ ce_type: 'surge.started' }))).toMatchObject({ code: 'wrong-topic', reason: expect.stringMatching(/^header ce_type "surge.started" does not travel on topic traffic.samples.v1/) });
    expect(violationOf(binary({ ce_type: 'traffic.sampled' }))).toMatchObject({ code: 'unknown-event-type', reason: 'header ce_type "traffic.sampled" is not a Holdfast event type' });
    expect(violationOf(binary({ ce_dataschema: 'urn:holdfast:schema:traffic.sample:v2' })).code).toBe('schema-mismatch');
    expect(violationOf(binary({ 'content-type': 'application/avro' })).reason).toBe('header content-type: must be a JSON media type such as application/json (or one ending in +json)');
    expect(violationOf(binary({ ce_time: 'yesterday' })).reason).toBe(
      'header ce_time: must be an RFC 3339 (ISO 8601) instant in UTC (Z) or with an offset, such as 2026-06-14T21:00:00Z or 2026-06-15T00:30:00+03:30',
    );
  });

  it("reads a structured-mode attribute set to null as unset, as CloudEvents' JSON format requires, and keeps a null data as the payload", () => {
    // The JSON format's own examples carry "subject": null and "time": null; SDKs write unset attributes that way.
    const unset = { subject: null, time: null, datacontenttype: null, dataschema: null, correlationid: null, causationid: null, data_base64: null, unsetextension: null };
    expect(decodeEvent(topic, structured(unset))).toEqual(decodeEvent(topic, structured()));
    expect(violationOf(structured({ source: null }))).toMatchObject({ code: 'invalid-envelope', reason: 'event attribute source: is required but missing' });
    expect(violationOf(structured({ data: null }))).toMatchObject({ code: 'invalid-payload', reason: 'traffic.sample payload: must be an object' });
  });

  it('takes every media type CloudEvents reads as JSON (*/json, */*+json), with parameters, and refuses others', () => {
    for (const type of ['application/vnd.example.sample+json', 'text/json', 'application/problem+json; charset=utf-8', 'Application/JSON']) {
      expect(decodeEvent(topic, binary({ 'content-type': type })).data, type).toEqual(sample);
      expect(decodeEvent(topic, structured({ datacontenttype: type })).data, type).toEqual(sample);
    }
    for (const type of ['application/avro', 'application/jsonl', 'application/json-seq', 'application/x-json+xml']) {
      expect(violationOf(binary({ 'content-type': type })).reason, type).toBe('header content-type: must be a JSON media type such as application/json (or one ending in +json)');
      expect(violationOf(structured({ datacontenttype: type })).reason, type).toBe('event attribute datacontenttype: must be a JSON media type such as application/json (or one ending in +json)');
    }
  });

  it('refuses a time in year 0000, or whose offset carries it outside the years 0001-9999 in UTC, which no instant Holdfast keeps can spell', () => {
    const reason = 'header ce_time: must fall within the years 0001-9999 once converted to UTC';
    expect(violationOf(binary({ ce_time: '0001-01-01T00:30:00+01:00' }))).toMatchObject({ code: 'invalid-header', reason });
    expect(violationOf(binary({ ce_time: '0000-06-01T00:00:00Z' }))).toMatchObject({ code: 'invalid-header', reason });
    expect(violationOf(binary({ ce_time: '9999-12-31T23:30:00-01:00' }))).toMatchObject({ code: 'invalid-header', reason });
    expect(violationOf(structured({ time: '9999-12-31T23:30:00-01:00' })).reason).toBe('event attribute time: must fall within the years 0001-9999 once converted to UTC');
    expect(decodeEvent(topic, binary({ ce_time: '0001-01-01T01:00:00+01:00' })).time).toBe('0001-01-01T00:00:00.000Z');
    expect(decodeEvent(topic, binary({ ce_time: '0000-12-31T23:30:00-01:00' })).time).toBe('0001-01-01T00:30:00.000Z');
    expect(decodeEvent(topic, binary({ ce_time: '9999-12-31T22:59:59.999-01:00' })).time).toBe('9999-12-31T23:59:59.999Z');
    expect(violationOf(bare({ ...sample, at: '9999-12-31T23:30:00-01:00' })).code).toBe('invalid-payload');
    expect(violationOf(bare({ ...sample, at: '0000-06-01T00:00:00Z' }))).toMatchObject({ code: 'invalid-payload', reason: 'traffic.sample payload field at: must fall within the years 0001-9999 once converted to UTC' });
  });

  it('refuses a structured event without data, with data_base64, or whose body is not an envelope', () => {
    expect(violationOf(structured({ data: undefined }))).toMatchObject({ code: 'invalid-envelope', reason: 'event attribute data: is required but missing' });
    expect(violationOf(structured({ data_base64: 'AAAA' })).reason).toMatch(/event attribute data_base64: is not accepted: send the sample as JSON in "data"/);
    expect(violationOf({ ...structured(), value: body([sample]) }).reason).toMatch(/structured-mode body must be a JSON object/);
    expect(violationOf(structured({ specversion: undefined })).reason).toBe('event attribute specversion: is required but missing');
  });

  it('still validates the payload, in every form', () => {
    const broken = { ...sample, region: 'Iran' };
    expect(violationOf({ ...binary(), value: body(broken) })).toMatchObject({ code: 'invalid-payload', reason: expect.stringMatching(/^traffic.sample payload field region: /) });
    expect(violationOf(structured({ data: broken })).code).toBe('invalid-payload');
    expect(violationOf(bare(broken)).code).toBe('invalid-payload');
    expect(violationOf({ ...bare(), value: Buffer.from('region=IR value=3') })).toMatchObject({ code: 'invalid-body', reason: expect.stringMatching(/^message body is not JSON/) });
  });

  it('says a structured-mode event sent without its content type needs the header, rather than listing the sample fields it lacks', () => {
    expect(violationOf({ ...structured(), headers: {} })).toMatchObject({ code: 'invalid-envelope', reason: expect.stringMatching(/^the body is a CloudEvents structured-mode event \(specversion, data\), but the message has no content-type: application\/cloudevents\+json header/) });
  });

  it('gives one reason for a field of the wrong type, not a length bound that only fits the type sent', () => {
    expect(violationOf(bare({ ...sample, source: [] })).reason).toBe('traffic.sample payload field source: must be text');
    expect(violationOf(bare({ ...sample, source: [], region: 'Iran' })).reason).toBe(
      'traffic.sample payload field region: must be an ISO 3166-1 alpha-2 code (IR) or a custom lower-case code of 3-32 characters (eu-west); traffic.sample payload field source: must be text',
    );
    expect(violationOf(binary({ ce_id: '' })).reason).toBe('header ce_id: must not be empty');
  });

  it('tells the forms apart message by message as kafkajs hands them over, content types alternating', () => {
    const asKafka = (message: WireMessage): WireMessage['headers'] =>
      Object.fromEntries(Object.entries(message.headers).map(([name, text]) => [name, Buffer.from(text as string)]));
    const sequence = [structured(), binary({ 'content-type': 'application/json' }), structured(), bare(), binary(), structured()];
    expect(sequence.map((message) => outsideFormOf(asKafka(message)))).toStrictEqual(['structured', 'binary', 'structured', 'bare', 'binary', 'structured']);
    // A fetch buffer is reused for the next response: the answer kept for these bytes must not follow them.
    const reused = asKafka(structured());
    expect(outsideFormOf(reused)).toBe('structured');
    (reused['content-type'] as Buffer).write('application/json; charset=utf-8             ');
    expect(outsideFormOf(reused)).toBe('bare');
  });

  it("converts a sample's time written with an offset to UTC, in every form, and still refuses one without any", () => {
    // Python's datetime.now(timezone.utc).isoformat(), and a producer writing Tehran's local time.
    const python = { ...sample, at: '2026-06-15T14:55:00.123456+00:00' };
    const tehran = { ...sample, at: '2026-06-15T18:25:00+03:30' };
    for (const message of [{ ...binary(), value: body(python) }, structured({ data: python }), bare(python)]) {
      expect(decodeEvent(topic, message).data).toEqual({ ...sample, at: '2026-06-15T14:55:00.123Z' });
    }
    expect(decodeEvent(topic, bare(tehran)).data.at).toBe('2026-06-15T14:55:00.000Z');
    // A time in UTC is kept as it was written.
    expect(decodeEvent(topic, bare()).data.at).toBe(sample.at);
    expect(violationOf(bare({ ...sample, at: '2026-06-15T14:55:00' }))).toMatchObject({
      code: 'invalid-payload',
      reason: 'traffic.sample payload field at: must be an instant, and 2026-06-15T14:55:00 has no offset, so it names none: write it in UTC (2026-06-15T14:55:00Z)',
    });
    expect(violationOf(bare({ ...sample, at: '2026-06-15T14:55:00+0330' })).code).toBe('invalid-payload');
    expect(violationOf(bare({ ...sample, at: '2026-02-30T14:55:00+03:30' })).code).toBe('invalid-payload');
  });

  it("refuses a sample's bad time saying what may be sent, in every form: UTC or an offset, not the contract's Z alone", () => {
    const reason = 'traffic.sample payload field at: must be an RFC 3339 (ISO 8601) instant in UTC (Z) or with an offset, such as 2026-06-14T21:00:00Z or 2026-06-15T00:30:00+03:30';
    for (const at of ['yesterday', '2026-06-15T14:55:00+0330', '2026-02-30T14:55:00+03:30', '2026-06-15 14:55:00Z', 1781535300]) {
      const broken = { ...sample, at };
      for (const message of [{ ...binary(), value: body(broken) }, structured({ data: broken }), bare(broken)]) {
        expect(violationOf(message), String(at)).toMatchObject({ code: 'invalid-payload', reason });
      }
    }
    // Each field still named, a region in lower case no longer called wrong for its case, and an unknown field dropped, not refused.
    expect(violationOf(bare({ ...sample, at: 'yesterday', value: -1, region: 'Iran', pipeline: 'edge' })).reason).toBe(
      [
        'traffic.sample payload field region: must be an ISO 3166-1 alpha-2 code (IR) or a custom lower-case code of 3-32 characters (eu-west)',
        reason,
        'traffic.sample payload field value: must be a finite number >= 0',
      ].join('; '),
    );
    const { at: _at, ...missing } = sample;
    expect(violationOf(bare(missing)).reason).toBe('traffic.sample payload field at: is required but missing');
  });

  it("takes a sample's time with a lower-case t or z, as RFC 3339 allows, in every form, kept as its upper-case spelling would be", () => {
    const cases: [string, string][] = [
      ['2009-06-12t20:30:00z', '2009-06-12T20:30:00Z'],
      ['2009-06-12T20:30:00z', '2009-06-12T20:30:00Z'],
      ['2009-06-12t20:30:00.25Z', '2009-06-12T20:30:00.25Z'],
      ['2009-06-13t01:00:00+04:30', '2009-06-12T20:30:00.000Z'],
    ];
    for (const [at, kept] of cases) {
      const written = { ...sample, at };
      for (const message of [{ ...binary(), value: body(written) }, structured({ data: written }), bare(written)]) {
        expect(decodeEvent(topic, message).data.at, at).toBe(kept);
      }
      // As the same time in upper case is kept.
      expect(decodeEvent(topic, bare({ ...sample, at: at.toUpperCase() })).data.at).toBe(kept);
    }
    expect(decodeEvent(topic, binary({ ce_time: '2009-06-13t01:00:00+04:30' })).time).toBe('2009-06-12T20:30:00.000Z');
    expect(decodeEvent(topic, structured({ time: '2009-06-12t20:30:00z' })).time).toBe('2009-06-12T20:30:00.000Z');
    // The events Holdfast produces keep the contract's form, T and Z in upper case.
    expect(() => createEvent('traffic.sample', { ...sample, at: '2009-06-12t20:30:00z' }, { source: 'holdfast/impact-analyzer' })).toThrow(
      'traffic.sample payload field at: must be an ISO-8601 UTC instant ending in Z, such as 2026-06-14T21:00:00Z',
    );
  });

  it("takes a sample's country code in lower or mixed case as the country, in every form, and leaves custom codes and a wrong key alone", () => {
    for (const region of ['ir', 'Ir', 'iR']) {
      for (const message of [{ ...binary(), key: null, value: body({ ...sample, region }) }, structured({ data: { ...sample, region } }), bare({ ...sample, region })]) {
        expect(decodeEvent(topic, message).data.region).toBe('IR');
      }
    }
    expect(decodeEvent(topic, { ...binary(), value: body({ ...sample, region: 'ir' }) }).data.region).toBe('IR');
    // The key decides the partition, and so the order of a region's samples: it must be the region as the contract writes it.
    expect(violationOf({ ...binary(), key: 'ir', value: body({ ...sample, region: 'ir' }) })).toMatchObject({ code: 'wrong-key', reason: expect.stringContaining('needs "IR"') });
    expect(decodeEvent(topic, bare({ ...sample, region: 'eu-west' })).data.region).toBe('eu-west');
    expect(violationOf(bare({ ...sample, region: 'EU-WEST' })).code).toBe('invalid-payload');
    const window = { regions: ['ir'] };
    expect(inContractForm('window.scheduled', window)).toBe(window);
  });

  it('leaves the instants of events other than samples, and anything not an object, to validation', () => {
    const window = { startsAt: '2026-06-15T18:25:00+03:30' };
    expect(inContractForm('window.scheduled', window)).toBe(window);
    expect(inContractForm('traffic.sample', [sample])).toEqual([sample]);
    expect(inContractForm('traffic.sample', null)).toBeNull();
    const inUtc = { ...sample };
    expect(inContractForm('traffic.sample', inUtc)).toBe(inUtc);
  });

  it('accepts a missing key but refuses a wrong one, which would break per-region order', () => {
    expect(decodeEvent(topic, { ...binary(), key: null }).data.region).toBe('IR');
    expect(violationOf({ ...binary(), key: 'DE' })).toMatchObject({ code: 'wrong-key', reason: 'message key "DE" is wrong: traffic.samples.v1 is keyed by region, so this traffic.sample event needs "IR"' });
  });

  it('stays strict on every topic Holdfast alone produces', () => {
    const surge = createEvent('surge.started', EventExamples['surge.started'], { source: 'holdfast/test' });
    const { key, value, headers } = encodeEvent(surge);
    const { ce_dataschema: _schema, ce_correlationid: _correlation, ...required } = headers;
    expect(violationOf({ key, value, headers: required }, 'region.surges.v1').code).toBe('missing-header');
    expect(violationOf({ key, value, headers: { ...headers, ce_id: '3b241101-e2bb-4255-8caf-4136c566a962' } }, 'region.surges.v1').reason).toBe('header ce_id: must be a UUIDv7');
    expect(violationOf({ key, value: body(surge.data), headers: {} }, 'region.surges.v1').code).toBe('missing-header');
  });
});
