import { describe, expect, it } from 'vitest';
import { clockChangeInWords, clockChanges, localTimeAmiss, localWithOffset, overlapInZone } from './clock-change';

describe('clock changes in words', () => {
  it('names a local time the clocks skip, with the change and the offsets either side', () => {
    expect(localTimeAmiss('2027-03-28T02:30', 'Europe/Berlin')?.words).toBe('2027-03-28T02:30 in Europe/Berlin does not exist: clocks go from 02:00 to 03:00 (+01:00 to +02:00)');
    expect(localTimeAmiss('2026-09-27T02:15', 'Pacific/Auckland')).toEqual({ skipped: true, words: '2026-09-27T02:15 in Pacific/Auckland does not exist: clocks go from 02:00 to 03:00 (+12:00 to +13:00)' });
    // Lord Howe's clocks move by half an hour.
    expect(localTimeAmiss('2026-10-04T02:10', 'Australia/Lord_Howe')?.words).toBe('2026-10-04T02:10 in Australia/Lord_Howe does not exist: clocks go from 02:00 to 02:30 (+10:30 to +11:00)');
  });

  it('names a local time the clocks show twice, and leaves a plain one alone', () => {
    expect(localTimeAmiss('2026-10-25T02:30', 'Europe/Berlin')).toEqual({ skipped: false, words: '2026-10-25T02:30 in Europe/Berlin happens twice: clocks go from 03:00 to 02:00 (+02:00 to +01:00)' });
    expect(localTimeAmiss('2026-04-05T01:45', 'Australia/Lord_Howe')?.words).toBe('2026-04-05T01:45 in Australia/Lord_Howe happens twice: clocks go from 02:00 to 01:30 (+11:00 to +10:30)');
    expect(localTimeAmiss('2026-10-25T03:30', 'Europe/Berlin')).toBeUndefined();
    expect(localTimeAmiss('2026-10-25T01:30', 'Europe/Berlin')).toBeUndefined();
    expect(localTimeAmiss('2026-06-15T02:30', 'Asia/Kathmandu')).toBeUndefined();
  });

  it('reads an instant with its offset, and finds the changes between two instants', () => {
    expect(localWithOffset(new Date('2026-06-14T21:00:00Z'), 'Asia/Kathmandu')).toBe('2026-06-15T02:45+05:45');
    const [change, ...more] = clockChanges('Europe/Berlin', new Date('2027-03-27T23:00:00Z'), new Date('2027-03-28T22:00:00Z'));
    expect(more).toEqual([]);
    expect(change.at.toISOString()).toBe('2027-03-28T01:00:00.000Z');
    expect(clockChangeInWords(change, true)).toBe('clocks go from 02:00 to 03:00 on 2027-03-28 (+01:00 to +02:00)');
    expect(clockChanges('Europe/Berlin', new Date('2027-03-29T00:00:00Z'), new Date('2027-10-30T00:00:00Z'))).toEqual([]);
  });

  it('says two overlapping runs in their zone, the change between them, and nothing more in UTC', () => {
    const before = { start: new Date('2027-03-27T23:00:00Z'), end: new Date('2027-03-28T23:00:00Z') };
    const after = { start: new Date('2027-03-28T22:00:00Z') };
    expect(overlapInZone(before, after, 'Europe/Berlin')).toBe(
      ' (in Europe/Berlin, 2027-03-28T00:00+01:00 to 2027-03-29T01:00+02:00, the next from 2027-03-29T00:00+02:00; clocks go from 02:00 to 03:00 on 2027-03-28 (+01:00 to +02:00))',
    );
    expect(overlapInZone(before, after, 'UTC')).toBe('');
  });
});
