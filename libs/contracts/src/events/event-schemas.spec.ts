import { describe, expect, it } from 'vitest';
import { EventSchemas, type EventPayloads } from '../event-catalog';
import { EventExamples } from '../event-examples';
import type { EventType } from '../event-types';
import { IanaZoneSchema, InstantSchema, ReasonSchema, RegionCodeSchema, StatedReasonSchema } from './common.schema';
import { hourOfWeek } from './region-baseline.v1';
import { FlexibilitySchema, RecurrenceRuleSchema } from './window-snapshot.v1';

const eventTypes = Object.keys(EventSchemas) as EventType[];

/** Parses `payload` as `type` and returns "path: message" lines, or [] when valid. */
const problems = (type: EventType, payload: unknown): string[] => {
  const result = EventSchemas[type].safeParse(payload);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

const withChange = <T extends EventType>(type: T, change: Record<string, unknown>): unknown => ({ ...EventExamples[type], ...change });

describe('event schemas', () => {
  it.each(eventTypes)('%s accepts its example payload', (type) => {
    expect(problems(type, EventExamples[type])).toEqual([]);
  });

  it.each(eventTypes)('%s rejects unknown fields (strict on produce)', (type) => {
    expect(problems(type, withChange(type, { colour: 'blue' }))).toEqual([': Unrecognized key: "colour"']);
  });

  const badPayloads: Array<[name: string, type: EventType, payload: unknown, problem: string]> = [
    ['a negative traffic value', 'traffic.sample', withChange('traffic.sample', { value: -1 }), 'value: must be a finite number >= 0'],
    ['an infinite traffic value', 'traffic.sample', withChange('traffic.sample', { value: Infinity }), 'value: '],
    ['a traffic value a detector would overflow on', 'traffic.sample', withChange('traffic.sample', { value: 1.7976931348623157e308 }), 'value: must be at most 1e15'],
    ['an instant with an offset', 'traffic.sample', withChange('traffic.sample', { at: '2026-06-15T18:25:00+03:30' }), 'at: must be an ISO-8601 UTC instant'],
    ['a lower-case country code', 'traffic.sample', withChange('traffic.sample', { region: 'ir' }), 'region: must be an ISO 3166-1'],
    ['a metric with a slash', 'traffic.sample', withChange('traffic.sample', { metric: 'http/rps' }), 'metric: must be a metric name'],
    ['a baseline of 167 hours', 'region.baseline', withChange('region.baseline', { values: new Array(167).fill(1) }), 'values: must hold exactly 168 hours'],
    ['a baseline zone given as an offset', 'region.baseline', withChange('region.baseline', { zone: '+03:30' }), 'zone: must be an IANA time zone name'],
    ['a baseline zone that does not exist', 'region.baseline', withChange('region.baseline', { zone: 'Mars/Olympus' }), 'zone: must be an IANA time zone name'],
    ['a detector surge without evidence', 'surge.started', withChange('surge.started', { evidence: undefined }), 'evidence: a detector surge must name its metric and carry evidence'],
    ['an unknown severity', 'surge.updated', withChange('surge.updated', { severity: 'apocalyptic' }), 'severity: Invalid option'],
    ['a surge cleared before it started', 'surge.cleared', withChange('surge.cleared', { clearedAt: '2026-06-01T00:00:00Z' }), 'clearedAt: must not be before startedAt'],
    ['a signal lost before its last sample', 'signal.lost', withChange('signal.lost', { lostAt: '2026-06-15T14:00:00Z' }), 'lostAt: must not be before lastSampleAt'],
    ['a signal loss that was to be ignored', 'signal.lost', withChange('signal.lost', { onSignalLoss: 'ignore' }), 'onSignalLoss: Invalid option'],
    ['a restored signal naming no metric', 'signal.restored', withChange('signal.restored', { metric: undefined }), 'metric: Invalid input'],
    ['a window ending before it starts', 'window.scheduled', withChange('window.scheduled', { endsAt: '2026-06-15T16:00:00Z' }), 'endsAt: must be after startsAt'],
    ['a global footprint listing regions', 'window.scheduled', withChange('window.scheduled', { footprint: { global: true, regions: ['IR'] } }), 'footprint.regions: a global footprint lists no regions'],
    ['a window id that is not a UUID', 'window.scheduled', withChange('window.scheduled', { windowId: 'w-1' }), 'windowId: must be a UUID'],
    ['an RRULE without FREQ', 'window.scheduled', withChange('window.scheduled', { recurrence: 'BYDAY=SU' }), 'recurrence: must be an RFC 5545 RRULE'],
    ['an update naming no change', 'window.updated', withChange('window.updated', { changes: [] }), 'changes: must name at least one changed field'],
    ['a held window whose status is not held', 'window.held', withChange('window.held', { status: 'scheduled' }), 'status: Invalid input: expected "held"'],
    ['a release without its hold', 'window.released', withChange('window.released', { holdId: undefined }), 'holdId: '],
    ['a chosen slot that is not the new time', 'window.rescheduled', withChange('window.rescheduled', { startsAt: '2026-06-15T20:00:00Z' }), "chosenSlot: must match the window's new startsAt and endsAt"],
    ['a cancellation without a reason', 'window.cancelled', withChange('window.cancelled', { reason: '' }), 'reason: must explain why'],
    ['a start without its occurrence', 'window.started', withChange('window.started', { occurrence: undefined }), 'occurrence: '],
    ['a completion in progress', 'window.completed', withChange('window.completed', { status: 'in-progress' }), 'status: Invalid option'],
    ['a hold on no region', 'hold.placed', withChange('hold.placed', { regions: [] }), 'regions: must name at least one region'],
    ['a hold naming a region twice', 'hold.placed', withChange('hold.placed', { regions: ['IR', 'IR'] }), 'regions: must not repeat a region'],
    ['a hold ending before its period starts', 'hold.placed', withChange('hold.placed', { until: '2026-06-01T00:00:00Z' }), 'until: must be after from'],
    ['an unknown hold source', 'hold.placed', withChange('hold.placed', { source: 'rumour' }), 'source: Invalid option'],
    ['a release with a window id that is not a UUID', 'hold.released', withChange('hold.released', { windowIds: ['nope'] }), 'windowIds.0: must be a UUID'],
    ['a held window planned in an offset, not a zone', 'hold.placed', withChange('hold.placed', { windows: [{ ...EventExamples['hold.placed'].windows![0], plannedZone: '+10:30' }] }), 'windows.0.plannedZone: must be an IANA time zone name'],
    ['an override by nobody', 'hold.overridden', withChange('hold.overridden', { overriddenBy: '' }), 'overriddenBy: must not be empty'],
  ];

  it.each(badPayloads)('rejects %s', (_name, type, payload, problem) => {
    expect(problems(type, payload).join('\n')).toContain(problem);
  });

  it('accepts a hold until released, with until absent or null', () => {
    expect(problems('hold.placed', withChange('hold.placed', { until: undefined }))).toEqual([]);
    expect(problems('hold.placed', withChange('hold.placed', { until: null }))).toEqual([]);
  });

  it("accepts a hold event's windows with their planned zone, and without it, as a planner before 2026-12-07 sent them", () => {
    const lordHowe = { ...EventExamples['hold.placed'].windows![0], plannedZone: 'Australia/Lord_Howe' };
    const { plannedZone: _, ...unzoned } = lordHowe;
    for (const type of ['hold.placed', 'hold.released'] as const) {
      expect(problems(type, withChange(type, { windows: [lordHowe] }))).toEqual([]);
      expect(problems(type, withChange(type, { windows: [unzoned] }))).toEqual([]);
    }
    expect(problems('hold.overridden', withChange('hold.overridden', { window: lordHowe }))).toEqual([]);
  });

  it('accepts an alert surge with neither metric nor evidence', () => {
    const payload: EventPayloads['surge.started'] = { ...EventExamples['surge.started'], source: 'alert', metric: undefined, evidence: undefined };
    expect(problems('surge.started', payload)).toEqual([]);
  });
});

describe('shared field schemas', () => {
  it.each(['', ' ', '   ', '\t\n'])('refuses %j as a reason a person states in a request, while an event recorded with it still decodes', (text) => {
    expect(StatedReasonSchema.safeParse(text).success).toBe(false);
    expect(ReasonSchema.safeParse(text).success).toBe(text.length > 0);
  });
  it('says once why an empty reason is refused, and white space alone for what it is', () => {
    const issues = (text: string) => StatedReasonSchema.safeParse(text).error?.issues.map((issue) => issue.message);
    expect(issues('')).toEqual(['must explain why']);
    expect(issues('  ')).toEqual(['must explain why (it is only white space)']);
  });
  it('refuses a reason a person states holding a bidirectional override, while an event recorded with it still decodes', () => {
    const reason = 'Change approved by \u202eCAB\u202c';
    expect(StatedReasonSchema.safeParse(reason).error?.issues.map((issue) => issue.message)).toEqual([expect.stringMatching(/^holds U\+202E \(right-to-left override\) at character 20, .*remove it/)]);
    expect(ReasonSchema.safeParse(reason).success).toBe(true);
    expect(StatedReasonSchema.parse('\u200fانتخابات در ایران\u200f')).toBe('\u200fانتخابات در ایران\u200f');
  });
  it('takes a reason with white space around its words as it was written', () => {
    expect(StatedReasonSchema.parse('  election in IR ')).toBe('  election in IR ');
  });
  it.each(['IR', 'US', 'eu-west', 'apac', 'us-east-1'])('accepts region code %s', (code) => {
    expect(RegionCodeSchema.safeParse(code).success).toBe(true);
  });
  it.each(['ir', 'IRN', 'EU-WEST', 'eu_west', '-eu', 'eu-', ''])('rejects region code %j', (code) => {
    expect(RegionCodeSchema.safeParse(code).success).toBe(false);
  });
  it.each(['Asia/Tehran', 'Asia/Kathmandu', 'America/Los_Angeles', 'UTC', 'Etc/GMT+3', 'Etc/GMT', 'Etc/Universal'])('accepts zone %s', (zone) => {
    expect(IanaZoneSchema.safeParse(zone).success).toBe(true);
  });
  // tzdb's names with no place in them, which libs/time never computed with: no event carried one.
  it.each(['+03:30', '-0700', 'Tehran', '', 'GMT', 'UCT', 'Zulu', 'Greenwich', 'GMT0', 'PST'])('rejects zone %j', (zone) => {
    expect(IanaZoneSchema.safeParse(zone).success).toBe(false);
  });
  it.each([
    ['Europe/Berln', 'must be an IANA time zone name: did you mean Europe/Berlin?'],
    ['asia/teheran', 'must be an IANA time zone name: did you mean Asia/Tehran?'],
    ['America/LosAngeles', 'must be an IANA time zone name: did you mean America/Los_Angeles?'],
    ['Tehran', 'must be an IANA time zone name: did you mean Asia/Tehran?'],
    ['Los Angeles', 'must be an IANA time zone name: did you mean America/Los_Angeles?'],
    ['+03:30', 'must be an IANA time zone name such as Asia/Tehran, not an offset'],
    ['-0700', 'must be an IANA time zone name such as Asia/Tehran, not an offset'],
    ['UTC+3', 'must be an IANA time zone name such as Asia/Tehran, not an offset'],
    ['Mars/Olympus', 'must be an IANA time zone name such as Asia/Tehran or UTC: "Mars/Olympus" is not one'],
    ['Factory', 'must be an IANA time zone name such as Asia/Tehran or UTC: "Factory" is not one'],
    ['', 'must be an IANA time zone name such as Asia/Tehran or UTC, not empty'],
    // ISO 8601 writes UTC as Z: the person meant UTC, not the zone a few letters away (Asia/Gaza).
    ['Z', 'must be an IANA time zone name: did you mean UTC?'],
    ['z', 'must be an IANA time zone name: did you mean UTC?'],
    ['UTX', 'must be an IANA time zone name: did you mean UTC?'],
  ])('refuses zone %j saying %j', (zone, message) => {
    expect(IanaZoneSchema.safeParse(zone).error?.issues.map((issue) => issue.message)).toEqual([message]);
  });
  it('gives the same answer for a zone asked about again (valid names are remembered, refused ones are not)', () => {
    for (const round of [1, 2]) {
      expect(IanaZoneSchema.safeParse('Asia/Tehran').success, `round ${round}`).toBe(true);
      expect(IanaZoneSchema.safeParse('Mars/Olympus').success, `round ${round}`).toBe(false);
    }
  });
  it('takes instants with fractional seconds but only in UTC', () => {
    expect(InstantSchema.safeParse('2026-06-15T14:55:00.123Z').success).toBe(true);
    expect(InstantSchema.safeParse('2026-06-15T14:55:00').success).toBe(false);
  });
  it.each(['FREQ=WEEKLY;BYDAY=SU', 'RRULE:FREQ=MONTHLY;BYMONTHDAY=1', 'INTERVAL=2;FREQ=DAILY'])('accepts RRULE %s', (rule) => {
    expect(RecurrenceRuleSchema.safeParse(rule).success).toBe(true);
  });
  it('indexes the baseline by local hour of week from Monday 00:00', () => {
    expect(hourOfWeek(1, 0)).toBe(0);
    expect(hourOfWeek(7, 23)).toBe(167);
  });
});

describe('what a window may be', () => {
  const window = EventExamples['window.scheduled'];
  it.each([
    ['FREQ=MINUTELY', 'FREQ takes one of HOURLY'],
    ['FREQ=SECONDLY', 'FREQ takes one of HOURLY'],
    ['FREQ=WEEKLY;BYSECOND=5', 'not a part a window rule may use'],
    ['FREQ=WEEKLY;TZID=Europe/Berlin', 'must not carry TZID'],
    ['FREQ=WEEKLY;BYDAY=XX', 'BYDAY takes days'],
    ['FREQ=DAILY;COUNT=3;UNTIL=20260401', 'COUNT or UNTIL, not both'],
    ['FREQ=DAILY;FREQ=WEEKLY', 'names FREQ twice'],
    ['FREQ=HOURLY;COUNT=1000000', 'COUNT takes a whole number from 1 to 99999'],
    ['FREQ=DAILY;INTERVAL=0', 'INTERVAL takes a whole number from 1 to 9999'],
  ])('refuses the recurrence %s, saying why', (recurrence, problem) => {
    expect(problems('window.scheduled', { ...window, recurrence }).join('\n')).toContain(problem);
  });

  it('takes EXDATEs as local starts or instants, only on a recurring window', () => {
    expect(problems('window.scheduled', { ...window, recurrence: 'freq=weekly', exdates: ['2026-06-22T10:00', '2026-06-29T17:00:00Z'] })).toEqual([]);
    expect(problems('window.scheduled', { ...window, recurrence: 'FREQ=WEEKLY', exdates: ['2026-02-30T10:00'] }).join('\n')).toContain('exdates.0: is not a real calendar time');
    expect(problems('window.scheduled', { ...window, exdates: ['2026-06-22T10:00'] }).join('\n')).toContain('exdates: only a recurring window has exdates');
  });

  it('takes allowed local hours as HH:mm ranges read in every region or the window zone, autoMove defaulting to false', () => {
    const flexibility = { earliestStartAt: '2026-06-15T00:00:00Z', deadlineAt: '2026-06-20T00:00:00Z', allowedLocalHours: { ranges: [{ from: '22:00', to: '24:00' }] } };
    const parsed = FlexibilitySchema.parse(flexibility);
    expect(parsed).toMatchObject({ autoMove: false, allowedLocalHours: { in: 'every-region' } });
    expect(problems('window.scheduled', { ...window, flexibility: { ...parsed, allowedLocalHours: { ranges: [{ from: '05:00', to: '05:00' }], in: 'every-region' } } }).join('\n')).toContain(
      'flexibility.allowedLocalHours.ranges.0.to: from and to must differ',
    );
    expect(problems('window.scheduled', { ...window, flexibility: { ...parsed, allowedLocalHours: { ranges: [{ from: '1:00', to: '25:00' }], in: 'every-region' } } })).toHaveLength(2);
  });

  it('takes traffic shares only for listed regions, adding up to at most 1', () => {
    expect(problems('window.scheduled', { ...window, footprint: { global: false, regions: ['IR', 'eu-west'], shares: { IR: 0.7 } } })).toEqual([]);
    expect(problems('window.scheduled', { ...window, footprint: { global: false, regions: ['IR'], shares: { DE: 0.5 } } }).join('\n')).toContain('footprint.shares: may only give shares');
    expect(problems('window.scheduled', { ...window, footprint: { global: false, regions: ['IR', 'eu-west'], shares: { IR: 0.7, 'eu-west': 0.7 } } }).join('\n')).toContain('must add up to at most 1');
  });
});
