import { describe, expect, it } from 'vitest';
import { jsonBreakIn } from './json-syntax';

/** The position JSON.parse names, where its message names one (counted from 0). */
function parsePosition(text: string): number | undefined {
  try {
    JSON.parse(text);
  } catch (error) {
    const position = /at position (\d+)/.exec((error as Error).message)?.[1];
    return position === undefined ? undefined : Number(position);
  }
  throw new Error(`${text} is JSON`);
}

describe('jsonBreakIn', () => {
  it('finds nothing wrong in JSON', () => {
    for (const text of ['{}', ' [ ] ', '{"a":[1,-2.5e3,true,false,null,"\\u00e9\\n\\""],"b":{}}', '"text"', '0', '\n{\r\n\t"a" : 1 }\n']) expect(jsonBreakIn(text), text).toBeUndefined();
  });

  it('agrees with JSON.parse wherever JSON.parse names a position', () => {
    const broken = ['{"a":1,}', '{"a" 1}', '[1 2]', '{"a":1}x', '{a:1}', '["a\tb"]', '{"a":1,"b":[1,2 }'];
    for (const text of broken) {
      const position = parsePosition(text);
      expect(position, text).toBeDefined();
      expect(jsonBreakIn(text), text).toEqual({ line: 1, column: position! + 1, endsEarly: false });
    }
  });

  it('points at an unexpected token, which JSON.parse only quotes', () => {
    expect(parsePosition('{"bearer":secret}')).toBeUndefined();
    expect(jsonBreakIn('{"bearer":secret}')).toEqual({ line: 1, column: 11, endsEarly: false });
    expect(jsonBreakIn('{\n  "a": 1,\n  "b": tru\n}')).toEqual({ line: 3, column: 8, endsEarly: false });
    expect(jsonBreakIn("{'a':1}")).toEqual({ line: 1, column: 2, endsEarly: false });
    expect(jsonBreakIn('[1,]')).toEqual({ line: 1, column: 4, endsEarly: false });
  });

  it('says a text ends early, and survives brackets nested deeper than any stack', () => {
    expect(jsonBreakIn('{"a":"unclosed')).toEqual({ line: 1, column: 15, endsEarly: true });
    expect(jsonBreakIn('{"a":[1,\n2')).toEqual({ line: 2, column: 2, endsEarly: true });
    expect(jsonBreakIn('[')).toEqual({ line: 1, column: 2, endsEarly: true });
    expect(jsonBreakIn('['.repeat(200_000))).toEqual({ line: 1, column: 200_001, endsEarly: true });
  });
});
