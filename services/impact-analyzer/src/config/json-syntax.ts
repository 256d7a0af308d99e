const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/y;

/** Where a text that is not JSON breaks, as a person finds it in an editor (both counted from 1). */
export interface JsonBreak {
  line: number;
  column: number;
  /** The text stops before its value is complete: an unclosed bracket, brace or quote. */
  endsEarly: boolean;
}

/**
 * Where `text` stops being JSON, or undefined when it is JSON. JSON.parse's own message says it by
 * quoting the text around the fault ("Unexpected token 's', ..."{"bearer":supersecre"..."), which a
 * variable holding credentials must never reach a log with; V8 gives no position for that case.
 * A loop with a stack, not recursion: a variable of thousands of unclosed brackets must not
 * overflow the stack while its error is being described.
 */
export function jsonBreakIn(text: string): JsonBreak | undefined {
  const closers: string[] = [];
  let at = 0;
  let expecting: 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'separator' = 'value';
  const sticky = (pattern: RegExp): boolean => {
    pattern.lastIndex = at;
    if (!pattern.test(text)) return false;
    at = pattern.lastIndex;
    return true;
  };
  // Leaves `at` on the character that ends the string or breaks it.
  const string = (): boolean => {
    if (text[at] !== '"') return false;
    at++;
    while (at < text.length) {
      const char = text[at];
      if (char === '"') {
        at++;
        return true;
      }
      if (char < ' ') return false;
      if (char !== '\\') at++;
      else if (!sticky(ESCAPE)) return false;
    }
    return false;
  };
  const broken = (): JsonBreak => {
    const lineStart = text.lastIndexOf('\n', at - 1) + 1;
    return { line: text.slice(0, lineStart).split('\n').length, column: at - lineStart + 1, endsEarly: at >= text.length };
  };
  for (;;) {
    while (WHITESPACE.has(text[at])) at++;
    const char = text[at];
    if ((expecting === 'value-or-close' || expecting === 'key-or-close') && char === closers.at(-1)) {
      at++;
      closers.pop();
      expecting = 'separator';
    } else if (expecting === 'value' || expecting === 'value-or-close') {
      if (char === '{' || char === '[') {
        at++;
        closers.push(char === '{' ? '}' : ']');
        expecting = char === '{' ? 'key-or-close' : 'value-or-close';
      } else if (string() || sticky(NUMBER) || sticky(LITERAL)) expecting = 'separator';
      else return broken();
    } else if (expecting === 'key' || expecting === 'key-or-close') {
      if (!string()) return broken();
      while (WHITESPACE.has(text[at])) at++;
      if (text[at] !== ':') return broken();
      at++;
      expecting = 'value';
    } else if (closers.length === 0) {
      return at < text.length ? broken() : undefined;
    } else if (char === ',') {
      at++;
      expecting = closers.at(-1) === '}' ? 'key' : 'value';
    } else if (char === closers.at(-1)) {
      at++;
      closers.pop();
    } else return broken();
  }
}
