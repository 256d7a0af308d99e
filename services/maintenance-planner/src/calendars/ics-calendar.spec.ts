import { describe, expect, it } from 'vitest';
import { escapeText, foldLine, icsCalendar, offsetChanges, vtimezone } from './ics-calendar';

const event = {
  uid: 'w-1-1@holdfast',
  sequence: 2,
  stampedAt: new Date('2009-06-01T00:00:00Z'),
  startsAt: new Date('2009-06-15T21:00:00Z'),
  endsAt: new Date('2009-06-15T22:00:00Z'),
  zone: 'America/Los_Angeles',
  summary: '[HELD] Core router upgrade',
  description: 'Held by manual hold h-1 on IR: election; unrest, traffic\nWindow w-1',
  status: 'TENTATIVE' as const,
  categories: ['Holdfast', 'held', 'IR'],
};

describe('iCalendar writing (RFC 5545)', () => {
  it('escapes TEXT values and folds long lines at 75 octets without splitting a character', () => {
    expect(escapeText('a;b,c\\d\ne')).toBe('a\\;b\\,c\\\\d\\ne');
    const folded = foldLine(`DESCRIPTION:${'é'.repeat(80)}`);
    for (const line of folded.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(folded.replace(/\r\n /g, '')).toBe(`DESCRIPTION:${'é'.repeat(80)}`);
  });

  it('finds a zone\'s offset changes to the minute: Los Angeles springs forward at 02:00 local on 8 March 2026', () => {
    const [change] = offsetChanges('America/Los_Angeles', new Date('2026-03-01T00:00:00Z'), new Date('2026-04-01T00:00:00Z'));
    expect(change.at.toUTC().toISO()).toBe('2026-03-08T10:00:00.000Z');
    expect([change.before, change.after]).toEqual([-480, -420]);
    expect(offsetChanges('Asia/Kathmandu', new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z'))).toEqual([]);
  });

  it('writes a VTIMEZONE for Tehran as it was in 2009 (summer time, +04:30) and as it is since 2022 (+03:30 all year)', () => {
    const in2009 = vtimezone('Asia/Tehran', new Date('2009-01-01T00:00:00Z'), new Date('2010-01-01T00:00:00Z')).join('\n');
    expect(in2009).toContain('BEGIN:DAYLIGHT\nDTSTART:20090322T000000\nTZOFFSETFROM:+0330\nTZOFFSETTO:+0430');
    expect(in2009).toContain('BEGIN:STANDARD\nDTSTART:20090922T000000\nTZOFFSETFROM:+0430\nTZOFFSETTO:+0330');
    const in2026 = vtimezone('Asia/Tehran', new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z')).join('\n');
    expect(in2026).toBe('BEGIN:VTIMEZONE\nTZID:Asia/Tehran\nBEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+0330\nTZOFFSETTO:+0330\nTZNAME:GMT+3:30\nEND:STANDARD\nEND:VTIMEZONE');
  });

  it('writes each occurrence as a VEVENT in its planned zone with CRLF lines: 14:00 in Los Angeles in June 2009', () => {
    const calendar = icsCalendar('Holdfast maintenance: team network-ops', [event]);
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
});
