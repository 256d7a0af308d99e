import { describe, expect, it } from 'vitest';
import { SHOWN_BODY_BYTES, shownMessage, type ShownMessageRow } from './shown-message';

const NOTHING_KEPT: ShownMessageRow = { message_key: null, source_header: null, body_start: null, body_bytes: null };

/** A row as SHOWN_MESSAGE_COLUMNS reads it: the body's first SHOWN_BODY_BYTES and its whole size. */
const rowWithBody = (body: Buffer, row: Partial<ShownMessageRow> = {}): ShownMessageRow => ({
  ...NOTHING_KEPT,
  body_start: body.subarray(0, SHOWN_BODY_BYTES),
  body_bytes: body.length,
  ...row,
});

describe('what a listing shows of a dead-lettered message', () => {
  it('shows nothing of a letter that kept no message', () => {
    expect(shownMessage(NOTHING_KEPT)).toEqual({ key: null, source: null, body: null, bodyBytes: null, bodyTruncated: false });
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
