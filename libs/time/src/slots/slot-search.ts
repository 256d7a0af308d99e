import { TimeError, TimeErrorCode } from '../errors/time.error';
import { allowedIntervals, isWithinLocalHours, parseLocalHours } from '../local-hours/allowed-local-hours';
import { renderLocalTimesWith } from '../rendering/region-local-time.renderer';
import { assertInstantRange, InstantRange, rangesOverlap } from '../windows/planned-window';
import { assertKnownZone, OffsetLookup } from '../zones/iana-zone';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../zones/wall-clock';
import { ZoneOffsetTimeline } from '../zones/zone-offset.timeline';
import { hourOfWeek } from './hour-of-week-baseline';
import { RegionLoadModel, regionLoadModels, scoreWithModels } from './slot-score';
import { CurrentSlotScore, RegionHold, ScoredSlot, SlotSearchRequest, SlotSearchResult } from './slot-search.types';

export const DEFAULT_GRANULARITY_MINUTES = 5;
export const DEFAULT_SLOT_COUNT = 3;
// A year at one-minute granularity; beyond that the caller should narrow the flexibility range.
const MAX_CANDIDATES = 525_600;
// Relative cost difference below which two slots are equally quiet (far above a year's rounding
// noise, far below any difference in traffic that matters), so the earlier one wins.
const TIE_TOLERANCE = 1e-9;

/** Candidate starts: a UTC grid of `step` from the first grid point at or after `first`. */
interface CandidateGrid {
  readonly first: number;
  readonly step: number;
  readonly count: number;
  readonly duration: number;
}

/**
 * Finds the slots of least expected affected traffic for a window.
 *
 * Cost: per footprint region, the integral of its relative load (hour-of-week baseline divided by
 * its mean, read in local time; see `relativeLoad`) over the slot, times its share. Rather than
 * scoring each candidate from scratch, each zone's offsets are precomputed once for the range
 * (`ZoneOffsetTimeline`), each load profile becomes a cumulative integral over its local-hour
 * pieces (prefix sums), and a candidate's cost is the difference of that integral at its end and
 * start. Holds, the window's other runs and allowed local hours become masks over candidates,
 * then the best few are picked greedily at least `minSeparationMinutes` apart.
 */
export function findSlots(request: SlotSearchRequest): SlotSearchResult {
  const models = regionLoadModels(request.footprint, request.baselines);
  const grid = candidateGrid(request);
  assertKnownZone(request.windowZone);
  const eligible = new Uint8Array(grid.count).fill(1);
  maskOverlapping(eligible, grid, footprintHolds(request));
  maskOverlapping(eligible, grid, request.busy ?? []);
  const allowedZones = allowedHoursZones(request);
  const timelineOf = timelinesOver(grid.first, lastEnd(grid));
  if (request.allowedLocalHours) {
    const spans = parseLocalHours(request.allowedLocalHours.ranges);
    for (const zone of allowedZones) {
      const timeline = timelineOf(zone);
      const intervals = allowedIntervals(
        spans,
        (wall) => timeline.toInstant(wall),
        timeline.toWallClock(grid.first) - DAY_MS,
        timeline.toWallClock(lastEnd(grid)) + DAY_MS,
      );
      maskOutside(eligible, grid, intervals);
    }
  }
  const costs = candidateCosts(grid, models, timelineOf);
  const picks = pickBest(costs, eligible, grid, request);
  const eligibleCandidates = eligible.reduce((sum, flag) => sum + flag, 0);
  const lookupFor = (zone: string) => timelineOf(zone).offsetAt;
  return {
    slots: picks.map((index) => describeSlot(slotAt(grid, index), models, request, lookupFor)),
    current: request.current ? describeCurrent(request.current, models, request, allowedZones, lookupFor) : null,
    fallbackRegions: models.filter((model) => model.fallback).map((model) => model.region),
    candidates: grid.count,
    eligibleCandidates,
  };
}

