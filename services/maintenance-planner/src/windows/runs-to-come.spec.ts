import { describe, expect, it } from 'vitest';
import { ruleGivesRunFrom } from './runs-to-come';

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
});
