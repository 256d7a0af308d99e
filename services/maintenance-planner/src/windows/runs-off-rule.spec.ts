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

  it('moves each stored run to the rule run of its rank, numbers kept, and only those not there already', () => {
    const stored = [
      { number: 5, ...run('2026-11-02T10:00:00Z') },
      { number: 4, ...run('2026-10-26T09:00:00Z') },
      { number: 6, ...run('2026-11-09T10:00:00Z') },
    ];

    expect(movesToRule(stored, rule, THREE_HOURS)).toEqual([
      { number: 5, previous: run('2026-11-02T10:00:00Z'), ...rule[1] },
      { number: 6, previous: run('2026-11-09T10:00:00Z'), ...rule[2] },
    ]);
    expect(movesToRule(rule.map((times, index) => ({ number: index + 1, ...times })), rule, THREE_HOURS)).toEqual([]);
  });

  it('moves none when the runs do not pair one to one: fewer or more, out of order, too far, or of another length', () => {
    const at = (starts: string[], hours = 1) => starts.map((start, index) => ({ number: index + 1, ...run(start, hours) }));

    expect(movesToRule(at(['2026-10-26T09:00:00Z', '2026-11-02T10:00:00Z']), rule, THREE_HOURS)).toBeNull();
    expect(movesToRule(at(['2026-10-26T09:00:00Z', '2026-11-09T10:00:00Z', '2026-11-02T10:00:00Z']), rule, THREE_HOURS)).toBeNull();
    expect(movesToRule(at(['2026-10-26T09:00:00Z', '2026-11-04T10:00:00Z', '2026-11-09T10:00:00Z']), rule, THREE_HOURS)).toBeNull();
    expect(movesToRule(at(['2026-10-26T09:00:00Z', '2026-11-02T10:00:00Z', '2026-11-09T10:00:00Z'], 2), rule, THREE_HOURS)).toBeNull();
  });
});

describe('withoutRunsMovedToSlots', () => {
  const rule = [run('2026-11-02T09:00:00Z'), run('2026-11-09T09:00:00Z')];

  it('leaves out a run still at the slot the planner moved it to, so the runs around it pair with the rule', () => {
    const slotted = { number: 5, ...run('2026-11-03T01:00:00Z') };
    const stored = [slotted, { number: 6, ...run('2026-11-02T10:00:00Z') }, { number: 7, ...run('2026-11-09T10:00:00Z') }];

    expect(movesToRule(stored, rule, 3 * HOUR)).toBeNull();
    const paired = withoutRunsMovedToSlots(stored, [{ number: 5, start: slotted.start }]);
    expect(paired).toEqual(stored.slice(1));
    expect(movesToRule(paired, rule, 3 * HOUR)?.map((move) => move.number)).toEqual([6, 7]);
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
