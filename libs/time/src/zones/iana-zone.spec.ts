import { IanaZoneSchema } from '@holdfast/contracts';
import { describe, expect, it } from 'vitest';
import { TimeError, TimeErrorCode } from '../errors/time.error';
import { assertKnownZone, isKnownZone, zoneOffsetLookup } from './iana-zone';

describe('IANA zones', () => {
  it.each(['Asia/Tehran', 'Asia/Kathmandu', 'Australia/Adelaide', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'UTC'])('accepts %s', (zone) => {
    expect(assertKnownZone(zone)).toBe(zone);
  });

  it.each(['Mars/Olympus', '', '+03:00', 'UTC+3', 'PST', 'BST', 'IST', 'SystemV/PST8', 'Europe/'])('refuses %j with an error naming it, never falling back to UTC', (zone) => {
    expect(isKnownZone(zone)).toBe(false);
    const error = captureError(() => assertKnownZone(zone));
    expect(error).toBeInstanceOf(TimeError);
    expect(error.code).toBe(TimeErrorCode.UnknownZone);
    expect(error.message).toContain(`"${zone}"`);
  });

  // ICU's abbreviations (Java's three-letter ids), tzdb's names with no place in them, and ICU's SystemV zones.
  const placeless = ['PST', 'BST', 'IST', 'CST', 'AST', 'ECT', 'EST', 'MST', 'HST', 'CET', 'GMT', 'GMT0', 'UCT', 'Zulu', 'EST5EDT', 'PST8PDT', 'Japan', 'NZ', 'utc', 'SystemV/EST5'];

  it('takes what an event takes and refuses what an event refuses, by one rule', () => {
    for (const zone of [...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/GMT+3', 'Asia/Calcutta', 'US/Pacific', ...placeless]) {
      expect(isKnownZone(zone), zone).toBe(IanaZoneSchema.safeParse(zone).success);
    }
  });

  it('tells why a zone is refused as an event or a request does', () => {
    expect(captureError(() => assertKnownZone('PST')).message).toBe('Time zone "PST" must be an IANA time zone name, not an abbreviation: "PST" is read as America/Los_Angeles; write that (or the zone you meant)');
    expect(captureError(() => assertKnownZone('Europe/Berln')).message).toBe('Time zone "Europe/Berln" must be an IANA time zone name: did you mean Europe/Berlin?');
  });

  it('reads offsets in milliseconds from the tz data, including 45-minute zones', () => {
    expect(zoneOffsetLookup('Asia/Kathmandu')(Date.UTC(2026, 0, 1))).toBe((5 * 60 + 45) * 60_000);
    expect(zoneOffsetLookup('America/Los_Angeles')(Date.UTC(2026, 0, 1))).toBe(-8 * 3_600_000);
  });

  it('refuses to build an offset look-up for an unknown zone', () => {
    expect(() => zoneOffsetLookup('Nowhere/Atlantis')).toThrow(/Nowhere\/Atlantis/);
  });
});

function captureError(action: () => unknown): TimeError {
  try {
    action();
  } catch (error) {
    return error as TimeError;
  }
  throw new Error('expected an error');
}
