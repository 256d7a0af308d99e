export { TimeError, TimeErrorCode } from './errors/time.error';
export { assertKnownZone, isKnownZone } from './zones/iana-zone';
export { instantToWallClock, wallClockToInstant } from './zones/wall-clock';
export type { InstantRange, LocalWindowPlan, PlannedWindow, Recurrence } from './windows/planned-window';
export { planWindow, planWindowFromLocal, rangesOverlap } from './windows/planned-window';
export type { ExdateReading, Expansion, ExpansionBounds } from './recurrence/recurrence.expander';
export { DEFAULT_MAX_OCCURRENCES, expandOccurrences, MAX_OCCURRENCES_LIMIT, readExdates } from './recurrence/recurrence.expander';
export { canonicalRecurrenceRule } from './recurrence/canonical-rule';
export type { RegionLocalTime, RegionZones } from './rendering/region-local-time.renderer';
export { formatOffset, renderInZone, renderLocalTimes, renderLocalTimesWith } from './rendering/region-local-time.renderer';
export { ZoneOffsetTimeline } from './zones/zone-offset.timeline';
export type { AllowedLocalHours, LocalHoursRange, LocalHoursScope } from './local-hours/allowed-local-hours';
export { isWithinLocalHours, parseLocalHours } from './local-hours/allowed-local-hours';
export type { HourOfWeekBaseline } from './slots/hour-of-week-baseline';
export { FALLBACK_LOAD, HOURS_PER_WEEK } from './slots/hour-of-week-baseline';
export type {
  CurrentSlotScore,
  FootprintRegion,
  RegionHold,
  RegionImpact,
  ScoredSlot,
  SlotScore,
  SlotSearchRange,
  SlotSearchRequest,
  SlotSearchResult,
} from './slots/slot-search.types';
export { scoreSlot } from './slots/slot-score';
export { DEFAULT_GRANULARITY_MINUTES, DEFAULT_SLOT_COUNT, findSlots } from './slots/slot-search';
export { slotSearchWithin } from './slots/slot-search-within';
