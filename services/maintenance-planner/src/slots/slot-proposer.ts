import type { Slot } from '@holdfast/contracts';
import { RegionCatalog } from '@holdfast/regions';
import { InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { type AllowedLocalHours, findSlots, type HourOfWeekBaseline, type RegionHold, type RegionLocalTime, renderInZone, type SlotSearchResult, slotSearchWithin, TimeError, TimeErrorCode } from '@holdfast/time';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PlannerSettings } from '../config/planner-settings';
import type { Queryable } from '../holds/hold-fanout.sql';
import { heldThrough, heldUntil, type HoldRow } from '../holds/hold-record';
import type { WindowRow } from '../windows/window-record';
import { flexibilityTooFarAhead, tooFarAheadInWords, type FlexibilityTooFarAhead } from '../windows/window-request.schema';

/** Without a flexibility of its own, a window may move to start within this many days from now. */
export const DEFAULT_FLEXIBILITY_DAYS = 7;

/** What a global window with no region to score is scored as when its planned zone is in no country (UTC): that zone. */
export const PLANNED_ZONE_REGION = 'planned';

/** How long a region held stays among a global window's scored regions after its hold's release: a surge's cause (an election week) outlasts the surge. */
export const STILL_AT_STAKE_DAYS = 7;

export interface Proposal {
  result: SlotSearchResult;
  slots: Slot[];
  current: Slot | null;
  /** Regions scored by the local-night fallback, and why, in words. */
  notes: string[];
  regions: string[];
}

/**
 * Least-impact slots for a window from the planner's own tables (baseline copy, active holds),
 * through libs/time's findSlots: outside active holds on any footprint region (any region for a
 * global window, scored or not), within the flexibility and allowed local hours, ranked by
 * expected affected traffic (baseline x share) over the scored regions: the footprint's, or for a
 * global window those with a baseline and those held; with none of either, the planned zone's
 * country (tzdb's, so any of its zones: Australia/Perth is AU) scored at the planned zone's night,
 * where the owner planned it rather than at the country's principal zone's (Sydney's), or, for a
 * zone in no country (UTC), PLANNED_ZONE_REGION.
 */
@Injectable()
export class SlotProposer {
  constructor(
    private readonly catalog: RegionCatalog,
    @InjectServiceConfig() private readonly config: ServiceConfig<PlannerSettings>,
  ) {}

