import { z } from 'zod';

/**
 * Unicode's bidirectional controls that change the order text is shown in (Trojan Source,
 * CVE-2021-42574): a title can be shown as "DB upgrade - approved" on the week page, in an ICS
 * feed, a Slack message or a webhook while its characters say something else. The
 * embeddings and overrides (and their pop) have no use in a title or a reason that plain
 * right-to-left text does not cover; an isolate is harmless once closed, so only an unbalanced one
 * is refused. The marks U+200E, U+200F and U+061C stay: they reorder nothing beyond themselves.
 */
const CONTROL_NAMES: Record<string, string> = {
  '\u202a': 'left-to-right embedding',
  '\u202b': 'right-to-left embedding',
  '\u202c': 'pop directional formatting',
  '\u202d': 'left-to-right override',
  '\u202e': 'right-to-left override',
  '\u2066': 'left-to-right isolate',
  '\u2067': 'right-to-left isolate',
  '\u2068': 'first strong isolate',
  '\u2069': 'pop directional isolate',
};

const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;
const EVERY_BIDI_CONTROL = new RegExp(BIDI_CONTROL.source, 'g');
const POP_ISOLATE = '\u2069';
const WHAT_TO_DO = 'remove it: right-to-left text (Persian, Arabic, Hebrew) needs no control characters, and the marks U+200E and U+200F are taken';

const named = (control: string): string => `U+${control.codePointAt(0)!.toString(16).toUpperCase()} (${CONTROL_NAMES[control]})`;

/**
 * Why free text a person gives (a title, a reason, a description) could be shown as something it
 * does not say, naming the first control at fault and its position (counted in characters from 1),
 * or undefined. Left-to-right and right-to-left text, Persian and Arabic included, passes.
 */
export function bidiControlRefusal(text: string): string | undefined {
  // One scan for the common case, text with no control at all.
  if (!BIDI_CONTROL.test(text)) return undefined;
  const openIsolates: number[] = [];
  let position = 0;
  for (const character of text) {
    position++;
    if (!(character in CONTROL_NAMES)) continue;
    if (character >= '\u2066' && character < POP_ISOLATE) openIsolates.push(position);
    else if (character !== POP_ISOLATE) return `holds ${named(character)} at character ${position}, which shows the text in another order than it is written; ${WHAT_TO_DO}`;
    else if (openIsolates.pop() === undefined) return `holds ${named(character)} at character ${position} with no isolate open for it to close; ${WHAT_TO_DO}`;
  }
  if (openIsolates.length === 0) return undefined;
  const unclosed = openIsolates[0];
  return `holds ${named([...text][unclosed - 1])} at character ${unclosed} that no U+2069 closes, which reorders whatever is shown after the text; ${WHAT_TO_DO}`;
}

/**
 * The text without its embeddings, overrides and isolates (the marks and every letter kept), for text
 * Holdfast must take as it comes but shows to people: refusing an alert for its annotations would
 * lose its hold.
 */
export const withoutBidiControls = (text: string): string => text.replace(EVERY_BIDI_CONTROL, '');

/**
 * The check every free-text request field carries (`z.string().max(200).check(BidiSafeText)`):
 * refused at the HTTP edge, naming the field, the character and its position. Event schemas do not
 * carry it: text recorded before it was added must still decode.
 */
export const BidiSafeText = z.refine<string>((text) => bidiControlRefusal(text) === undefined, { error: (issue) => bidiControlRefusal(String(issue.input)) });
