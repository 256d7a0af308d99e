import { describe, expect, it } from 'vitest';
import { type ActiveHold, HoldSet } from './hold-set';

const us = (iso: string) => Date.parse(iso) * 1000;
// HOLD_COOLDOWN_MINUTES' default, 30.
const COOL_DOWN_US = 30 * 60 * 1_000_000;

function active(id: string, regions: string[], from: string, until: string | null): ActiveHold {
  return { id, regions, reason: `reason ${id}`, source: 'manual', fromUs: us(from), untilUs: until === null ? null : us(until), releaseDueUs: null };
}

// In listing order, as the statement sends them: soonest end first, open-ended last.
const set = new HoldSet('7', [
  active('a', ['IR'], '2026-06-14T21:00:00.000Z', '2026-06-15T03:00:00.000Z'),
  active('b', ['IR', 'NP'], '2026-06-14T22:00:00.000Z', '2026-06-15T05:00:00.000Z'),
  active('c', ['DE'], '2026-06-14T20:00:00.000Z', '2026-06-16T00:00:00.000Z'),
  active('d', ['NP'], '2026-06-15T00:00:00.000Z', null),
], COOL_DOWN_US);
const ids = (holding: { listed: { id: string }[] }) => holding.listed.map((hold) => hold.id);
const ALL = 1_000;

