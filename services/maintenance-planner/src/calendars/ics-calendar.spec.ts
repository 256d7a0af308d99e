import ICAL from 'ical.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DateTime } from 'luxon';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { changesInYears, escapeText, feedEntityTag, foldLine, ICS_WRITER_REVISION, icsCalendar, offsetChanges, zoneAbbreviation, ZoneSpan, type CalendarEvent } from './ics-calendar';

const event = {
  uid: 'w-1-1@holdfast',
  sequence: 2,
  changedAt: new Date('2009-05-31T12:00:00Z'),
  stampedAt: new Date('2009-06-01T00:00:00Z'),
  startsAt: new Date('2009-06-15T21:00:00Z'),
  endsAt: new Date('2009-06-15T22:00:00Z'),
  zone: 'America/Los_Angeles',
  summary: '[HELD] Core router upgrade',
  description: 'Held by manual hold h-1 on IR: election; unrest, traffic\nWindow w-1',
  status: 'TENTATIVE' as const,
  categories: ['Holdfast', 'held', 'IR'],
};

/** SHA-256 of icsCalendar('Team', [event], { warning: 'A warning' }) and icsCalendar('Team', [], { note: 'A note' }) at ICS_WRITER_REVISION 2. */
const WRITTEN_AT_REVISION_2 = 'f10af2eb829cd6afd16b1ea144368580cf77e2ee9a6b39c5dbc5eca08ac920d5';

