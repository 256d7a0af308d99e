import { describe, expect, it } from 'vitest';
import { refuseRuns } from './horizon-refusal';

const HOUR = 3_600_000;
const run = (start: string, hours: number, stored: boolean) => ({ start: new Date(start), end: new Date(Date.parse(start) + hours * HOUR), stored });

describe('the runs the horizon step may store', () => {
  it('takes new runs that end before the next begins, after the stored ones', () => {
    expect(refuseRuns('w', [run('2026-10-01T10:00:00Z', 1, true), run('2026-10-02T10:00:00Z', 1, false), run('2026-10-03T10:00:00Z', 1, false)], 24 * HOUR)).toBeUndefined();
  });

  it('refuses new runs that overlap each other, naming the first pair', () => {
    const refusal = refuseRuns('w', [run('2026-10-01T10:00:00Z', 25, false), run('2026-10-02T10:00:00Z', 25, false), run('2026-10-03T10:00:00Z', 25, false)], 744 * HOUR);
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
    expect(refuseRuns('w', [run('2026-10-01T10:00:00Z', 30, true), run('2026-10-02T10:00:00Z', 1, false)], 744 * HOUR)?.runs.map((r) => r.stored)).toEqual([true, false]);
    expect(refuseRuns('w', [run('2026-10-01T10:00:00Z', 30, false), run('2026-10-02T10:00:00Z', 1, true)], 744 * HOUR)?.runs.map((r) => r.stored)).toEqual([false, true]);
    // A long new run reaching past a short stored one into the next stored one.
    expect(refuseRuns('w', [run('2026-10-01T00:00:00Z', 50, false), run('2026-10-01T12:00:00Z', 1, true), run('2026-10-02T12:00:00Z', 1, true)], 744 * HOUR)?.runs[0].startsAt).toBe('2026-10-01T00:00:00.000Z');
    expect(refuseRuns('w', [run('2026-10-01T10:00:00Z', 30, true), run('2026-10-02T10:00:00Z', 1, true), run('2026-10-05T10:00:00Z', 1, false)], 744 * HOUR)).toBeUndefined();
  });

  it('refuses a new run longer than the bound, naming it and the setting', () => {
    const refusal = refuseRuns('w', [run('2026-10-01T00:00:00Z', 800, false)], 744 * HOUR);
    expect(refusal).toMatchObject({ reason: 'occurrence-too-long', runs: [{ startsAt: '2026-10-01T00:00:00.000Z', endsAt: '2026-11-03T08:00:00.000Z', stored: false }] });
    expect(refusal?.detail).toContain('lasts 800 hours, longer than the 744 hours a window may last (WINDOW_MAX_DURATION_HOURS)');
    expect(refuseRuns('w', [run('2025-10-01T00:00:00Z', 800, true)], 744 * HOUR)).toBeUndefined();
  });
});
