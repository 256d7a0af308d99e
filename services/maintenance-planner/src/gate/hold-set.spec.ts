import { describe, expect, it } from 'vitest';
import { type ActiveHold, HoldSet } from './hold-set';

const us = (iso: string) => Date.parse(iso) * 1000;

function active(id: string, regions: string[], from: string, until: string | null): ActiveHold {
  return { hold: { id, regions, reason: `reason ${id}`, source: 'manual', from, until }, fromUs: us(from), untilUs: until === null ? null : us(until) };
}

// In listing order, as the statement sends them: soonest end first, open-ended last.
const set = new HoldSet('7', [
  active('a', ['IR'], '2026-06-14T21:00:00.000Z', '2026-06-15T03:00:00.000Z'),
  active('b', ['IR', 'NP'], '2026-06-14T22:00:00.000Z', '2026-06-15T05:00:00.000Z'),
  active('c', ['DE'], '2026-06-14T20:00:00.000Z', '2026-06-16T00:00:00.000Z'),
  active('d', ['NP'], '2026-06-15T00:00:00.000Z', null),
]);
const ids = (holding: { holds: { id: string }[] }) => holding.holds.map((hold) => hold.id);

describe('the holds the gate keeps', () => {
  it('holds from `from` up to, not at, `until`, as the statement compares them', () => {
    expect(ids(set.holding(['IR'], us('2026-06-14T20:59:59.999Z'), null))).toEqual([]);
    expect(ids(set.holding(['IR'], us('2026-06-14T21:00:00.000Z'), null))).toEqual(['a']);
    expect(ids(set.holding(['IR'], us('2026-06-15T03:00:00.000Z'), null))).toEqual(['b']);
    expect(ids(set.holding(['IR'], us('2026-06-15T05:00:00.000Z'), null))).toEqual([]);
  });

  it('lists a hold on several of the regions asked once, in listing order, and every hold for a global footprint', () => {
    const at = us('2026-06-15T01:00:00.000Z');
    expect(ids(set.holding(['NP', 'IR'], at, null))).toEqual(['a', 'b', 'd']);
    expect(ids(set.holding(null, at, null))).toEqual(['a', 'b', 'c', 'd']);
    expect(ids(set.holding(['US'], at, null))).toEqual([]);
  });

  it('leaves out the holds the window was let through, and says whether one is open-ended and when the last ends', () => {
    const at = us('2026-06-15T01:00:00.000Z');
    expect(set.holding(['IR', 'NP'], at, ['d'])).toEqual({ holds: [expect.objectContaining({ id: 'a' }), expect.objectContaining({ id: 'b' })], openEnded: false, latestUntilUs: us('2026-06-15T05:00:00.000Z') });
    expect(set.holding(['NP'], at, null)).toMatchObject({ openEnded: true, latestUntilUs: us('2026-06-15T05:00:00.000Z') });
    expect(set.holding(['NP'], at, ['b'])).toMatchObject({ openEnded: true, latestUntilUs: null });
  });
});
