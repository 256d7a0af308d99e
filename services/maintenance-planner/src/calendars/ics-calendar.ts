import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { EventLoopTurns } from '../event-loop-turns';

/** One occurrence as a calendar event, in the zone its window was planned in. */
export interface CalendarEvent {
  uid: string;
  sequence: number;
  /** The run's last change: LAST-MODIFIED. */
  changedAt: Date;
  /** When the feed was made: DTSTAMP, as RFC 5545 asks of an object with METHOD. */
  stampedAt: Date;
  startsAt: Date;
  endsAt: Date;
  zone: string;
  summary: string;
  description: string;
  status: 'CONFIRMED' | 'TENTATIVE' | 'CANCELLED';
  categories: string[];
}

/** RFC 5545's DATE-TIME of the wall-clock time whose UTC reading is `ms` ("20090615T140000"). */
const dateTimeText = (ms: number) => {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
};
const utc = (at: Date) => `${dateTimeText(at.getTime())}Z`;
const offsetText = (minutes: number) => `${minutes < 0 ? '-' : '+'}${String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0')}${String(Math.abs(minutes) % 60).padStart(2, '0')}`;

/**
 * RFC 5545 3.3.11: backslash, semicolon, comma and line breaks are escaped in TEXT values. A line
 * break is CRLF, LF or a lone CR (a title pasted from old Mac text): a raw CR is a control character
 * TEXT may not hold, and some readers end the content line there. Other control characters but tab
 * are left out, for the same reason.
 */
export const escapeText = (text: string) =>
  text
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n')
    // eslint-disable-next-line no-control-regex -- control characters are what is being removed
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');