describe('iCalendar writing (RFC 5545)', () => {
  it('escapes TEXT values and folds long lines at 75 octets without splitting a character', () => {
    expect(escapeText('a;b,c\\d\ne')).toBe('a\\;b\\,c\\\\d\\ne');
    const folded = foldLine(`DESCRIPTION:${'é'.repeat(80)}`);
    for (const line of folded.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(folded.replace(/\r\n /g, '')).toBe(`DESCRIPTION:${'é'.repeat(80)}`);
  });

  it('writes a line break of any kind in a title as \\n and leaves out control characters, so every content line ends at a CRLF of its own', async () => {
    expect(escapeText('one\rtwo\r\nthree\nfour\u0007\u0000\tfive')).toBe('one\\ntwo\\nthree\\nfour\tfive');
    const summary = 'Upgrade\rEND:VEVENT\rBEGIN:VEVENT\rUID:injected\r\nSUMMARY:bell\u0007';
    const ics = await icsCalendar('Team', [{ ...event, summary }]);
    // eslint-disable-next-line no-control-regex -- control characters are what is looked for
    for (const line of ics.split('\r\n')) expect(line, JSON.stringify(line)).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f]/);
    const [parsed, ...more] = new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents('vevent');
    expect(more).toEqual([]);
    expect(parsed.getFirstPropertyValue('summary')).toBe('Upgrade\nEND:VEVENT\nBEGIN:VEVENT\nUID:injected\nSUMMARY:bell');
  });

  it('finds a zone\'s offset changes to the minute: Los Angeles springs forward at 02:00 local on 8 March 2026', () => {
    const [change] = offsetChanges('America/Los_Angeles', new Date('2026-03-01T00:00:00Z'), new Date('2026-04-01T00:00:00Z'));
    expect(change.at.toUTC().toISO()).toBe('2026-03-08T10:00:00.000Z');
    expect([change.before, change.after]).toEqual([-480, -420]);
    expect(offsetChanges('Asia/Kathmandu', new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z'))).toEqual([]);
  });

  it('finds the changes a year at a time as offsetChanges finds them over any span, a change at either end included as it does', () => {
    const spans: [string, string, string][] = [
      ['America/Los_Angeles', '2025-11-02T09:00:30Z', '2027-03-14T10:00:00Z'],
      ['Europe/Berlin', '2025-06-01T00:00:00Z', '2026-10-25T01:00:00Z'],
      ['Asia/Tehran', '2008-03-20T20:30:00Z', '2023-01-01T00:00:00Z'],
      ['Australia/Lord_Howe', '2025-04-05T14:59:00Z', '2026-12-31T23:59:59Z'],
      ['Africa/Casablanca', '2024-01-01T00:00:00Z', '2026-01-01T00:00:00Z'],
    ];
    for (const [zone, from, to] of spans) {
      const read = (changes: ReturnType<typeof offsetChanges>) => changes.map((change) => [change.at.toMillis(), change.before, change.after]);
      expect(read(changesInYears(zone, new Date(from), new Date(to))), zone).toEqual(read(offsetChanges(zone, new Date(from), new Date(to))));
    }
  });

  it('searches a zone-year once: a second feed over the same years reads no offsets again', () => {
    const from = new Date('2031-01-01T00:00:00Z');
    const to = new Date('2033-06-01T00:00:00Z');
    const first = new ZoneSpan('Pacific/Chatham', from, to).vtimezone();
    const lookups = vi.spyOn(DateTime, 'fromMillis');
    try {
      expect(new ZoneSpan('Pacific/Chatham', from, to).vtimezone()).toEqual(first);
      // Searching 2.5 years day by day reads two offsets a day: over 1,800 lookups.
      expect(lookups.mock.calls.length).toBeLessThan(20);
    } finally {
      lookups.mockRestore();
    }
  });

  it("reads each instant's wall-clock time and whether it repeats from the zone's changes as luxon reads them from ICU (property)", () => {
    const zones = ['America/Los_Angeles', 'Europe/Berlin', 'Asia/Tehran', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns', 'Asia/Almaty', 'UTC'];
    const from = Date.UTC(2008, 0, 1);
    const to = Date.UTC(2030, 0, 1);
    const spans = new Map(zones.map((zone) => [zone, new ZoneSpan(zone, new Date(from), new Date(to))]));
    // Repeats: the same wall-clock time under another offset, a day either side, is this zone's reading of another instant.
    const repeatsByIcu = (ms: number, zone: string) => {
      const offset = DateTime.fromMillis(ms, { zone }).offset;
      return [ms - 86_400_000, ms + 86_400_000].some((near) => {
        const other = DateTime.fromMillis(near, { zone }).offset;
        return other !== offset && DateTime.fromMillis(ms + (offset - other) * 60_000, { zone }).offset === other;
      });
    };
    // Any minute, or a minute within two hours of one of the zone's changes: where a reading off by one change shows.
    const instantsIn = (zone: string) => {
      const changes = changesInYears(zone, new Date(from), new Date(to)).map((change) => change.at.toMillis());
      const anyMinute = fc.integer({ min: from / 60_000, max: to / 60_000 - 1 }).map((minute) => minute * 60_000);
      if (changes.length === 0) return anyMinute;
      return fc.oneof(anyMinute, fc.tuple(fc.constantFrom(...changes), fc.integer({ min: -120, max: 120 })).map(([at, minutes]) => at + minutes * 60_000));
    };
    fc.assert(
      fc.property(
        fc.constantFrom(...zones).chain((zone) => fc.tuple(fc.constant(zone), instantsIn(zone))),
        ([zone, ms]) => {
          const span = spans.get(zone)!;
          expect(span.localText(new Date(ms)), `${zone} ${new Date(ms).toISOString()}`).toBe(DateTime.fromMillis(ms, { zone }).toFormat("yyyyMMdd'T'HHmmss"));
          expect(span.repeats(new Date(ms)), `${zone} ${new Date(ms).toISOString()}`).toBe(repeatsByIcu(ms, zone));
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('writes a VTIMEZONE for Tehran as it was in 2009 (summer time, +04:30) and as it is since 2022 (+03:30 all year)', () => {
    const in2009 = new ZoneSpan('Asia/Tehran', new Date('2009-01-01T00:00:00Z'), new Date('2010-01-01T00:00:00Z')).vtimezone().join('\n');
    expect(in2009).toContain('BEGIN:DAYLIGHT\nDTSTART:20090322T000000\nTZOFFSETFROM:+0330\nTZOFFSETTO:+0430');
    expect(in2009).toContain('BEGIN:STANDARD\nDTSTART:20090922T000000\nTZOFFSETFROM:+0430\nTZOFFSETTO:+0330');
    const in2026 = new ZoneSpan('Asia/Tehran', new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z')).vtimezone().join('\n');
    expect(in2026).toBe('BEGIN:VTIMEZONE\nTZID:Asia/Tehran\nBEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+0330\nTZOFFSETTO:+0330\nEND:STANDARD\nEND:VTIMEZONE');
  });

  it('names a zone by its abbreviation where English has one (PDT, CEST, BST, GMT) and leaves TZNAME out where ICU has only "GMT+2"-style names', () => {
    const at = (iso: string, zone: string) => zoneAbbreviation(DateTime.fromISO(iso, { zone }));
    expect(['America/Los_Angeles', 'Europe/Berlin', 'Europe/London'].map((zone) => at('2026-07-01T12:00', zone))).toEqual(['PDT', 'CEST', 'BST']);
    expect(['America/Los_Angeles', 'Europe/Berlin', 'Europe/London'].map((zone) => at('2026-01-01T12:00', zone))).toEqual(['PST', 'CET', 'GMT']);
    expect(['Asia/Tehran', 'Asia/Kathmandu', 'Europe/Moscow'].map((zone) => at('2026-07-01T12:00', zone))).toEqual([undefined, undefined, undefined]);
    const berlin = new ZoneSpan('Europe/Berlin', new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z')).vtimezone().join('\n');
    expect(berlin).toContain('BEGIN:DAYLIGHT\nDTSTART:20260329T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nTZNAME:CEST\nEND:DAYLIGHT');
    expect(berlin).toContain('BEGIN:STANDARD\nDTSTART:20261025T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nTZNAME:CET\nEND:STANDARD');
  });

  it('writes each occurrence as a VEVENT in its planned zone with CRLF lines: 14:00 in Los Angeles in June 2009', async () => {
    const calendar = await icsCalendar('Holdfast maintenance: team network-ops', [event]);
    expect(calendar.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(calendar.split('\r\n').every((line) => !line.includes('\n'))).toBe(true);
    const unfolded = calendar.replace(/\r\n /g, '');
    expect(unfolded).toContain('BEGIN:VTIMEZONE\r\nTZID:America/Los_Angeles\r\n');
    expect(unfolded).toContain(
      [
        'BEGIN:VEVENT',
        'UID:w-1-1@holdfast',
        'SEQUENCE:2',
        'DTSTAMP:20090601T000000Z',
        'LAST-MODIFIED:20090531T120000Z',
        'DTSTART;TZID=America/Los_Angeles:20090615T140000',
        'DTEND;TZID=America/Los_Angeles:20090615T150000',
        'SUMMARY:[HELD] Core router upgrade',
        'DESCRIPTION:Held by manual hold h-1 on IR: election\\; unrest\\, traffic\\nWindow w-1',
        'STATUS:TENTATIVE',
        'CATEGORIES:Holdfast,held,IR',
        'END:VEVENT',
      ].join('\r\n'),
    );
  });

  it('writes a feed with no run with one component all the same, as RFC 5545 asks (icalbody = calprops component), and no event', async () => {
    const empty = await icsCalendar('Holdfast maintenance: team new-team', []);
    const body = empty.split('\r\n').slice(0, -2);
    expect(body.slice(body.indexOf('BEGIN:VTIMEZONE'))).toEqual(['BEGIN:VTIMEZONE', 'TZID:UTC', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0000', 'TZOFFSETTO:+0000', 'TZNAME:UTC', 'END:STANDARD', 'END:VTIMEZONE']);
    const calendar = new ICAL.Component(ICAL.parse(empty));
    expect(calendar.getAllSubcomponents().map((component) => component.name)).toEqual(['vtimezone']);
    // A feed with runs needs nothing more: its events and their zones are its components.
    expect(new ICAL.Component(ICAL.parse(await icsCalendar('Team', [event]))).getAllSubcomponents().map((component) => component.name)).toEqual(['vtimezone', 'vevent']);
  });

  it('tags a feed by everything it writes but DTSTAMP, and holds the writer to the revision its tags name', async () => {
    const tag = await feedEntityTag('Team', [event]);
    expect(tag).toMatch(/^W\/"[\w-]{43}"$/);
    expect(await feedEntityTag('Team', [{ ...event, stampedAt: new Date('2009-06-02T00:00:00Z') }])).toBe(tag);
    expect(await feedEntityTag('Team', [{ ...event, sequence: 3 }])).not.toBe(tag);
    expect(await feedEntityTag('Team', [event], { warning: 'cut' })).not.toBe(tag);
    expect(await feedEntityTag('Team', [event], { note: 'until 2027-05-02' })).not.toBe(await feedEntityTag('Team', [event], { note: 'until 2027-05-03' }));
    // Changed what icsCalendar writes? Raise ICS_WRITER_REVISION, so clients holding feeds of before are sent the new bytes, and record the digest here.
    const written = createHash('sha256')
      .update(await icsCalendar('Team', [event], { warning: 'A warning' }))
      .update(await icsCalendar('Team', [], { note: 'A note' }))
      .digest('hex');
    expect({ revision: ICS_WRITER_REVISION, written }).toEqual({ revision: 2, written: WRITTEN_AT_REVISION_2 });
  });

  describe('read back by ical.js (a maintained parser) with the calendar\'s own VTIMEZONEs', () => {
    afterEach(() => ICAL.TimezoneService.reset());

    const readBack = async (events: CalendarEvent[]) => {
      const calendar = new ICAL.Component(ICAL.parse(await icsCalendar('Holdfast maintenance: test', events)));
      for (const zone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(zone);
      return calendar.getAllSubcomponents('vevent').map((vevent) => {
        const parsed = new ICAL.Event(vevent);
        const toUtc = (time: ICAL.Time) => time.convertToZone(ICAL.Timezone.utcTimezone).toString();
        return { uid: parsed.uid, zone: parsed.startDate.zone?.tzid, local: parsed.startDate.toString(), start: toUtc(parsed.startDate), end: toUtc(parsed.endDate) };
      });
    };
    const at = (uid: string, zone: string, startsAt: string, endsAt: string): CalendarEvent => ({ ...event, uid, zone, startsAt: new Date(startsAt), endsAt: new Date(endsAt) });

    it('reads 14:00 in Los Angeles on 12 June 2009 as 01:30 on the 13th in Tehran\'s summer time (+04:30)', async () => {
      const [losAngeles, tehran] = await readBack([at('la', 'America/Los_Angeles', '2009-06-12T21:00:00Z', '2009-06-12T22:00:00Z'), at('teh', 'Asia/Tehran', '2009-06-12T21:00:00Z', '2009-06-12T22:00:00Z')]);
      expect(losAngeles).toEqual({ uid: 'la', zone: 'America/Los_Angeles', local: '2009-06-12T14:00:00', start: '2009-06-12T21:00:00Z', end: '2009-06-12T22:00:00Z' });
      expect(tehran).toEqual({ uid: 'teh', zone: 'Asia/Tehran', local: '2009-06-13T01:30:00', start: '2009-06-12T21:00:00Z', end: '2009-06-12T22:00:00Z' });
    });

    it('reads a run before a zone\'s first change in the feed at its instant: Asia/Almaty, before its one change (+06 to +05 on 2024-03-01)', async () => {
      const events = [at('before', 'Asia/Almaty', '2024-02-15T20:00:00Z', '2024-02-15T21:00:00Z'), at('after', 'Asia/Almaty', '2024-03-15T20:00:00Z', '2024-03-15T21:00:00Z')];
      expect(await readBack(events)).toEqual([
        { uid: 'before', zone: 'Asia/Almaty', local: '2024-02-16T02:00:00', start: '2024-02-15T20:00:00Z', end: '2024-02-15T21:00:00Z' },
        { uid: 'after', zone: 'Asia/Almaty', local: '2024-03-16T01:00:00', start: '2024-03-15T20:00:00Z', end: '2024-03-15T21:00:00Z' },
      ]);
    });

    it('writes an occurrence in the hour a fall-back change repeats in UTC, so both passes of 01:30 in Los Angeles read back at their own instants', async () => {
      const losAngeles = new ZoneSpan('America/Los_Angeles', new Date('2027-01-01T00:00:00Z'), new Date('2028-01-01T00:00:00Z'));
      expect(['2027-11-07T08:30:00Z', '2027-11-07T09:30:00Z', '2027-11-07T10:30:00Z', '2027-03-14T10:00:00Z'].map((at) => losAngeles.repeats(new Date(at)))).toEqual([true, true, false, false]);
      const events = [
        at('first-pass', 'America/Los_Angeles', '2027-11-07T08:30:00Z', '2027-11-07T09:00:00Z'),
        at('second-pass', 'America/Los_Angeles', '2027-11-07T09:30:00Z', '2027-11-07T10:00:00Z'),
        at('after', 'America/Los_Angeles', '2027-11-07T10:30:00Z', '2027-11-07T11:00:00Z'),
      ];
      expect((await readBack(events)).map(({ uid, start, end }) => ({ uid, start, end }))).toEqual(events.map((written) => ({ uid: written.uid, start: written.startsAt.toISOString().replace('.000', ''), end: written.endsAt.toISOString().replace('.000', '') })));
      const written = (await icsCalendar('test', events)).split('\r\n');
      expect(written).toContain('DTSTART:20271107T093000Z');
      expect(written).toContain('DTSTART;TZID=America/Los_Angeles:20271107T023000');
    });
  });
});
