import { expandOccurrences, planWindow } from '@holdfast/time';
import { describe, expect, it } from 'vitest';
import { countedDates, countOf, countStoring, replanStores, type RunsKept, runsStored, withCount } from './recurrence-count';

const window = (start: string, minutes: number, zone: string, rrule: string, exdates: string[] = []) =>
  planWindow({ start: new Date(start), end: new Date(Date.parse(start) + minutes * 60_000), zone, recurrence: { rrule, exdates } });
type Recurring = ReturnType<typeof window> & { recurrence: { rrule: string; exdates: string[] } };
const recurring = (start: string, minutes: number, zone: string, rrule: string, exdates: string[] = []) => window(start, minutes, zone, rrule, exdates) as Recurring;

/** What the replan stores of a window's runs (WindowsService.update): every run of its rule the plan still holds after those kept. */
const replanned = (moved: Recurring, kept: RunsKept) =>
  expandOccurrences(moved, { from: moved.start, until: new Date('2030-01-01T00:00:00Z'), maxCount: 10_000 })
    .occurrences.filter((run) => replanStores(run, kept))
    .map((run) => run.start.toISOString().slice(0, 16));

/** The COUNT advised for a move, as the 422 names it: the one with which the moved rule stores as many runs as the rule unchanged. */
const advisedCount = (before: Recurring, moved: Recurring, kept: RunsKept) => {
  const count = countOf(before.recurrence.rrule)!;
  const ahead = runsStored(countedDates(before, kept), count);
  const after = countedDates(moved, kept);
  return runsStored(after, count) === ahead ? undefined : countStoring(after, ahead);
};