/** RFC 5545 3.1: content lines longer than 75 octets are folded (CRLF and a space), never inside a UTF-8 sequence. */
export function foldLine(line: string): string {
  if (Buffer.byteLength(line) <= 75) return line;
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const character of line) {
    // UTF-8's length of the code point (a lone surrogate is written as U+FFFD, three octets).
    const code = character.codePointAt(0)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (octets + size > (parts.length === 0 ? 75 : 74)) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += character;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/**
 * The zone's abbreviation at `at` where English has one (PDT in American English, CEST and BST in
 * British), or none: ICU names every other zone "GMT+2"-style, which a reader would show as if it
 * were the zone's name, and TZNAME is optional (RFC 5545 3.8.3.2).
 */
export function zoneAbbreviation(at: DateTime): string | undefined {
  return ['en-US', 'en-GB'].map((locale) => at.setLocale(locale).toFormat('ZZZZ')).find((name) => !/^(GMT|UTC)[+-]/.test(name));
}

const tzName = (at: DateTime) => {
  const name = zoneAbbreviation(at);
  return name ? [`TZNAME:${name}`] : [];
};

/** The instants in [from, to) where `zone` changes its UTC offset, to the minute. */
export function offsetChanges(zone: string, from: Date, to: Date): { at: DateTime; before: number; after: number }[] {
  const changes: { at: DateTime; before: number; after: number }[] = [];
  const offsetAt = (ms: number) => DateTime.fromMillis(ms, { zone }).offset;
  const day = 86_400_000;
  const first = Math.floor(from.getTime() / 60_000) * 60_000;
  for (let start = first; start < to.getTime(); start += day) {
    const end = Math.min(start + day, to.getTime());
    if (offsetAt(start) === offsetAt(end)) continue;
    let low = start;
    let high = end;
    while (high - low > 60_000) {
      const middle = low + Math.max(60_000, Math.floor((high - low) / 120_000) * 60_000);
      if (offsetAt(middle) === offsetAt(start)) low = middle;
      else high = middle;
    }
    changes.push({ at: DateTime.fromMillis(high, { zone }), before: offsetAt(start), after: offsetAt(high) });
  }
  return changes;
}

/** Zone-years kept by changesInYears; past this many (every zone in use over years of runs is far fewer) the cache starts again. */
const MAX_CACHED_ZONE_YEARS = 10_000;
const changesByZoneYear = new Map<string, ReturnType<typeof offsetChanges>>();

/**
 * offsetChanges over [from, to), each UTC year of it searched once per process: a feed's
 * VTIMEZONEs span its runs and a year either side, and searching those days minute by minute for
 * each of a feed's zones took 11-15 ms a zone, 2-3 s for a feed whose windows were planned in 200
 * zones, during which the planner answered nothing else (the gate included). The rules are the
 * ones this process's ICU holds, so a year's changes never change while it runs.
 */
export function changesInYears(zone: string, from: Date, to: Date): ReturnType<typeof offsetChanges> {
  // offsetChanges reports a change at an instant after `from` (to the minute) and up to `to`.
  const after = Math.floor(from.getTime() / 60_000) * 60_000;
  const changes: ReturnType<typeof offsetChanges> = [];
  for (let year = new Date(after).getUTCFullYear(); year <= to.getUTCFullYear(); year++) {
    const key = `${zone} ${year}`;
    let ofYear = changesByZoneYear.get(key);
    if (!ofYear) {
      if (changesByZoneYear.size >= MAX_CACHED_ZONE_YEARS) changesByZoneYear.clear();
      ofYear = offsetChanges(zone, new Date(Date.UTC(year, 0, 1)), new Date(Date.UTC(year + 1, 0, 1)));
      changesByZoneYear.set(key, ofYear);
    }
    changes.push(...ofYear.filter((change) => change.at.toMillis() > after && change.at.toMillis() <= to.getTime()));
  }
  return changes;
}

/**
 * A zone over a span: its VTIMEZONE, and each instant's wall-clock time and whether that time
 * repeats, read from the offset changes the VTIMEZONE states rather than asked of ICU per instant.
 * luxon's offset lookups (five for each end of each run) were most of a feed's time: 10,000 runs
 * took 1.0-1.3 s, during which the planner answered nothing else, the gate included.
 */
export class ZoneSpan {
  private readonly changes: ReturnType<typeof offsetChanges>;
  private readonly changesAt: number[];
  private readonly start: DateTime;

  constructor(
    readonly zone: string,
    from: Date,
    to: Date,
  ) {
    this.changes = changesInYears(zone, from, to);
    this.changesAt = this.changes.map((change) => change.at.toMillis());
    this.start = DateTime.fromJSDate(from, { zone });
  }

  /** The UTC offset in minutes at `at`, an instant within the span. */
  offsetAt(at: Date): number {
    const ms = at.getTime();
    let offset = this.start.offset;
    for (let index = 0; index < this.changes.length && this.changesAt[index] <= ms; index++) offset = this.changes[index].after;
    return offset;
  }

  /** `at` in the zone's wall-clock time as an RFC 5545 DATE-TIME ("20090615T140000"). */
  localText(at: Date): string {
    return dateTimeText(at.getTime() + this.offsetAt(at) * 60_000);
  }

  /**
   * True when `at`'s wall-clock time names another instant too: it lies within a fall-back change's
   * shift either side of the change (the hour 01:00-02:00 that Los Angeles lives twice in November).
   */
  repeats(at: Date): boolean {
    const ms = at.getTime();
    return this.changes.some((change, index) => {
      const shift = (change.before - change.after) * 60_000;
      return shift > 0 && ms >= this.changesAt[index] - shift && ms < this.changesAt[index] + shift;
    });
  }

  /**
   * The zone's VTIMEZONE, exact over the span [from, to): a part from 1970 with the offset in force at
   * `from`, then one STANDARD or DAYLIGHT part per offset change in that span (DTSTART is the onset in
   * the local time before it). The first part covers the span's start before its first change: RFC
   * 5545 readers have no offset for a time before every observance (Asia/Almaty's only change, on
   * 2024-03-01, left February's runs six hours off).
   */
  vtimezone(): string[] {
    const { zone, changes, start } = this;
    const lines = ['BEGIN:VTIMEZONE', `TZID:${zone}`];
    const startKind = start.isInDST ? 'DAYLIGHT' : 'STANDARD';
    lines.push(`BEGIN:${startKind}`, 'DTSTART:19700101T000000', `TZOFFSETFROM:${offsetText(start.offset)}`, `TZOFFSETTO:${offsetText(start.offset)}`, ...tzName(start), `END:${startKind}`);
    for (const change of changes) {
      const kind = change.at.isInDST ? 'DAYLIGHT' : 'STANDARD';
      // The onset in the local time before the change.
      const onset = dateTimeText(change.at.toMillis() + change.before * 60_000);
      lines.push(`BEGIN:${kind}`, `DTSTART:${onset}`, `TZOFFSETFROM:${offsetText(change.before)}`, `TZOFFSETTO:${offsetText(change.after)}`, ...tzName(change.at), `END:${kind}`);
    }
    lines.push('END:VTIMEZONE');
    return lines;
  }
}

/**
 * Events a feed writes before it lets the event loop run: a region's feed of 5,000 runs written
 * in one block kept the gate, which CI jobs ask, waiting 0.4-1.5 s.
 */
const EVENTS_A_TURN = 250;

/**
 * The revision of what icsCalendar writes for the same events, a part of every feed's entity tag:
 * raise it with any change to the bytes written, or a client holding a feed of before the change
 * is told its copy is current. ics-calendar.spec holds a feed's digest to it.
 */
export const ICS_WRITER_REVISION = 2;

/**
 * What a feed says of itself besides its name: a warning (a feed cut short) as RFC 7986's
 * DESCRIPTION and as the X-WR-CALDESC that Apple and Google calendars show; else a note as
 * X-WR-CALDESC alone, so DESCRIPTION is there only when something is wrong.
 */
export interface FeedAbout {
  warning?: string;
  note?: string;
}

/**
 * A weak entity tag of the calendar icsCalendar(name, events, about) writes: a digest of every
 * byte of it but the DTSTAMPs (the time it is written, so no two answers are byte for byte the
 * same, hence weak), read from what it is written from (the writer's revision, the ICU zone data
 * its VTIMEZONEs and TZNAMEs come from, and the events), so a feed a client holds is confirmed
 * without being written again.
 */
export async function feedEntityTag(name: string, events: readonly CalendarEvent[], about: FeedAbout = {}): Promise<string> {
  const digest = createHash('sha256').update(JSON.stringify([ICS_WRITER_REVISION, process.versions.icu, process.versions.tz, name, about.warning ?? null, about.note ?? null]));
  const turns = new EventLoopTurns(EVENTS_A_TURN);
  for (const { stampedAt: _written, ...event } of events) {
    await turns.before();
    digest.update(JSON.stringify(event));
  }
  return `W/"${digest.digest('base64url')}"`;
}

/**
 * An RFC 5545 calendar with one VEVENT per occurrence and a VTIMEZONE for every zone they use,
 * written EVENTS_A_TURN events at a time so other requests are answered in between.
 */
export async function icsCalendar(name: string, events: readonly CalendarEvent[], { warning, note }: FeedAbout = {}): Promise<string> {
  const chunks: string[] = [];
  const write = (lines: string[]) => chunks.push(lines.map((line) => `${foldLine(line)}\r\n`).join(''));
  const header = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Holdfast//maintenance-planner//EN', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH', `X-WR-CALNAME:${escapeText(name)}`];
  if (warning) header.push(`DESCRIPTION:${escapeText(warning)}`, `X-WR-CALDESC:${escapeText(warning)}`);
  else if (note) header.push(`X-WR-CALDESC:${escapeText(note)}`);
  write(header);
  // RFC 5545 allows no calendar without a component; an unused VTIMEZONE is one every client reads and shows nothing of.
  if (events.length === 0) write(new ZoneSpan('UTC', new Date(0), new Date(0)).vtimezone());
  const zones = new Map<string, { from: Date; to: Date }>();
  for (const event of events) {
    const span = zones.get(event.zone);
    zones.set(event.zone, { from: span && span.from < event.startsAt ? span.from : event.startsAt, to: span && span.to > event.endsAt ? span.to : event.endsAt });
  }
  const year = 366 * 86_400_000;
  const spans = new Map<string, ZoneSpan>();
  for (const [zone, span] of zones) {
    const zoneSpan = new ZoneSpan(zone, new Date(span.from.getTime() - year), new Date(span.to.getTime() + year));
    spans.set(zone, zoneSpan);
    write(zoneSpan.vtimezone());
  }
  const turns = new EventLoopTurns(EVENTS_A_TURN);
  for (const event of events) {
    await turns.before();
    const span = spans.get(event.zone)!;
    // RFC 5545 reads a repeated local time as its first pass and clients differ (ical.js takes the
    // second), so an occurrence touching the repeated hour is written in UTC, which none misreads.
    const inUtc = span.repeats(event.startsAt) || span.repeats(event.endsAt);
    const dateTime = (name: string, at: Date) => (inUtc ? `${name}:${utc(at)}` : `${name};TZID=${event.zone}:${span.localText(at)}`);
    write([
      'BEGIN:VEVENT',
      `UID:${event.uid}`,
      `SEQUENCE:${event.sequence}`,
      `DTSTAMP:${utc(event.stampedAt)}`,
      `LAST-MODIFIED:${utc(event.changedAt)}`,
      dateTime('DTSTART', event.startsAt),
      dateTime('DTEND', event.endsAt),
      `SUMMARY:${escapeText(event.summary)}`,
      `DESCRIPTION:${escapeText(event.description)}`,
      `STATUS:${event.status}`,
      `CATEGORIES:${event.categories.map(escapeText).join(',')}`,
      'END:VEVENT',
    ]);
  }
  write(['END:VCALENDAR']);
  return chunks.join('');
}
