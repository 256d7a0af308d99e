import { describe, expect, it } from 'vitest';
import { instantToWallClock } from '@holdfast/time';
import { movesToRule, runsOffRule, startMovedByZoneRules, withoutRunsMovedToSlots } from './runs-off-rule';

const HOUR = 3_600_000;
const run = (start: string, hours = 1) => ({ start: new Date(start), end: new Date(Date.parse(start) + hours * HOUR) });

describe('runsOffRule', () => {
  it('lists the stored runs the rule no longer gives, in number order, each beside the unmatched rule run nearest to it', () => {
    const rule = [run('2026-10-26T09:00:00Z'), run('2026-11-02T09:00:00Z'), run('2026-11-09T09:00:00Z')];
    const stored = [
      { number: 6, ...run('2026-11-09T10:00:00Z') },
      { number: 4, ...run('2026-10-26T09:00:00Z') },
      { number: 5, ...run('2026-11-02T10:00:00Z') },
    ];

    expect(runsOffRule(stored, rule)).toEqual([
      { run: stored[2], ruleRun: rule[1] },
      { run: stored[0], ruleRun: rule[2] },
    ]);
  });

  it('takes a run at the rule start but of another length for one off its rule, and names none when the rule gives no run left unmatched', () => {
    const rule = [run('2026-10-26T09:00:00Z')];
    const longer = { number: 1, ...run('2026-10-26T09:00:00Z', 2) };

    expect(runsOffRule([longer], rule)).toEqual([{ run: longer, ruleRun: rule[0] }]);
    expect(runsOffRule([{ number: 1, ...rule[0] }, { number: 2, ...run('2026-11-02T10:00:00Z') }], rule)).toEqual([{ run: { number: 2, ...run('2026-11-02T10:00:00Z') }, ruleRun: null }]);
  });

  it('finds nothing off when the stored runs are the rule runs', () => {
    const rule = [run('2026-10-26T09:00:00Z'), run('2026-11-02T09:00:00Z')];
    expect(runsOffRule(rule.map((times, index) => ({ number: index + 1, ...times })), rule)).toEqual([]);
  });
});

describe('movesToRule', () => {
  const THREE_HOURS = 3 * HOUR;
  const rule = [run('2026-10-26T09:00:00Z'), run('2026-11-02T09:00:00Z'), run('2026-11-09T09:00:00Z')];
  // Now before every run, the horizon after them: no edge in play.
  const open = { now: new Date('2026-10-20T00:00:00Z'), through: new Date('2026-12-01T00:00:00Z') };
  const at = (starts: string[], hours = 1) => starts.map((start, index) => ({ number: index + 1, ...run(start, hours) }));

  it('moves each stored run to the nearest rule run, numbers kept, and only those not there already', () => {
    const stored = [
      { number: 5, ...run('2026-11-02T10:00:00Z') },
      { number: 4, ...run('2026-10-26T09:00:00Z') },
      { number: 6, ...run('2026-11-09T10:00:00Z') },
    ];

    expect(movesToRule(stored, rule, THREE_HOURS, open)).toEqual({
      moves: [
        { number: 5, previous: run('2026-11-02T10:00:00Z'), ...rule[1] },
        { number: 6, previous: run('2026-11-09T10:00:00Z'), ...rule[2] },
      ],
      uncoveredFrom: null,
    });
    expect(movesToRule(at(rule.map((times) => times.start.toISOString())), rule, THREE_HOURS, open)).toEqual({ moves: [], uncoveredFrom: null });
  });

  it('leaves a stored run whose rule run has begun where it is, and passes over a rule run ahead whose stored run began before now', () => {
    // Now 09:30 on 10-26: the first run's rule time has begun, its stored time (10:00) has not.
    expect(movesToRule(at(['2026-10-26T10:00:00Z', '2026-11-02T10:00:00Z']), rule.slice(0, 2), THREE_HOURS, { ...open, now: new Date('2026-10-26T09:30:00Z') })).toEqual({
      moves: [{ number: 2, previous: run('2026-11-02T10:00:00Z'), ...rule[1] }],
      uncoveredFrom: null,
    });
    // Now 08:30 on 10-26, the stored runs an hour early: the first began at 08:00, and its rule run (09:00) is no run to add.
    const early = [run('2026-10-26T09:00:00Z'), run('2026-11-02T09:00:00Z')];
    expect(movesToRule([{ number: 2, ...run('2026-11-02T08:00:00Z') }], early, THREE_HOURS, { ...open, now: new Date('2026-10-26T08:30:00Z') })).toEqual({
      moves: [{ number: 2, previous: run('2026-11-02T08:00:00Z'), ...early[1] }],
      uncoveredFrom: null,
    });
  });

  it('pairs a run stored just past the horizon with its rule run before it, and names a rule run the shift brought in before the horizon', () => {
    const through = new Date('2026-11-09T09:30:00Z');
    // Stored an hour late, the last one past the horizon (as a test may store it): it pairs all the same.
    expect(movesToRule(at(['2026-10-26T10:00:00Z', '2026-11-02T10:00:00Z', '2026-11-09T10:00:00Z']), rule, THREE_HOURS, { ...open, through })?.moves.map((move) => move.number)).toEqual([1, 2, 3]);
    // As the old rules stored them: the last run started at 10:00, past the horizon, so it was not stored; the rule now gives it at 09:00, before.
    expect(movesToRule(at(['2026-10-26T10:00:00Z', '2026-11-02T10:00:00Z']), rule, THREE_HOURS, { ...open, through })).toEqual({
      moves: [
        { number: 1, previous: run('2026-10-26T10:00:00Z'), ...rule[0] },
        { number: 2, previous: run('2026-11-02T10:00:00Z'), ...rule[1] },
      ],
      uncoveredFrom: rule[2].start,
    });
  });

  it('moves none when the runs do not pair: a run the rule no longer gives, a rule run between stored ones, one missing ahead, out of order, or of another length', () => {
    expect(movesToRule(at(['2026-10-26T09:00:00Z', '2026-11-04T10:00:00Z', '2026-11-09T10:00:00Z']), rule, THREE_HOURS, open)).toBeNull();
    expect(movesToRule(at(['2026-10-26T09:00:00Z', '2026-11-09T10:00:00Z']), rule, THREE_HOURS, open)).toBeNull();
    expect(movesToRule(at(['2026-11-02T10:00:00Z', '2026-11-09T10:00:00Z']), rule, THREE_HOURS, open)).toBeNull();
    expect(movesToRule(at(['2026-10-26T09:00:00Z', '2026-11-09T10:00:00Z', '2026-11-02T10:00:00Z']), rule, THREE_HOURS, open)).toBeNull();
    expect(movesToRule(at(['2026-10-26T09:00:00Z', '2026-11-02T10:00:00Z', '2026-11-09T10:00:00Z'], 2), rule, THREE_HOURS, open)).toBeNull();
  });

  it('keeps an hourly series shifted by an hour where it is, its runs being the same hours', () => {
    const hours = Array.from({ length: 6 }, (_, index) => run(new Date(Date.parse('2026-11-02T08:00:00Z') + index * HOUR).toISOString()));
    const stored = hours.slice(1).map((times, index) => ({ number: index + 1, ...times }));

    expect(movesToRule(stored, hours, THREE_HOURS, { now: new Date('2026-11-02T08:30:00Z'), through: new Date('2026-11-02T14:00:00Z') })).toEqual({ moves: [], uncoveredFrom: null });
  });
});

