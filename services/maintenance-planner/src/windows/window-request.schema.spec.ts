import { assertKnownZone } from '@holdfast/time';
import { describe, expect, it } from 'vitest';
import { UpdateWindowSchema } from './window-request.schema';

const plannedZone = (zone: string) => UpdateWindowSchema.safeParse({ plannedZone: zone });

describe("a window's planned zone", () => {
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
    ['EST', 'America/Panama'],
    ['US/Pacific', 'America/Los_Angeles'],
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
  ])('refuses %j saying %j', (given, message) => {
    expect(plannedZone(given).error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([['plannedZone', message]]);
  });
});
