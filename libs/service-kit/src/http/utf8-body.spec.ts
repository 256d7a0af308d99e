import { describe, expect, it } from 'vitest';
import { INVALID_UTF8, refuseInvalidUtf8 } from './utf8-body';

const refused = (body: Buffer, charset: string | null) => {
  try {
    refuseInvalidUtf8(undefined, undefined, body, charset);
    return undefined;
  } catch (error) {
    return (error as { type?: string }).type;
  }
};

describe('refuseInvalidUtf8', () => {
  it('refuses a body in UTF-8 (declared, or by default) holding bytes that are no UTF-8', () => {
    const latin1 = Buffer.concat([Buffer.from('{"title":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    expect(refused(latin1, 'utf-8')).toBe(INVALID_UTF8);
    expect(refused(latin1, null)).toBe(INVALID_UTF8);
    expect(refused(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'UTF-8')).toBe(INVALID_UTF8);
  });

  it('lets UTF-8 through, U+FFFD written as such included, and leaves other Unicode charsets to the parser', () => {
    expect(refused(Buffer.from('{"title":"Café ü \uFFFD 🙂"}'), 'utf-8')).toBeUndefined();
    expect(refused(Buffer.from('{"title":"x"}', 'utf16le'), 'utf-16le')).toBeUndefined();
  });
});
