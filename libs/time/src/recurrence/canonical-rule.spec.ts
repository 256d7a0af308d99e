import fc from 'fast-check';
import { recurrenceRuleProblem } from '@holdfast/contracts';
import { describe, expect, it } from 'vitest';
import { planWindowFromLocal } from '../windows/planned-window';
import { canonicalRecurrenceRule } from './canonical-rule';
import { expandOccurrences } from './recurrence.expander';

describe('canonicalRecurrenceRule', () => {
  it('writes a rule in upper case, without RRULE:, its parts in RFC 5545 order and its values as rrule writes them', () => {
    for (const [sent, stored] of [
      ['freq=weekly;byday=mo', 'FREQ=WEEKLY;BYDAY=MO'],
      ['  RRULE:BYDAY=MO;FREQ=WEEKLY ', 'FREQ=WEEKLY;BYDAY=MO'],
      ['rrule:wkst=su;byday=1mo,-1fr;interval=1;freq=monthly', 'FREQ=MONTHLY;INTERVAL=1;BYDAY=+1MO,-1FR;WKST=SU'],
      ['FREQ=YEARLY;BYSETPOS=+1;BYMONTHDAY=+3;BYMONTH=2', 'FREQ=YEARLY;BYMONTHDAY=3;BYMONTH=2;BYSETPOS=1'],
      ['BYMINUTE=05,30;BYHOUR=0;FREQ=DAILY;COUNT=3', 'FREQ=DAILY;COUNT=3;BYMINUTE=5,30;BYHOUR=0'],
    ]) {
      expect(canonicalRecurrenceRule(sent), sent).toBe(stored);
    }
  });

  it('keeps UNTIL as written: rrule would write a date or local UNTIL as a UTC instant, moving the end of a series read in its zone', () => {
    expect(canonicalRecurrenceRule('until=20261231;freq=daily')).toBe('FREQ=DAILY;UNTIL=20261231');
    expect(canonicalRecurrenceRule('FREQ=DAILY;UNTIL=20261231T100000')).toBe('FREQ=DAILY;UNTIL=20261231T100000');
    expect(canonicalRecurrenceRule('freq=daily;until=20261231t100000z')).toBe('FREQ=DAILY;UNTIL=20261231T100000Z');
  });

  it('keeps a rule rrule cannot read as sent, so its expansion refuses it as before', () => {
    expect(canonicalRecurrenceRule('freq=monthly;byday=0mo')).toBe('freq=monthly;byday=0mo');
    expect(() => expandOccurrences(planWindowFromLocal({ localStart: '2026-03-02T02:00', durationMinutes: 30, zone: 'UTC', recurrence: { rrule: 'freq=monthly;byday=0mo' } }), { from: new Date('2026-03-01T00:00:00Z'), until: new Date('2026-05-01T00:00:00Z') })).toThrow(
      /Invalid recurrence "freq=monthly;byday=0mo"/,
    );
  });

  it('gives a rule a window may recur by, with the same runs, and gives itself again (property)', () => {
    const part = (name: string, values: string[]) => fc.option(fc.constantFrom(...values).map((value) => `${name}=${value}`), { nil: undefined });
    const rule = fc
      .tuple(
        fc.constantFrom('FREQ=DAILY', 'FREQ=WEEKLY', 'FREQ=MONTHLY', 'FREQ=YEARLY', 'FREQ=HOURLY'),
        part('UNTIL', ['20270301', '20270301T020000', '20270301T020000Z']),
        part('BYDAY', ['MO', 'SU,TU', '1SU', '+2SA,-1FR']),
        part('BYHOUR', ['2', '02', '1,3']),
        part('BYMINUTE', ['0', '05,30']),
        part('BYMONTH', ['3', '10,3']),
        part('BYSETPOS', ['+1', '-1']),
        part('WKST', ['SU', 'MO']),
        fc.boolean(),
        fc.boolean(),
      )
      .map(([freq, ...rest]) => {
        const [lower, prefixed] = rest.slice(-2) as boolean[];
        const parts = [freq, ...(rest.slice(0, -2) as (string | undefined)[]).filter((value): value is string => value !== undefined)].reverse().join(';');
        const written = `${prefixed ? 'RRULE:' : ''}${parts}`;
        return lower ? written.toLowerCase() : written;
      })
      .filter((text) => recurrenceRuleProblem(text) === null);
    fc.assert(
      fc.property(rule, fc.constantFrom('Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'), (text, zone) => {
        const canonical = canonicalRecurrenceRule(text);
        expect(recurrenceRuleProblem(canonical)).toBeNull();
        expect(canonicalRecurrenceRule(canonical)).toBe(canonical);
        const runs = (rrule: string) =>
          expandOccurrences(planWindowFromLocal({ localStart: '2026-03-01T02:30', durationMinutes: 30, zone, recurrence: { rrule } }), {
            from: new Date('2026-03-01T00:00:00Z'),
            until: new Date('2027-04-01T00:00:00Z'),
            maxCount: 2000,
          }).occurrences.map((run) => run.start.getTime());
        expect(runs(canonical)).toEqual(runs(text));
      }),
      { numRuns: 150 },
    );
  });
});
