import { Topics } from '@holdfast/contracts';
import { describe, expect, it } from 'vitest';
import { SHOWN_BODY_BYTES, shownMessage, type ShownLetterRow } from './shown-message';

// On a topic only Holdfast writes, a message names its producer in CloudEvents attributes or not at all.
const NOTHING_KEPT: ShownLetterRow = {
  topic: Topics.regionSurges,
  event_id: null,
  message_key: null,
  source_header: null,
  content_type_header: null,
  cloud_events_headers: false,
  body_start: null,
  body_bytes: null,
};

/** A row as SHOWN_MESSAGE_COLUMNS reads it: the body's first SHOWN_BODY_BYTES and its whole size. */
const rowWithBody = (body: Buffer, row: Partial<ShownLetterRow> = {}): ShownLetterRow => ({
  ...NOTHING_KEPT,
  body_start: body.subarray(0, SHOWN_BODY_BYTES),
  body_bytes: body.length,
  ...row,
});

describe('what a listing shows of a dead-lettered message', () => {
  it('shows nothing of a letter that kept no message', () => {
    expect(shownMessage(NOTHING_KEPT)).toEqual({ eventId: null, key: null, source: null, body: null, bodyBytes: null, bodyTruncated: false });
  });

  it('shows a key and body that are UTF-8 as text, and ones that are not, or hold NUL, in base64', () => {
    expect(shownMessage(rowWithBody(Buffer.from('{"region":"IR"}'), { message_key: Buffer.from('IR') }))).toMatchObject({ key: 'IR', body: '{"region":"IR"}', bodyBytes: 15 });
    const avro = Buffer.from([0x00, 0x02, 0xc3, 0x28]);
    expect(shownMessage(rowWithBody(avro, { message_key: Buffer.from('acme\0eu') }))).toMatchObject({
      key: { base64: Buffer.from('acme\0eu').toString('base64') },
      body: { base64: avro.toString('base64') },
      bodyTruncated: false,
    });
  });

  it("names the producer by the ce_source header kept, the first of a repeated one, as the message's reader did", () => {
    expect(shownMessage({ ...NOTHING_KEPT, source_header: 'edge-collector-7' }).source).toBe('edge-collector-7');
    expect(shownMessage({ ...NOTHING_KEPT, source_header: [{ base64: 'gA==' }, 'second'] }).source).toEqual({ base64: 'gA==' });
  });

  describe('a CloudEvents structured-mode message, whose body names it', () => {
    const STRUCTURED = 'application/cloudevents+json; charset=utf-8';
    const HEADERS = { event_id: 'header-id', source_header: 'header-source' };
    const event = (attributes: Record<string, unknown>) => Buffer.from(JSON.stringify({ specversion: '1.0', type: 'traffic.sample', ...attributes }));

    it('is named by the id and source in its body, as its reader read them, whatever it was refused for', () => {
      expect(shownMessage(rowWithBody(event({ id: 'b64', source: 'rv-src', data_base64: 'e30=' }), { content_type_header: 'application/cloudevents+json' }))).toMatchObject({
        eventId: 'b64',
        source: 'rv-src',
      });
      expect(shownMessage(rowWithBody(event({ id: 'lots', source: 'rv-src', data: { value: 'lots' } }), { ...HEADERS, content_type_header: [STRUCTURED, 'application/json'] }))).toMatchObject({
        eventId: 'lots',
        source: 'rv-src',
      });
      // Shown as any bytes are: text unless it holds NUL.
      expect(shownMessage(rowWithBody(event({ id: 'nul', source: 'rv\0src' }), { content_type_header: { base64: Buffer.from(STRUCTURED).toString('base64') } })).source).toEqual({
        base64: Buffer.from('rv\0src').toString('base64'),
      });
    });

    it.each([
      ['a body in another content type', 'application/json', event({ id: 'b64', source: 'rv-src' })],
      ['a batch, which the intake does not read', 'application/cloudevents-batch+json', Buffer.from(JSON.stringify([{ id: 'b64', source: 'rv-src' }]))],
      ['a repeated content-type whose first is not structured mode', ['application/json', STRUCTURED], event({ id: 'b64', source: 'rv-src' })],
      ['a body that is not JSON', STRUCTURED, Buffer.from('{"id":"b64","source":"rv-src"')],
      ['a body that is JSON but no object', STRUCTURED, Buffer.from('null')],
      ['an id and source that are not text', STRUCTURED, event({ id: 7, source: null })],
      ['a body that is not UTF-8', STRUCTURED, Buffer.concat([event({ id: 'b64', source: 'rv-src' }), Buffer.from([0xff])])],
      // Its cut would parse, as the event followed by spaces: the listing parses no body it shows only the start of.
      [`a body over ${SHOWN_BODY_BYTES} bytes`, STRUCTURED, Buffer.concat([event({ id: 'b64', source: 'rv-src' }), Buffer.alloc(SHOWN_BODY_BYTES, ' ')])],
    ])('keeps the ce_id and ce_source headers, if any, for %s', (_case, contentType, body) => {
      expect(shownMessage(rowWithBody(body, { content_type_header: contentType }))).toMatchObject({ eventId: null, source: null });
      expect(shownMessage(rowWithBody(body, { ...HEADERS, content_type_header: contentType }))).toMatchObject({ eventId: 'header-id', source: 'header-source' });
    });
  });

  describe('a bare message on a topic outside pipelines write, which names no CloudEvents source', () => {
    const bare = (body: Buffer | string, row: Partial<ShownLetterRow> = {}) => shownMessage(rowWithBody(Buffer.from(body), { topic: Topics.trafficSamples, ...row }));
    const sample = { region: 'ZZ', metric: 'requests', at: '2026-06-14T21:00:00Z', value: 1 };

    it("is named by the sample's own source, as sent", () => {
      expect(bare(JSON.stringify({ ...sample, source: 'sre-bad1-unknownregion' })).source).toBe('sre-bad1-unknownregion');
      // Whatever else is wrong with it: a wrong key, an unknown field, a content-type that is plain JSON.
      expect(bare(JSON.stringify({ ...sample, source: 'edge-7', host: 'web-1' }), { message_key: Buffer.from('ir'), content_type_header: 'application/json' }).source).toBe('edge-7');
      expect(bare(JSON.stringify({ ...sample, source: 'rv\u0000src' })).source).toEqual({ base64: Buffer.from('rv\0src').toString('base64') });
    });

    it.each([
      ['a body that is not JSON', '{"region":"ZZ","source":"edge-7"'],
      ['a body that is JSON but no object', '["edge-7"]'],
      ['a sample with no source', JSON.stringify(sample)],
      ['a source that is not text', JSON.stringify({ ...sample, source: 7 })],
      ['an empty source', JSON.stringify({ ...sample, source: '' })],
      ['an empty body', ''],
      [`a body over ${SHOWN_BODY_BYTES} bytes, which the listing does not parse`, JSON.stringify({ ...sample, source: 'edge-7', pad: ' '.repeat(SHOWN_BODY_BYTES) })],
    ])('is named kafka:<topic>, as libs/contracts names a bare sample, for %s', (_case, body) => {
      expect(bare(body).source).toBe('kafka:traffic.samples.v1');
    });

    it('keeps a ce_source header when there is one, and names none where no message was kept', () => {
      expect(bare(JSON.stringify({ ...sample, source: 'edge-7' }), { source_header: 'sre-pipeline' }).source).toBe('sre-pipeline');
      expect(shownMessage({ ...NOTHING_KEPT, topic: Topics.trafficSamples }).source).toBeNull();
    });
  });

  describe('a CloudEvents binary-mode message, which names its producer in ce_source alone', () => {
    const binary = (body: string, row: Partial<ShownLetterRow> = {}) => shownMessage(rowWithBody(Buffer.from(body), { topic: Topics.trafficSamples, cloud_events_headers: true, ...row }));
    const sample = JSON.stringify({ region: 'ZZ', metric: 'requests', at: '2026-06-14T21:00:00Z', value: 1, source: 'edge-7' });

    it("names none when ce_source is missing, rather than the sample's own source as if it were the CloudEvents source", () => {
      expect(binary(sample).source).toBeNull();
      expect(binary(sample, { content_type_header: 'application/json' }).source).toBeNull();
    });

    it('is named by its ce_source header when there is one', () => {
      expect(binary(sample, { source_header: 'sre-pipeline' }).source).toBe('sre-pipeline');
    });
  });

  it(`shows a body of ${SHOWN_BODY_BYTES} bytes whole, and a longer one cut, giving its size`, () => {
    const whole = Buffer.alloc(SHOWN_BODY_BYTES, 'a');
    expect(shownMessage(rowWithBody(whole))).toMatchObject({ body: whole.toString(), bodyBytes: SHOWN_BODY_BYTES, bodyTruncated: false });
    const longer = Buffer.alloc(SHOWN_BODY_BYTES + 1, 'a');
    expect(shownMessage(rowWithBody(longer))).toMatchObject({ body: 'a'.repeat(SHOWN_BODY_BYTES), bodyBytes: SHOWN_BODY_BYTES + 1, bodyTruncated: true });
  });

  it.each([
    ['two', 'é'],
    ['three', '€'],
    ['four', '😀'],
  ])('leaves out a %s-byte character the cut would split, so a long text body still reads as text', (_bytes, character) => {
    for (let before = SHOWN_BODY_BYTES - 3; before < SHOWN_BODY_BYTES; before++) {
      const body = Buffer.from(`${'a'.repeat(before)}${character.repeat(10)}`);
      const shown = shownMessage(rowWithBody(body)).body;
      expect(typeof shown).toBe('string');
      expect(body.toString().startsWith(shown as string)).toBe(true);
      expect(Buffer.byteLength(shown as string)).toBeGreaterThan(SHOWN_BODY_BYTES - Buffer.byteLength(character));
    }
  });

  it('shows the start of a long body that is not text in base64, all of it', () => {
    const binary = Buffer.alloc(SHOWN_BODY_BYTES * 2, 0xff);
    expect(shownMessage(rowWithBody(binary))).toMatchObject({ body: { base64: binary.subarray(0, SHOWN_BODY_BYTES).toString('base64') }, bodyTruncated: true });
  });
});
