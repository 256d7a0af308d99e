import { AllowedLocalHours } from '../local-hours/allowed-local-hours';
import { RegionLocalTime, RegionZones } from '../rendering/region-local-time.renderer';
import { InstantRange } from '../windows/planned-window';
import { HourOfWeekBaseline } from './hour-of-week-baseline';

/** A region a window can hurt; `share` is its part of the service's traffic (default 1 / footprint size). */
export interface FootprintRegion extends RegionZones {
  readonly share?: number;
}

/** An active hold on one region for an instant range. */
export interface RegionHold extends InstantRange {
  readonly region: string;
}

/**
 * The instants a slot search covers. A window's flexibility itself is the contract's `Flexibility`
 * (libs/contracts, the one definition); `slotSearchWithin` turns it into this range and the
 * allowed local hours.
 */
export interface SlotSearchRange {
  readonly earliestStart: Date;
  /** Latest end: a slot must finish by then. */
  readonly deadline: Date;
}

export interface SlotSearchRequest {
  readonly durationMinutes: number;
  readonly flexibility: SlotSearchRange;
  /** The zone the window was planned in (read by allowed hours scoped to 'window-zone'). */
  readonly windowZone: string;
  readonly footprint: readonly FootprintRegion[];
  /** The window hurts every region: a hold on any region holds it, whether `footprint` scores that region or not. */
  readonly global?: boolean;
  readonly baselines: readonly HourOfWeekBaseline[];
  /** Active holds; only those on footprint regions count, unless the window is `global`. */
  readonly holds?: readonly RegionHold[];
  /** Times the window cannot take in any region: its own other runs, since a run must end before the next begins. */
  readonly busy?: readonly InstantRange[];
  readonly allowedLocalHours?: AllowedLocalHours;
  /** The window's current slot, scored for comparison. */
  readonly current?: InstantRange;
  /** Candidate starts lie on this UTC grid (default 5 minutes; every zone offset is a multiple of 15). */
  readonly granularityMinutes?: number;
  /** How many slots to return (default 3). */
  readonly count?: number;
  /** Minimum distance between returned starts (default the duration: returned slots never overlap). */
  readonly minSeparationMinutes?: number;
}

export interface RegionImpact {
  readonly region: string;
  readonly share: number;
  /** Integral of the region's relative load over the slot, in average-hours (1 = one average hour). */
  readonly relativeLoad: number;
  /** The same in the baseline's own traffic units × hours; null when the region uses the fallback. */
  readonly expectedTraffic: number | null;
  readonly fallback: boolean;
}

export interface SlotScore {
  /** Σ share × relativeLoad over the footprint: comparable across windows, regions and slots. */
  readonly expectedAffectedTraffic: number;
  readonly byRegion: readonly RegionImpact[];
}

export interface ScoredSlot extends InstantRange, SlotScore {
  /** Local start and end in every zone of every footprint region. */
  readonly local: readonly RegionLocalTime[];
  readonly notes: readonly string[];
}

export interface CurrentSlotScore extends ScoredSlot {
  /** Footprint regions whose active holds overlap the current slot. */
  readonly heldRegions: readonly string[];
  readonly withinAllowedLocalHours: boolean;
}

export interface SlotSearchResult {
  /** Best first; empty when no candidate is outside holds and within the allowed hours. */
  readonly slots: readonly ScoredSlot[];
  readonly current: CurrentSlotScore | null;
  /** Regions scored with the synthetic night-time profile because nothing was learned for them. */
  readonly fallbackRegions: readonly string[];
  readonly candidates: number;
  readonly eligibleCandidates: number;
}
