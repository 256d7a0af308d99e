import { describe, expect, it } from 'vitest';
import { noRunLeft, ruleGivesRunFrom } from './runs-to-come';

// A daily run at 10:00 UTC from 1 August 2026, its runs stored up to the 5th (expanded_until).
const daily = (recurrence: string, exdates: string[] = []) => ({
  starts_at: new Date('2026-08-01T10:00:00Z'),
  ends_at: new Date('2026-08-01T11:00:00Z'),
  planned_zone: 'UTC',
  recurrence,
  exdates,
});
const storedUntil = new Date('2026-08-05T00:00:00Z');

describe('whether a recurring window has runs to come past those stored', () => {
  it('says a rule with neither COUNT nor UNTIL always has', () => {
    expect(ruleGivesRunFrom(daily('FREQ=YEARLY;INTERVAL=50'), storedUntil)).toBe(true);
  });

  it('reads where a COUNT or an UNTIL ends the rule', () => {
    expect(ruleGivesRunFrom(daily('FREQ=DAILY;COUNT=4'), storedUntil)).toBe(false);
    expect(ruleGivesRunFrom(daily('FREQ=DAILY;COUNT=5'), storedUntil)).toBe(true);
    expect(ruleGivesRunFrom(daily('FREQ=DAILY;UNTIL=20260804T100000Z'), storedUntil)).toBe(false);
    expect(ruleGivesRunFrom(daily('FREQ=DAILY;UNTIL=20260805T100000Z'), storedUntil)).toBe(true);
  });

  it('leaves out a run still going at the stored horizon, and a date the exdates take out', () => {
    expect(ruleGivesRunFrom(daily('FREQ=DAILY;COUNT=4'), new Date('2026-08-04T10:30:00Z'))).toBe(false);
    expect(ruleGivesRunFrom(daily('FREQ=DAILY;COUNT=5', ['2026-08-05T10:00:00Z']), storedUntil)).toBe(false);
  });

  it('counts, asked about an instant past those stored, only a run not over then: one going at it, or later', () => {
    // Runs 5 to 7 are not stored: the 5th ends at 11:00 on the 5th, the 7th on the 7th.
    const rule = daily('FREQ=DAILY;COUNT=7');
    expect(ruleGivesRunFrom(rule, storedUntil, new Date('2026-08-07T10:30:00Z'))).toBe(true);
    expect(ruleGivesRunFrom(rule, storedUntil, new Date('2026-08-07T11:00:00Z'))).toBe(false);
    expect(ruleGivesRunFrom(daily('FREQ=DAILY'), storedUntil, new Date('2030-01-01T00:00:00Z'))).toBe(true);
    // An instant before those stored asks no more than the rule does past them.
    expect(ruleGivesRunFrom(rule, storedUntil, new Date('2026-08-02T00:00:00Z'))).toBe(true);
  });
});

describe('the gate refusal of a window with no run to start', () => {
  const WINDOW = '0190e0c8-0000-7000-8000-0000000000f2';
  // What the refusal's statement reads of a one-off window whose run 1 waits for a new slot, the planner having found none to propose.
  const waitingUnproposed = {
    version: 2,
    starts_at: new Date('2026-08-01T10:36:00Z'),
    ends_at: new Date('2026-08-01T10:38:00Z'),
    planned_zone: 'UTC',
    recurrence: null,
    exdates: [],
    expanded_until: new Date('2026-08-01T10:38:00Z'),
    run_left: false,
    last_number: 1,
    last_status: 'needs-reschedule',
    last_starts_at: new Date('2026-08-01T10:36:00Z'),
    last_ends_at: new Date('2026-08-01T10:38:00Z'),
    coming_number: null,
    coming_ends_at: null,
    waiting_number: 1,
    waiting_unmarked: false,
    waiting_starts_at: new Date('2026-08-01T10:36:00Z'),
    waiting_ends_at: new Date('2026-08-01T10:38:00Z'),
    waiting_proposed_slot: null,
    waiting_count: 1,
  };

  it('names the suggestions and the change that moves a waiting run when no slot was proposed for it', async () => {
    const now = new Date('2026-08-01T11:00:00Z');
    const refusal = await noRunLeft({ query: () => Promise.resolve([waitingUnproposed]) }, WINDOW, { at: now, now, sweepIntervalMs: 60_000, coolDownMs: 1_800_000 });
    expect(refusal).toMatchObject({ code: 'run-awaits-new-slot', status: 409, extensions: { waitingRun: { number: 1, proposedSlot: null }, windowVersion: 2 } });
    expect(refusal?.message).toContain(
      `The planner found no slot to propose: GET /v1/windows/${WINDOW}/suggestions gives the least harmful ones; move it to one with PATCH /v1/windows/${WINDOW} (startsAt, endsAt and "version": 2) and start the run it plans then.`,
    );
  });
});
