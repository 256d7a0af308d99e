import { IANAZone } from 'luxon';
import { isKnownZone } from '../zones/iana-zone';

/** Zones the library is asked about: DST both hemispheres, half-hour, 45-minute and changed rules. */
export const TOUCHED_ZONES = [
  'Asia/Tehran',
  'America/Los_Angeles',
  'Europe/Berlin',
  'Europe/London',
  'America/New_York',
  'America/St_Johns',
  'America/Sao_Paulo',
  'Australia/Adelaide',
  'Australia/Lord_Howe',
  'Pacific/Auckland',
  'Pacific/Chatham',
  'Asia/Kathmandu',
  'Asia/Kolkata',
  'Asia/Jerusalem',
  'Africa/Casablanca',
  'UTC',
] as const;

/** Every canonical zone of the runtime's tz data that the library accepts. */
export const ALL_ZONES: readonly string[] = Intl.supportedValuesOf('timeZone').filter(isKnownZone);

export interface Transition {
  readonly zone: string;
  /** First instant (ms) with the new offset. */
  readonly at: number;
  /** Offsets in ms east of UTC. */
  readonly before: number;
  readonly after: number;
}

// A day: no touched zone changes offset twice within a day, and the scan stays fast.
const SCAN_MS = 86_400_000;

/** Every offset change of a zone in a calendar year, found by a daily scan refined to the minute. */
export function transitionsIn(zone: string, year: number): Transition[] {
  const iana = IANAZone.create(zone);
  const offset = (at: number) => iana.offset(at) * 60_000;
  const transitions: Transition[] = [];
  const end = Date.UTC(year + 1, 0, 1);
  let before = offset(Date.UTC(year, 0, 1));
  for (let at = Date.UTC(year, 0, 1); at < end; at += SCAN_MS) {
    const after = offset(at + SCAN_MS);
    if (after !== before) {
      let low = at;
      let high = at + SCAN_MS;
      while (high - low > 60_000) {
        const middle = low + Math.floor((high - low) / 120_000) * 60_000;
        if (offset(middle) === before) low = middle;
        else high = middle;
      }
      transitions.push({ zone, at: high, before, after });
    }
    before = after;
  }
  return transitions;
}

export const TRANSITIONS_2009_2026: Transition[] = TOUCHED_ZONES.flatMap((zone) => [...transitionsIn(zone, 2009), ...transitionsIn(zone, 2026)]);