describe('the holds the gate keeps', () => {
  it('holds from `from` up to, not at, `until`, as the statement compares them', () => {
    expect(ids(set.holding(['IR'], us('2026-06-14T20:59:59.999Z'), null, ALL))).toEqual([]);
    expect(ids(set.holding(['IR'], us('2026-06-14T21:00:00.000Z'), null, ALL))).toEqual(['a']);
    expect(ids(set.holding(['IR'], us('2026-06-15T03:00:00.000Z'), null, ALL))).toEqual(['b']);
    expect(ids(set.holding(['IR'], us('2026-06-15T05:00:00.000Z'), null, ALL))).toEqual([]);
  });

  it("keeps a surge's hold in force past its expected end until it is released, and asks again after the next end still ahead", () => {
    const surges = new HoldSet('8', [
      { ...active('m', ['IR'], '2026-06-14T21:00:00.000Z', '2026-06-15T03:00:00.000Z') },
      { ...active('s', ['IR'], '2026-06-14T21:00:00.000Z', '2026-06-15T02:00:00.000Z'), source: 'detector' },
    ], COOL_DOWN_US);
    expect(surges.holding(['IR'], us('2026-06-15T01:00:00.000Z'), null, ALL)).toMatchObject({ count: 2, latestUntilUs: us('2026-06-15T03:00:00.000Z') });
    // The surge outlasted its estimate: still in force; the manual hold's end is the next to wait for.
    expect(surges.holding(['IR'], us('2026-06-15T02:30:00.000Z'), null, ALL)).toMatchObject({ count: 2, latestUntilUs: us('2026-06-15T03:00:00.000Z') });
    expect(surges.holding(['IR'], us('2026-06-15T04:00:00.000Z'), null, ALL)).toEqual({ count: 1, listed: [expect.objectContaining({ id: 's', until: '2026-06-15T02:00:00.000Z' })], latestUntilUs: null });
  });

  it("asks again when a declaration's hold is released, its until and the cool-down after it, also once that until passed before its clearance came", () => {
    const declared = new HoldSet('12', [{ ...active('election', ['IR'], '2026-06-14T21:00:00.000Z', '2026-06-15T02:00:00.000Z'), source: 'declaration' }], COOL_DOWN_US);
    expect(declared.holding(['IR'], us('2026-06-15T01:00:00.000Z'), null, ALL)).toMatchObject({ count: 1, latestUntilUs: us('2026-06-15T02:30:00.000Z') });
    // The analyzer's clock clears it at 02:00, its surge.cleared a job tick later: meanwhile still in force, and due at 02:30.
    expect(declared.holding(['IR'], us('2026-06-15T02:00:03.000Z'), null, ALL)).toMatchObject({ count: 1, latestUntilUs: us('2026-06-15T02:30:00.000Z') });
  });

  it("ends a declaration's hold at its until and the cool-down after it, its clearance come or not, and lists that end as its until", () => {
    const declared = new HoldSet('13', [{ ...active('election', ['PE'], '2026-06-14T21:00:00.000Z', '2026-06-15T02:00:00.000Z'), source: 'declaration' }], COOL_DOWN_US);
    expect(declared.holding(['PE'], us('2026-06-15T02:29:59.999Z'), null, ALL)).toEqual({
      count: 1,
      listed: [expect.objectContaining({ id: 'election', until: '2026-06-15T02:30:00.000Z' })],
      latestUntilUs: us('2026-06-15T02:30:00.000Z'),
    });
    expect(declared.holding(['PE'], us('2026-06-15T02:30:00.000Z'), null, ALL).count).toBe(0);
    // A what-if days later, and a run not due yet that starts after that end, are not held by it.
    expect(declared.holding(['PE'], us('2026-06-28T01:00:00.000Z'), null, ALL).count).toBe(0);
    expect(declared.holding(['PE'], us('2026-06-15T01:00:00.000Z'), null, ALL, null, us('2026-06-15T05:00:00.000Z')).count).toBe(0);
    // Linked to a run, it holds it only as long.
    expect(declared.holding(['PE'], us('2026-06-15T02:40:00.000Z'), null, ALL, ['election']).count).toBe(0);
    // Cleared, it lists the end its release is due at, as the 409 window-in-hold names it.
    const cancelled = new HoldSet('14', [{ ...active('vote', ['PE'], '2026-06-14T21:00:00.000Z', '2026-06-15T02:00:00.000Z'), source: 'declaration', releaseDueUs: us('2026-06-15T01:10:00.000Z') }], COOL_DOWN_US);
    expect(cancelled.holding(['PE'], us('2026-06-15T01:00:00.000Z'), null, ALL).listed).toEqual([
      expect.objectContaining({ id: 'vote', until: '2026-06-15T01:10:00.000Z', releaseDueAt: '2026-06-15T01:10:00.000Z' }),
    ]);
  });

  it('leaves out, for a run not due yet, a hold in force that ends before it starts, and keeps one that reaches it or has no end', () => {
    const at = us('2026-06-15T01:00:00.000Z');
    // Run at 04:00: 'a' ends at 03:00, before it; 'b' lasts until 05:00.
    expect(ids(set.holding(['IR'], at, null, ALL, null, us('2026-06-15T04:00:00.000Z')))).toEqual(['b']);
    // A hold ending as the run starts does not stop it; one with no end does.
    expect(ids(set.holding(['IR', 'NP'], at, null, ALL, null, us('2026-06-15T05:00:00.000Z')))).toEqual(['d']);
  });

  it("keeps a cleared surge's hold in force until its release is due, not past it, whether its estimate ends before or after", () => {
    const cooling = new HoldSet('10', [
      // Cleared at 02:50 with a 30-minute cool-down: its estimate (03:00) ends before the release is due.
      { ...active('late', ['IR'], '2026-06-14T21:00:00.000Z', '2026-06-15T03:00:00.000Z'), source: 'detector', releaseDueUs: us('2026-06-15T03:20:00.000Z') },
      // Cleared at 01:00: its estimate (05:00) says nothing more once the release is due at 01:30.
      { ...active('early', ['NP'], '2026-06-14T21:00:00.000Z', '2026-06-15T05:00:00.000Z'), source: 'detector', releaseDueUs: us('2026-06-15T01:30:00.000Z') },
    ], COOL_DOWN_US);
    expect(cooling.holding(['IR'], us('2026-06-15T03:10:00.000Z'), null, ALL)).toEqual({
      count: 1,
      listed: [expect.objectContaining({ id: 'late', until: '2026-06-15T03:00:00.000Z', releaseDueAt: '2026-06-15T03:20:00.000Z' })],
      latestUntilUs: us('2026-06-15T03:20:00.000Z'),
    });
    expect(cooling.holding(['IR'], us('2026-06-15T03:20:00.000Z'), null, ALL).count).toBe(0);
    expect(cooling.holding(['NP'], us('2026-06-15T01:00:00.000Z'), null, ALL)).toMatchObject({ count: 1, latestUntilUs: us('2026-06-15T01:30:00.000Z') });
    expect(cooling.holding(['NP'], us('2026-06-15T01:30:00.000Z'), null, ALL).count).toBe(0);
  });

  it('lists a hold on several of the regions asked once, in listing order, and every hold for a global footprint', () => {
    const at = us('2026-06-15T01:00:00.000Z');
    expect(ids(set.holding(['NP', 'IR'], at, null, ALL))).toEqual(['a', 'b', 'd']);
    expect(ids(set.holding(null, at, null, ALL))).toEqual(['a', 'b', 'c', 'd']);
    expect(ids(set.holding(['US'], at, null, ALL))).toEqual([]);
  });

  it('lists a hold with its instants as the API writes them, to the millisecond', () => {
    const precise = new HoldSet('9', [{ id: 'p', regions: ['IR'], reason: 'r', source: 'alert', fromUs: us('2026-06-14T21:00:00.123Z') + 999, untilUs: null, releaseDueUs: null }], COOL_DOWN_US);
    expect(precise.holding(['IR'], us('2026-06-15T00:00:00Z'), null, ALL).listed).toEqual([{ id: 'p', regions: ['IR'], reason: 'r', source: 'alert', from: '2026-06-14T21:00:00.123Z', until: null }]);
  });

  it('counts every hold in force and lists only the first ones asked for', () => {
    expect(set.holding(null, us('2026-06-15T01:00:00.000Z'), null, 2)).toMatchObject({ count: 4, listed: [{ id: 'a' }, { id: 'b' }], latestUntilUs: us('2026-06-16T00:00:00.000Z') });
  });

  it('leaves out the holds the window was let through, and says when the last one with an end ends', () => {
    const at = us('2026-06-15T01:00:00.000Z');
    expect(set.holding(['IR', 'NP'], at, ['d'], ALL)).toEqual({ count: 2, listed: [expect.objectContaining({ id: 'a' }), expect.objectContaining({ id: 'b' })], latestUntilUs: us('2026-06-15T05:00:00.000Z') });
    expect(set.holding(['NP'], at, null, ALL)).toMatchObject({ latestUntilUs: us('2026-06-15T05:00:00.000Z') });
    expect(set.holding(['NP'], at, ['b'], ALL)).toMatchObject({ latestUntilUs: null });
  });

  it('counts a hold of the run asked about before it begins, until it ends or its release is due, as starting that run does', () => {
    const ahead = new HoldSet('11', [
      active('later', ['MA'], '2026-06-15T03:45:00.000Z', '2026-06-15T05:00:00.000Z'),
      { ...active('cooling', ['MA'], '2026-06-15T03:40:00.000Z', '2026-06-15T06:00:00.000Z'), source: 'detector', releaseDueUs: us('2026-06-15T03:30:00.000Z') },
    ], COOL_DOWN_US);
    const at = us('2026-06-15T03:24:00.000Z');
    expect(ahead.holding(['MA'], at, null, ALL).count).toBe(0);
    expect(ahead.holding(['MA'], at, null, ALL, ['later'])).toEqual({ count: 1, listed: [expect.objectContaining({ id: 'later', from: '2026-06-15T03:45:00.000Z' })], latestUntilUs: us('2026-06-15T05:00:00.000Z') });
    expect(ahead.holding(['MA'], at, ['later'], ALL, ['later']).count).toBe(0);
    expect(ahead.holding(['MA'], us('2026-06-15T05:00:00.000Z'), null, ALL, ['later']).count).toBe(0);
    // A cleared surge's hold stops nothing once its release is due, however late the sweep releases it.
    expect(ids(ahead.holding(['MA'], at, null, ALL, ['cooling']))).toEqual(['cooling']);
    expect(ahead.holding(['MA'], us('2026-06-15T03:30:00.000Z'), null, ALL, ['cooling']).count).toBe(0);
  });

  it('finds what a scan of every hold finds, for any regions asked', () => {
    const codes = ['IR', 'NP', 'DE', 'US', 'BR'];
    let seed = 13;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const pick = () => codes.filter(() => random() < 0.3);
    const holds = Array.from({ length: 200 }, (_, index) => {
      const regions = pick();
      const from = Date.parse('2026-06-14T00:00:00Z') + Math.floor(random() * 48) * 3_600_000;
      const until = random() < 0.2 ? null : from + Math.ceil(random() * 24) * 3_600_000;
      return active(`h${index}`, regions.length > 0 ? regions : ['US'], new Date(from).toISOString(), until === null ? null : new Date(until).toISOString());
    });
    // Listing order, as the statement sends them.
    holds.sort((a, b) => (a.untilUs ?? Infinity) - (b.untilUs ?? Infinity));
    const many = new HoldSet('8', holds, COOL_DOWN_US);
    for (let question = 0; question < 300; question++) {
      const regions = random() < 0.1 ? null : pick();
      const at = us('2026-06-14T00:00:00Z') + Math.floor(random() * 72) * 3_600_000_000;
      const overridden = random() < 0.2 ? [holds[Math.floor(random() * holds.length)].id] : null;
      const scanned = holds.filter(
        (hold) => (regions === null || hold.regions.some((region) => regions.includes(region))) && hold.fromUs <= at && (hold.untilUs === null || hold.untilUs > at) && !overridden?.includes(hold.id),
      );
      expect(ids(many.holding(regions, at, overridden, ALL))).toEqual(scanned.map((hold) => hold.id));
    }
  });
});