function candidateGrid(request: SlotSearchRequest): CandidateGrid {
  const { earliestStart, deadline } = request.flexibility;
  assertInstantRange({ start: earliestStart, end: deadline }, 'flexibility range');
  const duration = request.durationMinutes * MINUTE_MS;
  const step = (request.granularityMinutes ?? DEFAULT_GRANULARITY_MINUTES) * MINUTE_MS;
  if (!(duration > 0) || !Number.isInteger(step) || step < MINUTE_MS) {
    throw new TimeError(
      TimeErrorCode.InvalidSlotSearch,
      `Invalid slot search: duration (${request.durationMinutes} min) must be positive and granularity (${request.granularityMinutes} min) a whole number of minutes ≥ 1.`,
    );
  }
  const first = Math.ceil(earliestStart.getTime() / step) * step;
  const count = Math.floor((deadline.getTime() - duration - first) / step) + 1;
  if (count < 1) {
    throw new TimeError(
      TimeErrorCode.InvalidSlotSearch,
      `The flexibility range ${earliestStart.toISOString()}–${deadline.toISOString()} cannot hold a ${request.durationMinutes}-minute window on the ${step / MINUTE_MS}-minute grid: move the deadline later.`,
    );
  }
  if (count > MAX_CANDIDATES) {
    throw new TimeError(TimeErrorCode.InvalidSlotSearch, `The flexibility range holds ${count} candidate starts; narrow it or coarsen the granularity (limit ${MAX_CANDIDATES}).`);
  }
  return { first, step, count, duration };
}

function footprintHolds(request: SlotSearchRequest): readonly RegionHold[] {
  if (request.global) return request.holds ?? [];
  const regions = new Set(request.footprint.map((region) => region.region));
  return (request.holds ?? []).filter((hold) => regions.has(hold.region));
}

function allowedHoursZones(request: SlotSearchRequest): string[] {
  if (!request.allowedLocalHours) return [];
  if (request.allowedLocalHours.in === 'window-zone') return [request.windowZone];
  return [...new Set(request.footprint.flatMap((region) => region.zones))];
}

/** Greedy: cheapest first, earlier on ties, each pick at least the separation from the others. */
function pickBest(costs: Float64Array, eligible: Uint8Array, grid: CandidateGrid, request: SlotSearchRequest): number[] {
  const count = request.count ?? DEFAULT_SLOT_COUNT;
  const separation = (request.minSeparationMinutes ?? request.durationMinutes) * MINUTE_MS;
  if (!Number.isInteger(count) || count < 1 || !(separation >= 0)) {
    throw new TimeError(
      TimeErrorCode.InvalidSlotSearch,
      `Invalid slot search: count (${request.count}) must be a whole number ≥ 1 and minSeparationMinutes (${request.minSeparationMinutes}) ≥ 0.`,
    );
  }
  const reach = Math.ceil(separation / grid.step);
  const open = Uint8Array.from(eligible);
  const picks: number[] = [];
  while (picks.length < count) {
    const best = cheapestOpen(costs, open);
    if (best < 0) break;
    picks.push(best);
    // A pick closes at least itself: with no separation asked, the same slot came back every time.
    const span = Math.max(reach, 1);
    open.fill(0, Math.max(0, best - span + 1), Math.min(grid.count, best + span));
  }
  return picks;
}

/**
 * The earliest open candidate within TIE_TOLERANCE of the cheapest. Costs are differences of running
 * integrals, so equally quiet slots differ in their last bits; compared exactly, that noise, not
 * time, chose among them (a flat profile's best came out at 18:45, after slots priced 1e-16 less).
 */
function cheapestOpen(costs: Float64Array, open: Uint8Array): number {
  let cheapest = Number.POSITIVE_INFINITY;
  for (let index = 0; index < costs.length; index++) {
    if (open[index] === 1 && costs[index] < cheapest) cheapest = costs[index];
  }
  const within = cheapest + TIE_TOLERANCE * Math.max(1, Math.abs(cheapest));
  for (let index = 0; index < costs.length; index++) {
    if (open[index] === 1 && costs[index] <= within) return index;
  }
  return -1;
}

function slotAt(grid: CandidateGrid, index: number): InstantRange {
  const start = grid.first + index * grid.step;
  return { start: new Date(start), end: new Date(start + grid.duration) };
}

/** One timeline per zone, built on first use: regions often share zones. */
function timelinesOver(from: number, to: number): (zone: string) => ZoneOffsetTimeline {
  const timelines = new Map<string, ZoneOffsetTimeline>();
  return (zone) => {
    let timeline = timelines.get(zone);
    if (!timeline) {
      timeline = ZoneOffsetTimeline.build(zone, from, to);
      timelines.set(zone, timeline);
    }
    return timeline;
  };
}

function lastEnd(grid: CandidateGrid): number {
  return grid.first + (grid.count - 1) * grid.step + grid.duration;
}

function maskOverlapping(eligible: Uint8Array, grid: CandidateGrid, ranges: readonly InstantRange[]): void {
  for (const range of ranges) {
    // Starts s with s < range.end and s + duration > range.start overlap it.
    const low = Math.floor((range.start.getTime() - grid.duration - grid.first) / grid.step) + 1;
    const high = Math.ceil((range.end.getTime() - grid.first) / grid.step);
    if (high > low) eligible.fill(0, Math.max(0, low), Math.min(grid.count, Math.max(0, high)));
  }
}

