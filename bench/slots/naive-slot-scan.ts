import { isWithinLocalHours } from '../../libs/time/src/local-hours/allowed-local-hours';
import { rangesOverlap, type InstantRange } from '../../libs/time/src/windows/planned-window';
import { regionLoadModels, scoreWithModels } from '../../libs/time/src/slots/slot-score';
import type { SlotSearchRequest } from '../../libs/time/src/slots/slot-search.types';

const MINUTE = 60_000;

export interface NaiveBest {
  readonly slot: InstantRange | null;
  readonly expectedAffectedTraffic: number;
  readonly candidates: number;
}

/**
 * The baseline the search is measured against: visit every candidate start and price it from
 * scratch (holds, allowed hours and the load integral with direct tz look-ups), keeping the
 * cheapest, earliest on ties. Baselines are normalised once, as any sane scan would.
 */
export function naiveBestSlot(request: SlotSearchRequest): NaiveBest {
  const models = regionLoadModels(request.footprint, request.baselines);
  const footprint = new Set(request.footprint.map((region) => region.region));
  const holds = (request.holds ?? []).filter((hold) => footprint.has(hold.region));
  const allowed = request.allowedLocalHours;
  const allowedZones = !allowed ? [] : allowed.in === 'window-zone' ? [request.windowZone] : [...new Set(request.footprint.flatMap((region) => region.zones))];
  const step = (request.granularityMinutes ?? 5) * MINUTE;
  const duration = request.durationMinutes * MINUTE;
  let best: NaiveBest = { slot: null, expectedAffectedTraffic: Number.POSITIVE_INFINITY, candidates: 0 };
  let candidates = 0;
  for (let start = Math.ceil(request.flexibility.earliestStart.getTime() / step) * step; start + duration <= request.flexibility.deadline.getTime(); start += step) {
    candidates++;
    const slot = { start: new Date(start), end: new Date(start + duration) };
    if (holds.some((hold) => rangesOverlap(hold, slot))) continue;
    if (allowed && !allowedZones.every((zone) => isWithinLocalHours(slot, allowed.ranges, zone))) continue;
    const { expectedAffectedTraffic } = scoreWithModels(slot, models);
    if (expectedAffectedTraffic < best.expectedAffectedTraffic) best = { slot, expectedAffectedTraffic, candidates: 0 };
  }
  return { ...best, candidates };
}