describe('withoutRunsMovedToSlots', () => {
  const rule = [run('2026-11-02T09:00:00Z'), run('2026-11-09T09:00:00Z')];

  it('leaves out a run still at the slot the planner moved it to, so the runs around it pair with the rule', () => {
    const slotted = { number: 5, ...run('2026-11-03T01:00:00Z') };
    const stored = [slotted, { number: 6, ...run('2026-11-02T10:00:00Z') }, { number: 7, ...run('2026-11-09T10:00:00Z') }];

    const open = { now: new Date('2026-11-01T00:00:00Z'), through: new Date('2026-12-01T00:00:00Z') };
    expect(movesToRule(stored, rule, 3 * HOUR, open)).toBeNull();
    const paired = withoutRunsMovedToSlots(stored, [{ number: 5, start: slotted.start }]);
    expect(paired).toEqual(stored.slice(1));
    expect(movesToRule(paired, rule, 3 * HOUR, open)?.moves.map((move) => move.number)).toEqual([6, 7]);
  });

  it('keeps a run whose number was moved to another slot, or to a slot since left (its window planned again, the number given anew)', () => {
    const stored = [{ number: 5, ...run('2026-11-02T10:00:00Z') }];

    expect(withoutRunsMovedToSlots(stored, [{ number: 5, start: new Date('2026-11-03T01:00:00Z') }, { number: 4, start: stored[0].start }])).toEqual(stored);
  });
});

describe('startMovedByZoneRules', () => {
  const zone = 'America/Vancouver';

  it('gives the instant the planned local time now falls on, seconds kept, when the rules read the stored start as another local time', () => {
    const stored = new Date('2026-11-10T10:00:30.250Z');
    const plannedAnHourEarlier = instantToWallClock(new Date(stored.getTime() - HOUR), zone);

    expect(startMovedByZoneRules(stored, zone, plannedAnHourEarlier)).toEqual(new Date('2026-11-10T09:00:30.250Z'));
  });

  it('gives null when the start reads as planned, in the repeated hour of a clock change too, or no local time was recorded', () => {
    const stored = new Date('2026-11-10T10:00:00Z');
    expect(startMovedByZoneRules(stored, zone, instantToWallClock(stored, zone))).toBeNull();
    expect(startMovedByZoneRules(stored, zone, null)).toBeNull();
    // 01:30 came twice in New York on 2026-11-01: the later instant reads as planned, though the local time alone would give the earlier.
    expect(startMovedByZoneRules(new Date('2026-11-01T06:30:00Z'), 'America/New_York', '2026-11-01T01:30')).toBeNull();
  });
});
