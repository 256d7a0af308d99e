import { describe, expect, it } from 'vitest';
import { IanaZoneSchema, isZoneName, requestZoneSchema, zoneNameRefusal } from './common.schema';

describe('a time zone name', () => {
  it.each(['UTC', 'Etc/GMT+3', 'Etc/GMT', 'Etc/UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Asia/Calcutta', 'US/Pacific', 'europe/berlin'])('is %s, an Area/Location name Intl knows or UTC', (zone) => {
    expect(isZoneName(zone)).toBe(true);
    expect(IanaZoneSchema.safeParse(zone).success).toBe(true);
  });

  // Intl takes each of these, and ICU reads some as another place than the writer's ("BST" is Dhaka).
  it.each(['PST', 'BST', 'IST', 'EST', 'CET', 'GMT', 'UCT', 'Zulu', 'EST5EDT', 'Japan', 'utc', 'SystemV/PST8'])('is not %s, a name with no place in it', (zone) => {
    expect(isZoneName(zone)).toBe(false);
    expect(IanaZoneSchema.safeParse(zone).success).toBe(false);
  });

  it.each([
    ['PST', 'must be an IANA time zone name, not an abbreviation: "PST" is read as America/Los_Angeles; write that (or the zone you meant)'],
    ['pst', 'must be an IANA time zone name, not an abbreviation: "pst" is read as America/Los_Angeles; write that (or the zone you meant)'],
    ['CET', 'must be an IANA time zone name, not an abbreviation: "CET" is read as Europe/Brussels; write that (or the zone you meant)'],
    ['GMT', 'must be an IANA time zone name, not an abbreviation: "GMT" is read as UTC; write that (or the zone you meant)'],
    ['BST', 'must be an IANA time zone name, not an abbreviation: ICU reads "BST" as Asia/Dhaka, which may not be what was meant (British Summer Time is Europe/London); write the zone you meant'],
    ['IST', 'must be an IANA time zone name, not an abbreviation: ICU reads "IST" as Asia/Calcutta, which may not be what was meant (Irish Standard Time is Europe/Dublin, Israel Standard Time Asia/Jerusalem); write the zone you meant'],
    ['EST', 'must be an IANA time zone name, not an abbreviation: ICU reads "EST" as America/Panama, which may not be what was meant (US Eastern Time, with its summer time, is America/New_York); write the zone you meant'],
    ['EST5EDT', 'must be an IANA time zone name, not a legacy name: "EST5EDT" is read as America/New_York; write that (or the zone you meant)'],
    ['Japan', 'must be an IANA time zone name, not a legacy name: "Japan" is read as Asia/Tokyo; write that (or the zone you meant)'],
  ])('refuses %j naming the zone ICU reads it as', (zone, message) => {
    expect(zoneNameRefusal(zone)).toBe(message);
    expect(IanaZoneSchema.safeParse(zone).error?.issues.map((issue) => issue.message)).toEqual([message]);
  });

  it('words offsets and misspellings as before, and has nothing to say of a zone name', () => {
    expect(zoneNameRefusal('+03:30')).toBe('must be an IANA time zone name such as Asia/Tehran, not an offset');
    expect(zoneNameRefusal('GMT+0')).toBe('must be an IANA time zone name such as Asia/Tehran, not an offset');
    expect(zoneNameRefusal('Europe/Berln')).toBe('must be an IANA time zone name: did you mean Europe/Berlin?');
    expect(zoneNameRefusal('SystemV/PST8')).toBe('must be an IANA time zone name such as Asia/Tehran or UTC: "SystemV/PST8" is not one');
    expect(zoneNameRefusal('Asia/Tehran')).toBeUndefined();
  });
});

describe('a time zone name as a request gives it', () => {
  // tzdb's spelling, as the planner reads a window's planned zone.
  const tzdbSpelling: Record<string, string> = { GMT: 'Etc/GMT', UCT: 'UTC', 'asia/calcutta': 'Asia/Kolkata', EST: 'America/Panama', Japan: 'Asia/Tokyo' };
  const RequestZone = requestZoneSchema((name) => tzdbSpelling[name] ?? name);

  it("is read in the request's spelling first, so tzdb's names for UTC and GMT and its old names are taken", () => {
    expect(['GMT', 'UCT', 'asia/calcutta', 'Japan', 'UTC', 'Etc/GMT+3'].map((zone) => RequestZone.parse(zone))).toEqual(['Etc/GMT', 'UTC', 'Asia/Kolkata', 'Asia/Tokyo', 'UTC', 'Etc/GMT+3']);
  });

  it('is never an abbreviation read as a place, not even one tzdb names (EST is Panama, which keeps no summer time)', () => {
    expect(RequestZone.safeParse('EST').error?.issues.map((issue) => issue.message)).toEqual([zoneNameRefusal('EST')]);
    expect(RequestZone.safeParse('PST').error?.issues.map((issue) => issue.message)).toEqual([zoneNameRefusal('PST')]);
  });

  it('reads as IanaZoneSchema in the OpenAPI document', () => {
    expect(RequestZone.meta()).toEqual(IanaZoneSchema.meta());
  });
});