  async propose(db: Queryable | EntityManager, window: WindowRow, current: { start: Date; end: Date }, now: Date, count = 3): Promise<Proposal> {
    const baselines = (await db.query(`SELECT DISTINCT ON (region) region, zone, hourly FROM region_baseline ORDER BY region, updated_at DESC`)) as {
      region: string;
      zone: string;
      hourly: (number | null)[];
    }[];
    const regions = window.footprint_global ? [...new Set([...baselines.map((baseline) => baseline.region), ...(await this.regionsAtStake(db, now))])].sort() : window.footprint_regions;
    const scored = regions.length > 0 ? regions : [this.catalog.countryOfZone(window.planned_zone)?.code ?? PLANNED_ZONE_REGION];
    const shares = window.footprint_shares ?? {};
    const given = Object.values(shares).reduce((sum, share) => sum + share, 0);
    const rest = scored.filter((region) => shares[region] === undefined);
    const footprint = scored.map((code) => {
      // The planned zone's country, scored for want of any other region, at the planned zone's night.
      const zones = regions.length === 0 ? [window.planned_zone] : regionZones(this.catalog, code, window.planned_zone);
      return { region: code, zones, share: shares[code] ?? (rest.length ? Math.max(0, 1 - given) / rest.length : 0) };
    });
    // Every region of the footprint counts for holds, every region at all for a global window: not only the scored ones.
    const holds = (
      (await db.query(`SELECT id, regions, reason, source, from_at, until_at, release_due_at, covered_until FROM hold WHERE released_at IS NULL AND ($1::boolean OR regions && $2::text[])`, [
        window.footprint_global,
        window.footprint_regions,
      ])) as ActiveHold[]
    ).map((hold) => ({
      ...hold,
      regions: window.footprint_global ? hold.regions : hold.regions.filter((region) => window.footprint_regions.includes(region)),
      // As planning meets it (heldUntil): a declaration's through the cool-down after its until; none holds until released.
      heldUntil: heldUntil(hold, now, this.config.settings.holdCooldownMs),
      // A hold with no end is taken to last as far as the planner holds runs ahead for it (HOLD_HORIZON_HOURS):
      // nothing later is free for sure, and without an estimate a surge would leave nothing to propose.
      heldThrough: heldThrough(hold, now, this.config.settings),
    }));
    const duration = current.end.getTime() - current.start.getTime();
    // A flexibility stored before planning bounded it: slots decades ahead (or, past the search's limit, none) would be proposed, and moved to with autoMove.
    const tooFar = window.flexibility ? flexibilityTooFarAhead(window.flexibility, duration, now, this.config.settings.planMaxAheadMs) : [];
    if (tooFar.length > 0) throw flexibilityTooFar(window, tooFar, now, this.config.settings.planMaxAheadMs);
    const earliest = new Date(Math.max(now.getTime(), window.flexibility ? Date.parse(window.flexibility.earliestStartAt) : 0));
    // The default range is for starts, so a window longer than it still has one.
    const flexibility = window.flexibility
      ? { ...window.flexibility, earliestStartAt: earliest.toISOString() }
      : { earliestStartAt: now.toISOString(), deadlineAt: new Date(now.getTime() + DEFAULT_FLEXIBILITY_DAYS * 86_400_000 + duration).toISOString() };
    if (Date.parse(flexibility.deadlineAt) - earliest.getTime() < duration) throw noRoomBefore(window, flexibility.deadlineAt, earliest, duration);
    const within = slotSearchWithin(flexibility);
    // A run must end before the window's next begins (and start after its last ended): the others are busy, the one moving is not;
    // so is the slot already proposed to another run waiting for one (runs held together, released together, are proposed in turn).
    const runs = (await db.query(
      `SELECT starts_at, ends_at FROM (
         SELECT starts_at, ends_at FROM occurrence WHERE window_id = $1 AND status IN ('scheduled', 'in-progress') AND starts_at <> $2
         UNION ALL
         SELECT (proposed_slot->>'startsAt')::timestamptz, (proposed_slot->>'endsAt')::timestamptz FROM occurrence
          WHERE window_id = $1 AND status = 'needs-reschedule' AND proposed_slot IS NOT NULL AND starts_at <> $2
       ) AS busy WHERE starts_at < $3 AND ends_at > $4`,
      [window.id, current.start, within.flexibility.deadline, within.flexibility.earliestStart],
    )) as { starts_at: Date; ends_at: Date }[];
    const result = findSlots({
      // Exact, not rounded: the slot becomes the run's new time, and a run keeps its length.
      durationMinutes: duration / 60_000,
      ...within,
      windowZone: window.planned_zone,
      footprint,
      global: window.footprint_global,
      baselines: baselines.filter((baseline) => scored.includes(baseline.region)).map<HourOfWeekBaseline>((baseline) => ({ region: baseline.region, zone: baseline.zone, values: baseline.hourly })),
      holds: holds.flatMap((hold) => hold.regions.map<RegionHold>((region) => ({ region, start: hold.from_at, end: hold.heldThrough }))),
      busy: runs.map((run) => ({ start: run.starts_at, end: run.ends_at })),
      current,
      count,
    });
    // Allowed hours read in the planned zone alone hold there, which no region's zone shown may read alike (Australia/Lord_Howe
    // against AU's Sydney, Asia/Kathmandu against IN's Kolkata): each slot is shown there too, so its owner reads it within them.
    const hoursZone = window.flexibility?.allowedLocalHours?.in === 'window-zone' && !footprint.some((entry) => entry.zones.includes(window.planned_zone)) ? window.planned_zone : null;
    const toSlot = (slot: { start: Date; end: Date; expectedAffectedTraffic: number; local: readonly RegionLocalTime[] }): Slot => ({
      startsAt: slot.start.toISOString(),
      endsAt: slot.end.toISOString(),
      expectedImpact: slot.expectedAffectedTraffic,
      localTimes: [...slot.local, ...(hoursZone ? [renderInZone(slot, PLANNED_ZONE_REGION, hoursZone)] : [])].map((local) => ({
        region: local.region,
        zone: local.zone,
        startsAtLocal: local.localStart,
        endsAtLocal: local.localEnd,
        offset: local.offset,
        endOffset: local.endOffset,
      })),
    });
    const notes = result.fallbackRegions.map((region) => {
      const zones = footprint.find((entry) => entry.region === region)?.zones.join(', ');
      return region === PLANNED_ZONE_REGION
        ? `The planned zone is in no country: scored as quiet at its local night (01:00-05:00 ${zones}).`
        : `${region}: no learned baseline yet; scored as quiet at local night (01:00-05:00 ${zones}).`;
    });
    notes.push(...openEndedNotes(within, holds));
    if (result.slots.length === 0) notes.push(noSlotNote(within, window.planned_zone, footprint));
    return { result, slots: result.slots.map(toSlot), current: result.current ? toSlot(result.current) : null, notes, regions: scored };
  }

