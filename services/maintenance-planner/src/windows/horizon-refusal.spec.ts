import { describe, expect, it } from 'vitest';
import { refuseRuns } from './horizon-refusal';

const HOUR = 3_600_000;
const run = (start: string, hours: number, stored: boolean) => ({ start: new Date(start), end: new Date(Date.parse(start) + hours * HOUR), stored });

describe('the runs the horizon step may store', () => {
  it('takes new runs that end before the next begins, after the stored ones', () => {
    expect(refuseRuns('w', [run('2026-10-01T10:00:00Z', 1, true), run('2026-10-02T10:00:00Z', 1, false), run('2026-10-03T10:00:00Z', 1, false)], 24 * HOUR, 'UTC')).toBeUndefined();
  });

  it('refuses new runs that overlap each other, naming the first pair', () => {
    const refusal = refuseRuns('w', [run('2026-10-01T10:00:00Z', 25, false), run('2026-10-02T10:00:00Z', 25, false), run('2026-10-03T10:00:00Z', 25, false)], 744 * HOUR, 'UTC');
    expect(refusal).toEqual({
      windowId: 'w',
      reason: 'overlapping-occurrences',
      runs: [
        { startsAt: '2026-10-01T10:00:00.000Z', endsAt: '2026-10-02T11:00:00.000Z', stored: false },
        { startsAt: '2026-10-02T10:00:00.000Z', endsAt: '2026-10-03T11:00:00.000Z', stored: false },
      ],
      detail: 'The run from 2026-10-01T10:00:00.000Z lasts until 2026-10-02T11:00:00.000Z, after the next run starts at 2026-10-02T10:00:00.000Z: a run must end before the next begins.',
    });
  });

  it('refuses a new run that a stored one still runs into, or that runs into a stored one, but not stored runs that overlap each other', () => {
    expect(refuseRuns('w', [run('2026-10-01T10:00:00Z', 30, true), run('2026-10-02T10:00:00Z', 1, false)], 744 * HOUR, 'UTC')?.runs.map((r) => r.stored)).toEqual([true, false]);
    expect(refuseRuns('w', [run('2026-10-01T10:00:00Z', 30, false), run('2026-10-02T10:00:00Z', 1, true)], 744 * HOUR, 'UTC')?.runs.map((r) => r.stored)).toEqual([false, true]);
    // A long new run reaching past a short stored one into the next stored one.
    expect(refuseRuns('w', [run('2026-10-01T00:00:00Z', 50, false), run('2026-10-01T12:00:00Z', 1, true), run('2026-10-02T12:00:00Z', 1, true)], 744 * HOUR, 'UTC')?.runs[0].startsAt).toBe('2026-10-01T00:00:00.000Z');
    expect(refuseRuns('w', [run('2026-10-01T10:00:00Z', 30, true), run('2026-10-02T10:00:00Z', 1, true), run('2026-10-05T10:00:00Z', 1, false)], 744 * HOUR, 'UTC')).toBeUndefined();
  });

  it('says an overlap a spring-forward day makes in the window’s zone too, with the change', () => {
    // A daily 24-hour window in Berlin, midnight to midnight: 28 March 2027 lasts 23 hours there.
    const refusal = refuseRuns('w', [run('2027-03-26T23:00:00Z', 24, true), run('2027-03-27T23:00:00Z', 24, false), run('2027-03-28T22:00:00Z', 24, false)], 744 * HOUR, 'Europe/Berlin');
    expect(refusal).toMatchObject({ reason: 'overlapping-occurrences', runs: [{ startsAt: '2027-03-27T23:00:00.000Z' }, { startsAt: '2027-03-28T22:00:00.000Z' }] });
    expect(refusal?.detail).toBe(
      'The run from 2027-03-27T23:00:00.000Z lasts until 2027-03-28T23:00:00.000Z, after the next run starts at 2027-03-28T22:00:00.000Z (in Europe/Berlin, 2027-03-28T00:00+01:00 to 2027-03-29T01:00+02:00, the next from 2027-03-29T00:00+02:00; clocks go from 02:00 to 03:00 on 2027-03-28 (+01:00 to +02:00)): a run must end before the next begins.',
    );
  });

  it('refuses a new run longer than the bound, naming it and the setting', () => {
    const refusal = refuseRuns('w', [run('2026-10-01T00:00:00Z', 800, false)], 744 * HOUR, 'UTC');
    expect(refusal).toMatchObject({ reason: 'occurrence-too-long', runs: [{ startsAt: '2026-10-01T00:00:00.000Z', endsAt: '2026-11-03T08:00:00.000Z', stored: false }] });
    expect(refusal?.detail).toContain('lasts 800 hours, longer than the 744 hours a window may last (WINDOW_MAX_DURATION_HOURS)');
    expect(refuseRuns('w', [run('2025-10-01T00:00:00Z', 800, true)], 744 * HOUR, 'UTC')).toBeUndefined();
  });
});