function maskOutside(eligible: Uint8Array, grid: CandidateGrid, intervals: readonly { start: number; end: number }[]): void {
  const inside = new Uint8Array(grid.count);
  for (const { start, end } of intervals) {
    const low = Math.max(0, Math.ceil((start - grid.first) / grid.step));
    const high = Math.min(grid.count - 1, Math.floor((end - grid.duration - grid.first) / grid.step));
    if (high >= low) inside.fill(1, low, high + 1);
  }
  for (let index = 0; index < grid.count; index++) eligible[index] &= inside[index];
}

function candidateCosts(grid: CandidateGrid, models: readonly RegionLoadModel[], timelineOf: (zone: string) => ZoneOffsetTimeline): Float64Array {
  const costs = new Float64Array(grid.count);
  const end = lastEnd(grid);
  for (const model of models) {
    const weight = model.share / model.profiles.length / HOUR_MS;
    if (weight === 0) continue;
    for (const profile of model.profiles) {
      const curve = cumulativeLoad(profile.values, timelineOf(profile.zone), grid.first, end);
      curve.addDifferences(costs, grid, weight);
    }
  }
  return costs;
}

/** A load profile's running integral over [from, to), one piece per local hour (or part of one). */
function cumulativeLoad(values: Float64Array, timeline: ZoneOffsetTimeline, from: number, to: number) {
  const starts: number[] = [];
  const rates: number[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (let at = from; at < to; ) {
    const offset = timeline.offsetAt(at);
    const wall = at + offset;
    const next = Math.min(to, Math.floor(wall / HOUR_MS) * HOUR_MS + HOUR_MS - offset, timeline.nextChangeAfter(at));
    const rate = values[hourOfWeek(wall)];
    starts.push(at);
    rates.push(rate);
    cumulative.push(total);
    total += rate * (next - at);
    at = next;
  }
  starts.push(to);
  rates.push(0);
  cumulative.push(total);

  /** Adds weight × (F(start + duration) − F(start)) for every candidate start. */
  const addDifferences = (costs: Float64Array, grid: CandidateGrid, weight: number) => {
    let startPiece = 0;
    let endPiece = 0;
    for (let index = 0; index < grid.count; index++) {
      const start = grid.first + index * grid.step;
      const end = start + grid.duration;
      while (starts[startPiece + 1] <= start) startPiece++;
      while (endPiece + 1 < starts.length && starts[endPiece + 1] <= end) endPiece++;
      const atStart = cumulative[startPiece] + rates[startPiece] * (start - starts[startPiece]);
      const atEnd = cumulative[endPiece] + rates[endPiece] * (end - starts[endPiece]);
      costs[index] += weight * (atEnd - atStart);
    }
  };
  return { addDifferences };
}

type LookupFor = (zone: string) => OffsetLookup;

function describeSlot(slot: InstantRange, models: readonly RegionLoadModel[], request: SlotSearchRequest, lookupFor: LookupFor): ScoredSlot {
  return {
    ...slot,
    ...scoreWithModels(slot, models, lookupFor),
    local: renderLocalTimesWith(slot, request.footprint, lookupFor),
    notes: fallbackNotes(models),
  };
}

function describeCurrent(
  current: InstantRange,
  models: readonly RegionLoadModel[],
  request: SlotSearchRequest,
  allowedZones: readonly string[],
  lookupFor: LookupFor,
): CurrentSlotScore {
  const heldRegions = [...new Set(footprintHolds(request).filter((hold) => rangesOverlap(hold, current)).map((hold) => hold.region))];
  const ranges = request.allowedLocalHours?.ranges ?? [];
  const withinAllowedLocalHours = allowedZones.every((zone) => isWithinLocalHours(current, ranges, zone));
  const notes = [
    ...fallbackNotes(models),
    ...heldRegions.map((region) => `${region}: the current slot overlaps an active hold.`),
    ...(withinAllowedLocalHours ? [] : ['The current slot falls outside the allowed local hours.']),
  ];
  return { ...describeSlot(current, models, request, lookupFor), notes, heldRegions, withinAllowedLocalHours };
}

function fallbackNotes(models: readonly RegionLoadModel[]): string[] {
  return models
    .filter((model) => model.fallback)
    .map((model) => `${model.region}: no learned baseline yet; scored as quiet at local night (01:00–05:00 ${model.zones.join(', ')}).`);
}
