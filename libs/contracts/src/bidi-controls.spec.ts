import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BidiSafeText, bidiControlRefusal } from './bidi-controls';

const WHAT_TO_DO = 'remove it: right-to-left text (Persian, Arabic, Hebrew) needs no control characters, and the marks U+200E and U+200F are taken';

describe('bidirectional controls in free text', () => {
  it.each([
    ['Persian', 'انتخابات ریاست‌جمهوری ایران'],
    ['Persian with the marks U+200F and U+200E', '\u200fارتقای پایگاه داده\u200e DB 16'],
    ['Arabic with its letter mark U+061C', 'ترقية\u061c الخادم'],
    ['Hebrew', 'שדרוג מסד הנתונים'],
    ['a closed isolate', 'Upgrade of \u2067ایران\u2069 routers'],
    ['nested closed isolates', '\u2068outer \u2066inner\u2069 \u2067داخلی\u2069\u2069'],
    ['plain text', 'Router upgrade in eu-west'],
  ])('takes %s', (_what, text) => {
    expect(bidiControlRefusal(text)).toBeUndefined();
  });

  it('refuses a title shown as "DB upgrade - approved" that says something else, naming the override and where it is', () => {
    expect(bidiControlRefusal('DB upgrade - \u202edevorppa\u202c')).toBe(`holds U+202E (right-to-left override) at character 14, which shows the text in another order than it is written; ${WHAT_TO_DO}`);
  });

  it.each([
    ['\u202a', 'U+202A (left-to-right embedding)'],
    ['\u202b', 'U+202B (right-to-left embedding)'],
    ['\u202c', 'U+202C (pop directional formatting)'],
    ['\u202d', 'U+202D (left-to-right override)'],
    ['\u202e', 'U+202E (right-to-left override)'],
  ])('refuses %j wherever it is, an isolate around it or not', (control, name) => {
    expect(bidiControlRefusal(`${control}x`)).toMatch(new RegExp(`^holds ${name.replace(/[()+]/g, '\\$&')} at character 1,`));
    expect(bidiControlRefusal(`a \u2067${control}b\u2069`)).toMatch(new RegExp(`^holds ${name.replace(/[()+]/g, '\\$&')} at character 4,`));
  });

  it('refuses an isolate left open, naming the first one no U+2069 closes', () => {
    expect(bidiControlRefusal('ok \u2066a\u2069 \u2067ایران')).toBe(`holds U+2067 (right-to-left isolate) at character 8 that no U+2069 closes, which reorders whatever is shown after the text; ${WHAT_TO_DO}`);
    expect(bidiControlRefusal('\u2068\u2066x\u2069')).toMatch(/^holds U\+2068 \(first strong isolate\) at character 1 that no U\+2069 closes/);
  });

  it('refuses a U+2069 with no isolate open', () => {
    expect(bidiControlRefusal('approved\u2069 \u2066x')).toBe(`holds U+2069 (pop directional isolate) at character 9 with no isolate open for it to close; ${WHAT_TO_DO}`);
  });

  it('counts the position in characters, a character outside the BMP as one', () => {
    expect(bidiControlRefusal('🚧 \u202eok')).toMatch(/ at character 3,/);
  });

  it('refuses in a schema with the field named, and passes the text on as it was', () => {
    const Title = z.strictObject({ title: z.string().max(200).check(BidiSafeText) });
    expect(Title.safeParse({ title: 'x\u202dy' }).error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['title', `holds U+202D (left-to-right override) at character 2, which shows the text in another order than it is written; ${WHAT_TO_DO}`],
    ]);
    expect(Title.parse({ title: '\u200fارتقا\u200f' })).toEqual({ title: '\u200fارتقا\u200f' });
  });
});