describe('a COUNT-limited series moved after some of its runs', () => {
  it('is not refused when the move stores as many runs as before: a daily COUNT=20 in Santiago, its first 7 missed, moved an hour later', () => {
    const before = recurring('2026-12-01T03:30:00Z', 30, 'America/Santiago', 'FREQ=DAILY;COUNT=20');
    const moved = recurring('2026-12-01T04:30:00Z', 30, 'America/Santiago', 'FREQ=DAILY;COUNT=20');
    // Runs 1-7 (1-7 December, 00:30 local) missed; 7 December's 04:30Z run of the moved rule has ended by now too.
    const kept = { lastStart: new Date('2026-12-07T03:30:00Z'), now: new Date('2026-12-07T12:00:00Z') };

    expect(runsStored(countedDates(before, kept), 20)).toBe(13);
    expect(runsStored(countedDates(moved, kept), 20)).toBe(13);
    expect(advisedCount(before, moved, kept)).toBeUndefined();
    const stored = replanned(moved, kept);
    expect(7 + stored.length).toBe(20);
    expect([stored[0], stored.at(-1)]).toEqual(['2026-12-08T04:30', '2026-12-20T04:30']);
  });

  it('advises the COUNT that keeps a weekly COUNT=4 at four runs when, two done, it moves a week later (the first date of the moved rule is the second run)', () => {
    const before = recurring('2027-02-02T10:00:00Z', 60, 'UTC', 'FREQ=WEEKLY;COUNT=4');
    const moved = recurring('2027-02-09T10:00:00Z', 60, 'UTC', 'FREQ=WEEKLY;COUNT=4');
    const kept = { lastStart: new Date('2027-02-09T10:00:00Z'), now: new Date('2027-02-09T10:45:00Z') };

    const advised = advisedCount(before, moved, kept)!;
    expect(advised).toBe(3);
    // Applied: two runs after the two done, four in all (COUNT=2, which was advised before, left one).
    const stored = replanned(recurring('2027-02-09T10:00:00Z', 60, 'UTC', withCount('FREQ=WEEKLY;COUNT=4', advised)), kept);
    expect(stored).toEqual(['2027-02-16T10:00', '2027-02-23T10:00']);
    expect(2 + stored.length).toBe(4);
    expect(replanned(moved, kept)).toHaveLength(3);
  });

  it('counts an exdated date as COUNT does, before and after the move', () => {
    const skipped = ['2027-04-27T10:00:00Z'];
    const before = recurring('2027-04-06T10:00:00Z', 60, 'UTC', 'FREQ=WEEKLY;COUNT=6', skipped);
    const moved = recurring('2027-04-13T10:00:00Z', 60, 'UTC', 'FREQ=WEEKLY;COUNT=6', skipped);
    const kept = { lastStart: new Date('2027-04-13T10:00:00Z'), now: new Date('2027-04-13T10:45:00Z') };
    const unchanged = replanned(before, kept);
    expect(unchanged).toEqual(['2027-04-20T10:00', '2027-05-04T10:00', '2027-05-11T10:00']);

    const advised = advisedCount(before, moved, kept)!;
    expect(advised).toBe(5);
    expect(replanned(recurring('2027-04-13T10:00:00Z', 60, 'UTC', withCount(moved.recurrence.rrule, advised), skipped), kept)).toEqual(unchanged);
  });

  it('advises a COUNT above the rule’s own when the move brings dates before the last run kept', () => {
    const before = recurring('2027-02-09T10:00:00Z', 60, 'UTC', 'FREQ=WEEKLY;COUNT=4');
    const earlier = recurring('2027-02-02T10:00:00Z', 60, 'UTC', 'FREQ=WEEKLY;COUNT=4');
    const kept = { lastStart: new Date('2027-02-09T10:00:00Z'), now: new Date('2027-02-09T10:45:00Z') };

    const advised = advisedCount(before, earlier, kept)!;
    expect(advised).toBe(5);
    expect(replanned(recurring('2027-02-02T10:00:00Z', 60, 'UTC', withCount(earlier.recurrence.rrule, advised)), kept)).toEqual(replanned(before, kept));
  });

  it('names the COUNT that runs a finished series once more when a move would run it again', () => {
    const before = recurring('2027-02-02T10:00:00Z', 60, 'UTC', 'FREQ=WEEKLY;COUNT=2');
    const moved = recurring('2027-02-09T10:00:00Z', 60, 'UTC', 'FREQ=WEEKLY;COUNT=2');
    const kept = { lastStart: new Date('2027-02-09T10:00:00Z'), now: new Date('2027-02-09T10:45:00Z') };
    const after = countedDates(moved, kept);

    expect(runsStored(countedDates(before, kept), 2)).toBe(0);
    expect(runsStored(after, 2)).toBe(1);
    const once = countStoring(after, 1);
    expect(replanned(recurring('2027-02-09T10:00:00Z', 60, 'UTC', withCount(moved.recurrence.rrule, once)), kept)).toEqual(['2027-02-16T10:00']);
  });

  it('advises the COUNT that keeps a weekly COUNT=4 at four runs when, none run yet, it moves a week into the past', () => {
    const before = recurring('2026-12-07T09:00:00Z', 30, 'UTC', 'FREQ=WEEKLY;COUNT=4');
    const earlier = recurring('2026-11-30T09:00:00Z', 30, 'UTC', 'FREQ=WEEKLY;COUNT=4');
    const kept = { lastStart: null, now: new Date('2026-12-06T12:00:00Z') };

    expect(replanned(earlier, kept)).toHaveLength(3);
    const advised = advisedCount(before, earlier, kept)!;
    expect(advised).toBe(5);
    expect(replanned(recurring('2026-11-30T09:00:00Z', 30, 'UTC', withCount(earlier.recurrence.rrule, advised)), kept)).toEqual(replanned(before, kept));
    expect(advisedCount(before, recurring('2026-12-14T09:00:00Z', 30, 'UTC', 'FREQ=WEEKLY;COUNT=4'), kept)).toBeUndefined();
  });

  it('reads and sets COUNT among the rule’s other parts', () => {
    expect(countOf('FREQ=WEEKLY;COUNT=12;BYDAY=MO')).toBe(12);
    expect(countOf('FREQ=WEEKLY;BYDAY=MO')).toBeUndefined();
    expect(withCount('FREQ=WEEKLY;COUNT=12;BYDAY=MO', 3)).toBe('FREQ=WEEKLY;COUNT=3;BYDAY=MO');
  });
});