  /**
   * The regions held now or released within STILL_AT_STAKE_DAYS: a surge says they depend on the service most, and a global
   * window is scored over them besides the regions whose traffic is known. Before any baseline is learned, their local night
   * is the slot (the 2009 upgrade's 01:30 in Tehran), where the planned zone's region alone would have been scored.
   */
  private async regionsAtStake(db: Queryable | EntityManager, now: Date): Promise<string[]> {
    const since = new Date(now.getTime() - STILL_AT_STAKE_DAYS * 86_400_000);
    const rows = (await db.query('SELECT DISTINCT unnest(regions) AS region FROM hold WHERE released_at IS NULL OR released_at > $1', [since])) as { region: string }[];
    return rows.map((row) => row.region);
  }
}

/**
 * The zones a footprint region is read in, its night scored and its allowed local hours met: a custom
 * region's zones are the ones its operator listed; a country's full list (29 for the US) would leave no
 * night anywhere, so its principal zone; a code the catalog no longer knows, the planned zone.
 */
export function regionZones(catalog: RegionCatalog, code: string, plannedZone: string): string[] {
  const region = catalog.find(code);
  if (!region) return [plannedZone];
  return region.kind === 'custom' ? [...region.zones] : [region.zone];
}

type ActiveHold = Pick<HoldRow, 'id' | 'regions' | 'reason' | 'source' | 'from_at' | 'until_at' | 'release_due_at' | 'covered_until'>;

/** A hold the slots keep out of, with until when it holds runs (heldUntil) and how far it is taken to hold them (heldThrough). */
type HoldToAvoid = ActiveHold & { heldUntil: Date | null; heldThrough: Date };

/** What the slots assume of each hold with no end that begins before the deadline, and what a move into it meets meanwhile. */
function openEndedNotes({ flexibility }: ReturnType<typeof slotSearchWithin>, holds: readonly HoldToAvoid[]): string[] {
  return holds
    .filter((hold) => hold.heldUntil === null && hold.from_at < flexibility.deadline)
    .map(
      (hold) =>
        `Hold ${hold.id} (${hold.regions.join(', ')}: ${hold.reason}) has no end yet: these slots take it to be over by ${hold.heldThrough.toISOString()} (HOLD_HORIZON_HOURS ahead). ` +
        `Until it is released, a move to start before then is refused (409 window-in-hold) unless overridden, and one after it is held when its time comes near if the hold still lasts; ask again after its release for slots sooner.`,
    );
}

/** A TimeError, as the search's own refusals are: a hold's release then records the run with no slot rather than failing. */
function noRoomBefore(window: WindowRow, deadlineAt: string, earliest: Date, duration: number): TimeError {
  return new TimeError(
    TimeErrorCode.InvalidSlotSearch,
    `Window ${window.id} must end by its flexibility deadline ${new Date(deadlineAt).toISOString()}, which leaves no room for its ${duration / 60_000}-minute run from ${earliest.toISOString()} (now, or its earliest start if later): ` +
      `move flexibility.deadlineAt later with PATCH /v1/windows/${window.id}, or remove the flexibility to search the next ${DEFAULT_FLEXIBILITY_DAYS} days.`,
  );
}

/** A TimeError, as noRoomBefore: the release records the run with no slot, and the suggestions answer 422 saying what to change. */
function flexibilityTooFar(window: WindowRow, tooFar: readonly FlexibilityTooFarAhead[], now: Date, maxAheadMs: number): TimeError {
  return new TimeError(
    TimeErrorCode.InvalidSlotSearch,
    `Window ${window.id}'s ${tooFarAheadInWords(tooFar, now, maxAheadMs)}: no slot is searched that far ahead. Check the year and PATCH /v1/windows/${window.id} with the flexibility meant, or remove the flexibility to search the next ${DEFAULT_FLEXIBILITY_DAYS} days.`,
  );
}

/** Why no slot is proposed, with the allowed local hours and the zones they are read in (the zones a slot's times are shown in). */
function noSlotNote({ flexibility, allowedLocalHours }: ReturnType<typeof slotSearchWithin>, plannedZone: string, footprint: readonly { zones: readonly string[] }[]): string {
  const within = allowedLocalHours ? ` and within the allowed local hours (${hoursInWords(allowedLocalHours, plannedZone, footprint)})` : '';
  return `No slot between ${flexibility.earliestStart.toISOString()} and ${flexibility.deadline.toISOString()} is outside the active holds${within}.`;
}

/** "02:00-03:00 in Asia/Kathmandu, the planned zone", "01:00-05:00 in each of Pacific/Auckland, America/Santiago". */
function hoursInWords(allowed: AllowedLocalHours, plannedZone: string, footprint: readonly { zones: readonly string[] }[]): string {
  const ranges = allowed.ranges.map((range) => `${range.from}-${range.to}`).join(', ');
  if (allowed.in === 'window-zone') return `${ranges} in ${plannedZone}, the planned zone`;
  const zones = [...new Set(footprint.flatMap((region) => region.zones))];
  return `${ranges} in ${zones.length > 1 ? `each of ${zones.join(', ')}` : zones[0]}`;
}
