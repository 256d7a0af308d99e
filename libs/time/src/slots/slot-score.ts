import { TimeError, TimeErrorCode } from '../errors/time.error';
import { assertInstantRange, InstantRange } from '../windows/planned-window';
import { assertKnownZone, OffsetLookup, zoneOffsetLookup } from '../zones/iana-zone';
import { HOUR_MS } from '../zones/wall-clock';
import { FALLBACK_LOAD, HourOfWeekBaseline, hourOfWeek, relativeLoad, RelativeLoad } from './hour-of-week-baseline';
import { FootprintRegion, RegionImpact, SlotScore } from './slot-search.types';

/** A footprint region ready for scoring: its weight and the load profiles averaged for it. */
export interface RegionLoadModel {
  readonly region: string;
  readonly zones: readonly string[];
  readonly share: number;
  readonly profiles: readonly RelativeLoad[];
  readonly fallback: boolean;
}

/**
 * A region's load is the mean of its baselines' relative loads (one per zone the analyzer learned);
 * without any learned value it is the fallback night profile in each of its zones.
 */
export function regionLoadModels(footprint: readonly FootprintRegion[], baselines: readonly HourOfWeekBaseline[]): RegionLoadModel[] {
  if (footprint.length === 0) {
    throw new TimeError(TimeErrorCode.InvalidSlotSearch, 'The footprint is empty: list the regions the window can affect (every region for a global window).');
  }
  return footprint.map((region) => {
    if (region.zones.length === 0) {
      throw new TimeError(TimeErrorCode.InvalidSlotSearch, `Region ${region.region} has no time zone: give it at least one IANA zone.`);
    }
    region.zones.forEach(assertKnownZone);
    const share = region.share ?? 1 / footprint.length;
    if (!Number.isFinite(share) || share < 0) {
      throw new TimeError(TimeErrorCode.InvalidSlotSearch, `Region ${region.region} has traffic share ${share}; a share is a number ≥ 0.`);
    }
    const learned = baselines
      .filter((baseline) => baseline.region === region.region)
      .map(relativeLoad)
      .filter((load): load is RelativeLoad => load !== null);
    const profiles = learned.length > 0 ? learned : region.zones.map((zone) => ({ zone, values: FALLBACK_LOAD, meanTraffic: null }));
    return { region: region.region, zones: region.zones, share, profiles, fallback: learned.length === 0 };
  });
}

/** Scores one slot from scratch with direct tz look-ups: for a single slot, or to check the search. */
export function scoreSlot(slot: InstantRange, footprint: readonly FootprintRegion[], baselines: readonly HourOfWeekBaseline[]): SlotScore {
  return scoreWithModels(slot, regionLoadModels(footprint, baselines));
}

/** `lookupFor` lets the search reuse its precomputed zone timelines; the default asks the tz data. */
export function scoreWithModels(slot: InstantRange, models: readonly RegionLoadModel[], lookupFor: (zone: string) => OffsetLookup = zoneOffsetLookup): SlotScore {
  assertInstantRange(slot, 'slot');
  const start = slot.start.getTime();
  const end = slot.end.getTime();
  const byRegion: RegionImpact[] = models.map((model) => {
    let relative = 0;
    let traffic: number | null = 0;
    for (const profile of model.profiles) {
      const integral = integrateLoad(profile.values, lookupFor(profile.zone), start, end);
      relative += integral / model.profiles.length;
      traffic = traffic === null || profile.meanTraffic === null ? null : traffic + (integral * profile.meanTraffic) / model.profiles.length;
    }
    return { region: model.region, share: model.share, relativeLoad: relative, expectedTraffic: traffic, fallback: model.fallback };
  });
  return { expectedAffectedTraffic: byRegion.reduce((sum, impact) => sum + impact.share * impact.relativeLoad, 0), byRegion };
}

/** Integral in hours of a piecewise-constant hour-of-week load, each instant read in local time. */
function integrateLoad(values: Float64Array, offsetAt: OffsetLookup, start: number, end: number): number {
  let total = 0;
  for (let at = start; at < end; ) {
    const offset = offsetAt(at);
    const wall = at + offset;
    let next = Math.min(end, Math.floor(wall / HOUR_MS) * HOUR_MS + HOUR_MS - offset);
    if (offsetAt(next - 1) !== offset) next = firstChange(offsetAt, at, next, offset);
    total += values[hourOfWeek(wall)] * (next - at);
    at = next;
  }
  return total / HOUR_MS;
}

// Transitions fall on local hour boundaries in practice; this keeps the integral exact for any that do not.
function firstChange(offsetAt: OffsetLookup, low: number, high: number, lowOffset: number): number {
  let before = low;
  let after = high;
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (offsetAt(middle) === lowOffset) before = middle;
    else after = middle;
  }
  return after;
}
