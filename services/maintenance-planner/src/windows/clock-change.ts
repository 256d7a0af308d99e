import { formatOffset, instantToWallClock, wallClockToInstant, ZoneOffsetTimeline } from '@holdfast/time';
import { DateTime } from 'luxon';

const DAY_MS = 86_400_000;

/** A change of a zone's offset: the instant it takes effect, and the offsets (ms east of UTC) before and after. */
export interface ClockChange {
  readonly at: Date;
  readonly before: number;
  readonly after: number;
}

/**
 * Zones whose clocks read as UTC always (planned zones are stored canonical: Etc/UTC as UTC, GMT as
 * Etc/GMT): a refusal says nothing more by giving their local time too.
 */
export const readsAsUtc = (zone: string): boolean => zone === 'UTC' || zone === 'Etc/GMT';

/** "2027-03-28T03:30+02:00": an instant as the zone's clocks read it, with the offset they keep then. */
export function localWithOffset(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat("yyyy-MM-dd'T'HH:mmZZ");
}

/** The changes of `zone`'s offset after `from`, up to and including `to`, in order. */
export function clockChanges(zone: string, from: Date, to: Date): ClockChange[] {
  const timeline = ZoneOffsetTimeline.build(zone, from.getTime(), to.getTime());
  const changes: ClockChange[] = [];
  for (let at = timeline.nextChangeAfter(from.getTime()); at <= to.getTime(); at = timeline.nextChangeAfter(at)) {
    changes.push({ at: new Date(at), before: timeline.offsetAt(at - 1), after: timeline.offsetAt(at) });
  }
  return changes;
}

/** "clocks go from 02:00 to 03:00 (+01:00 to +02:00)", with "on 2027-03-28" when the date is not said already. */
export function clockChangeInWords(change: ClockChange, withDate = false): string {
  const wall = (offset: number) => new Date(change.at.getTime() + offset).toISOString();
  const on = withDate ? ` on ${wall(change.before).slice(0, 10)}` : '';
  return `clocks go from ${wall(change.before).slice(11, 16)} to ${wall(change.after).slice(11, 16)}${on} (${formatOffset(change.before)} to ${formatOffset(change.after)})`;
}

/** A local time that is no single instant in a zone: skipped by the clocks, or shown twice; `words` says which and the change. */
export interface LocalTimeAmiss {
  readonly skipped: boolean;
  readonly words: string;
}

/**
 * Why a local time ("YYYY-MM-DDTHH:mm") is no single instant in `zone`, or undefined: one the clocks
 * skip ("2027-03-28T02:30 in Europe/Berlin does not exist: clocks go from 02:00 to 03:00 (+01:00 to
 * +02:00)") or one they show twice (a fall-back hour's repeat).
 */
export function localTimeAmiss(local: string, zone: string): LocalTimeAmiss | undefined {
  const instant = wallClockToInstant(local, zone);
  const near = clockChanges(zone, new Date(instant.getTime() - DAY_MS), new Date(instant.getTime() + DAY_MS));
  const change = near.sort((a, b) => Math.abs(a.at.getTime() - instant.getTime()) - Math.abs(b.at.getTime() - instant.getTime()))[0];
  if (!change) return undefined;
  if (instantToWallClock(instant, zone) !== local) return { skipped: true, words: `${local} in ${zone} does not exist: ${clockChangeInWords(change)}` };
  // The instant is the first pass (the library's rule for a repeated hour): the same reading a change's length later is the second.
  const secondPass = new Date(instant.getTime() + change.before - change.after);
  if (change.after < change.before && instantToWallClock(secondPass, zone) === local) return { skipped: false, words: `${local} in ${zone} happens twice: ${clockChangeInWords(change)}` };
  return undefined;
}

/**
 * Two overlapping runs of a window as its zone reads them, and any clock change between their starts
 * (a spring-forward day is an hour short, so a daily 24-hour window's runs meet): " (in Europe/Berlin,
 * 2027-03-28T00:00+01:00 to 2027-03-29T01:00+02:00, the next from 2027-03-29T00:00+02:00; clocks go
 * from 02:00 to 03:00 on 2027-03-28 (+01:00 to +02:00))". Empty for a zone that reads as UTC.
 */
export function overlapInZone(before: { start: Date; end: Date }, after: { start: Date }, zone: string): string {
  if (readsAsUtc(zone)) return '';
  const changes = clockChanges(zone, before.start, after.start).map((change) => `; ${clockChangeInWords(change, true)}`);
  return ` (in ${zone}, ${localWithOffset(before.start, zone)} to ${localWithOffset(before.end, zone)}, the next from ${localWithOffset(after.start, zone)}${changes.join('')})`;
}

/**
 * The offsets `zones` keep from `from` to `to`, when the clocks of one of them change in between, or
 * undefined: "Europe/London keeps +00:00; in America/New_York clocks go from 02:00 to 03:00 on
 * 2026-03-08 (-05:00 to -04:00)". Hours that meet only on one side of a change are read by it.
 */
export function offsetsOverInWords(zones: readonly string[], from: Date, to: Date): string | undefined {
  const changing = zones.map((zone) => ({ zone, changes: clockChanges(zone, from, to) }));
  if (changing.every((one) => one.changes.length === 0)) return undefined;
  return changing
    .map(({ zone, changes }) =>
      changes.length === 0
        ? `${zone} keeps ${localWithOffset(from, zone).slice(16)}`
        : `in ${zone} ${changes.map((change) => clockChangeInWords(change, true)).join(', then ')}`,
    )
    .join('; ');
}
