import { assertKnownZone } from '@holdfast/time';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CancelWindowSchema, CreateWindowSchema, UpdateWindowSchema, WindowOverrideSchema } from './window-request.schema';

const plannedZone = (zone: string) => UpdateWindowSchema.safeParse({ plannedZone: zone });

describe("a window's planned zone", () => {
  const window = { title: 'Router upgrade', ownerTeam: 'network-ops', footprint: { global: false, regions: ['IR'] }, startsAt: '2026-06-15T10:00:00Z', endsAt: '2026-06-15T11:00:00Z' };

  // tzdb's own names for UTC and GMT: taken, stored as the zone they link to, and a zone the
  // planner computes with (each answered 422 unknown-zone once, the link left as sent).
  it.each([
    ['GMT', 'Etc/GMT'],
    ['GMT0', 'Etc/GMT'],
    ['Greenwich', 'Etc/GMT'],
    ['Etc/GMT', 'Etc/GMT'],
    ['UCT', 'UTC'],
    ['Zulu', 'UTC'],
    ['Etc/Universal', 'UTC'],
    ['Etc/UTC', 'UTC'],
    ['utc', 'UTC'],
    ['US/Pacific', 'America/Los_Angeles'],
    ['EST5EDT', 'America/New_York'],
    ['Japan', 'Asia/Tokyo'],
  ])('takes %s and stores it as %s', (given, stored) => {
    const parsed = plannedZone(given);
    expect(parsed.data?.plannedZone).toBe(stored);
    expect(assertKnownZone(stored)).toBe(stored);
  });

  it.each([
    ['Mars/Olympus', 'must be an IANA time zone name such as Asia/Tehran or UTC: "Mars/Olympus" is not one'],
    ['Factory', 'must be an IANA time zone name such as Asia/Tehran or UTC: "Factory" is not one'],
    ['', 'must be an IANA time zone name such as Asia/Tehran or UTC, not empty'],
    ['Z', 'must be an IANA time zone name: did you mean UTC?'],
    ['+03:30', 'must be an IANA time zone name such as Asia/Tehran, not an offset'],
    ['Europe/Berln', 'must be an IANA time zone name: did you mean Europe/Berlin?'],
    // An abbreviation passed the schema and was a 422 unknown-zone once (PST), or was stored as tzdb reads it (EST: Panama, with no summer time).
    ['PST', 'must be an IANA time zone name, not an abbreviation: "PST" is read as America/Los_Angeles; write that (or the zone you meant)'],
    ['pst', 'must be an IANA time zone name, not an abbreviation: "pst" is read as America/Los_Angeles; write that (or the zone you meant)'],
    ['BST', 'must be an IANA time zone name, not an abbreviation: ICU reads "BST" as Asia/Dhaka, which may not be what was meant (British Summer Time is Europe/London); write the zone you meant'],
    ['EST', 'must be an IANA time zone name, not an abbreviation: ICU reads "EST" as America/Panama, which may not be what was meant (US Eastern Time, with its summer time, is America/New_York); write the zone you meant'],
  ])('refuses %j saying %j', (given, message) => {
    expect(plannedZone(given).error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([['plannedZone', message]]);
    expect(CreateWindowSchema.safeParse({ ...window, plannedZone: given }).error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([['plannedZone', message]]);
  });
});

describe("a window's title and reasons", () => {
  const window = { title: 'Router upgrade', ownerTeam: 'network-ops', footprint: { global: false, regions: ['IR'] }, startsAt: '2026-06-15T10:00:00Z', endsAt: '2026-06-15T11:00:00Z', plannedZone: 'UTC' };
  const issues = (schema: z.ZodType, input: unknown) => schema.safeParse(input).error?.issues.map((issue) => [issue.path.join('.'), issue.message]);

  it('refuses a title that would be shown as "DB upgrade - approved" while it says otherwise, naming the character and where it is', () => {
    const refused = [['title', expect.stringMatching(/^holds U\+202E \(right-to-left override\) at character 14, .*remove it: right-to-left text \(Persian, Arabic, Hebrew\) needs no control characters/)]];
    expect(issues(CreateWindowSchema, { ...window, title: 'DB upgrade - \u202edevorppa\u202c' })).toEqual(refused);
    expect(issues(UpdateWindowSchema, { title: 'DB upgrade - \u202edevorppa\u202c' })).toEqual(refused);
  });

  it('takes a title in Persian, with the marks U+200E and U+200F and a closed isolate', () => {
    expect(issues(CreateWindowSchema, { ...window, title: '\u200fارتقای روترهای \u2066IR-THR\u2069 تهران\u200e' })).toBeUndefined();
  });

  it('refuses an override or cancellation reason holding an isolate left open', () => {
    expect(issues(WindowOverrideSchema, { reason: 'approved \u2067by CAB' })).toEqual([['reason', expect.stringMatching(/^holds U\+2067 \(right-to-left isolate\) at character 10 that no U\+2069 closes/)]]);
    expect(issues(CancelWindowSchema, { reason: 'done\u2069' })).toEqual([['reason', expect.stringMatching(/^holds U\+2069 \(pop directional isolate\) at character 5 with no isolate open/)]]);
    expect(issues(CreateWindowSchema, { ...window, override: { reason: '\u202bCAB\u202c' } })).toEqual([['override.reason', expect.stringMatching(/^holds U\+202B/)]]);
  });
});

describe("a window's length", () => {
  const window = { title: 'Router upgrade', ownerTeam: 'network-ops', footprint: { global: false, regions: ['IR'] }, startsAt: '2026-06-15T10:00:00Z', plannedZone: 'UTC' };
  const issues = (endsAt: string) => CreateWindowSchema.safeParse({ ...window, endsAt }).error?.issues.map((issue) => [issue.path.join('.'), issue.message]);

  it.each([
    ['2026-06-15T10:00:00.100Z', 'the window lasts 0.1 seconds'],
    ['2026-06-15T10:00:59.999Z', 'the window lasts 59.999 seconds'],
  ])('refuses one ending at %s, naming endsAt and the minute it must last', (endsAt, lasts) => {
    expect(issues(endsAt)).toEqual([['endsAt', `must be at least 1 minute after startsAt: ${lasts}`]]);
  });

  it('takes one lasting a minute, and one of a minute and a half-second (its times are kept to the millisecond)', () => {
    expect(issues('2026-06-15T10:01:00Z')).toBeUndefined();
    expect(issues('2026-06-15T10:01:00.500Z')).toBeUndefined();
  });
});

describe("a window's recurrence", () => {
  const recurrence = (rule: string | null) => UpdateWindowSchema.safeParse({ recurrence: rule });

  it.each([
    ['freq=weekly;byday=mo', 'FREQ=WEEKLY;BYDAY=MO'],
    ['RRULE:BYDAY=MO;FREQ=WEEKLY', 'FREQ=WEEKLY;BYDAY=MO'],
    [' FREQ=monthly;BYDAY=1mo ', 'FREQ=MONTHLY;BYDAY=+1MO'],
    ['until=20261231;freq=daily', 'FREQ=DAILY;UNTIL=20261231'],
  ])('stores %j as %j', (sent, stored) => {
    expect(recurrence(sent).data?.recurrence).toBe(stored);
  });

  it('refuses what it refused before, and takes null as before', () => {
    expect(recurrence('FREQ=WEEKLY; BYDAY=MO').error?.issues[0]?.message).toMatch(/^must be an RFC 5545 RRULE a window may recur by: it has " BYDAY=MO"/);
    expect(recurrence('FREQ=MINUTELY').success).toBe(false);
    expect(recurrence(null).data?.recurrence).toBeNull();
  });
});
