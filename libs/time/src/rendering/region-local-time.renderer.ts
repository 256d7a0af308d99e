import { assertInstantRange, InstantRange } from '../windows/planned-window';
import { assertKnownZone, OffsetLookup, zoneOffsetLookup } from '../zones/iana-zone';
import { DAY_MS, formatWallClock, MINUTE_MS } from '../zones/wall-clock';

/** A region as the time library needs it: its code and the IANA zone(s) people there live in. */
export interface RegionZones {
  readonly region: string;
  readonly zones: readonly string[];
}

/** "This slot is 01:30 in Tehran": one region zone's view of an instant range. */
export interface RegionLocalTime {
  readonly region: string;
  readonly zone: string;
  /** "YYYY-MM-DDTHH:mm" in `zone`. */
  readonly localStart: string;
  readonly localEnd: string;
  /** Offset in force at the start, e.g. "+04:30"; derived from today's tz data, never stored. */
  readonly offset: string;
  /** Differs from `offset` only when the range crosses a DST change. */
  readonly endOffset: string;
  /** e.g. "01:30–02:30 Asia/Tehran (UTC+04:30)". */
  readonly label: string;
}

export function renderLocalTimes(range: InstantRange, regions: readonly RegionZones[]): RegionLocalTime[] {
  return renderLocalTimesWith(range, regions, zoneOffsetLookup);
}

/** As `renderLocalTimes`, reading offsets from `lookupFor` (the slot search passes its precomputed timelines). */
export function renderLocalTimesWith(range: InstantRange, regions: readonly RegionZones[], lookupFor: (zone: string) => OffsetLookup): RegionLocalTime[] {
  assertInstantRange(range);
  return regions.flatMap(({ region, zones }) => zones.map((zone) => renderWithOffsets(range, region, zone, lookupFor(assertKnownZone(zone)))));
}

export function renderInZone(range: InstantRange, region: string, zone: string): RegionLocalTime {
  assertInstantRange(range);
  return renderWithOffsets(range, region, zone, zoneOffsetLookup(zone));
}

function renderWithOffsets(range: InstantRange, region: string, zone: string, offsetAt: OffsetLookup): RegionLocalTime {
  const start = range.start.getTime();
  const end = range.end.getTime();
  const startOffset = offsetAt(start);
  const endOffset = offsetAt(end);
  const localStart = formatWallClock(start + startOffset);
  const localEnd = formatWallClock(end + endOffset);
  const days = Math.round((Date.parse(`${localEnd.slice(0, 10)}Z`) - Date.parse(`${localStart.slice(0, 10)}Z`)) / DAY_MS);
  const offsets = startOffset === endOffset ? `UTC${formatOffset(startOffset)}` : `UTC${formatOffset(startOffset)}→UTC${formatOffset(endOffset)}`;
  const label = `${localStart.slice(11)}–${localEnd.slice(11)}${days > 0 ? ` (+${days}d)` : ''} ${zone} (${offsets})`;
  return { region, zone, localStart, localEnd, offset: formatOffset(startOffset), endOffset: formatOffset(endOffset), label };
}

/** "+04:30", "-07:00", "+05:45"; seconds of historical local mean time are dropped. */
export function formatOffset(offsetMs: number): string {
  const minutes = Math.trunc(Math.abs(offsetMs) / MINUTE_MS);
  const sign = offsetMs < 0 ? '-' : '+';
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
