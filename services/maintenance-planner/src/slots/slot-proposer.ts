import type { Slot } from '@holdfast/contracts';
import { RegionCatalog } from '@holdfast/regions';
import { findSlots, type HourOfWeekBaseline, type RegionHold, type SlotSearchResult, slotSearchWithin } from '@holdfast/time';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Queryable } from '../holds/hold-fanout.sql';
import type { WindowRow } from '../windows/window-record';

/** Without a flexibility of its own, a window may move within this many days from now. */
export const DEFAULT_FLEXIBILITY_DAYS = 7;

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
 * through libs/time's findSlots: outside active holds, within the flexibility and allowed local
 * hours, ranked by expected affected traffic (baseline x share) over the footprint.
 */
@Injectable()
export class SlotProposer {
  constructor(private readonly catalog: RegionCatalog) {}

  async propose(db: Queryable | EntityManager, window: WindowRow, current: { start: Date; end: Date }, now: Date, count = 3): Promise<Proposal> {
    const baselines = (await db.query(`SELECT DISTINCT ON (region) region, zone, hourly FROM region_baseline ORDER BY region, updated_at DESC`)) as {
      region: string;
      zone: string;
      hourly: (number | null)[];
    }[];
    const regions = window.footprint_global ? baselines.map((baseline) => baseline.region) : window.footprint_regions;
    const scored = regions.length > 0 ? regions : [this.regionOfZone(window.planned_zone)];
    const shares = window.footprint_shares ?? {};
    const given = Object.values(shares).reduce((sum, share) => sum + share, 0);
    const rest = scored.filter((region) => shares[region] === undefined);
    const footprint = scored.map((code) => {
      const region = this.catalog.find(code);
      // A custom region's zones are the ones its operator listed; a country's full list (29 for the US) would leave no night anywhere, so its principal zone.
      const zones = !region ? [window.planned_zone] : region.kind === 'custom' ? [...region.zones] : [region.zone];
      return { region: code, zones, share: shares[code] ?? (rest.length ? Math.max(0, 1 - given) / rest.length : 0) };
    });
    const holds = (await db.query(
      `SELECT unnest(regions) AS region, from_at, COALESCE(until_at, covered_until, $1::timestamptz + interval '7 days') AS until_at
         FROM hold WHERE released_at IS NULL`,
      [now],
    )) as { region: string; from_at: Date; until_at: Date }[];
    const duration = current.end.getTime() - current.start.getTime();
    const earliest = new Date(Math.max(now.getTime(), window.flexibility ? Date.parse(window.flexibility.earliestStartAt) : 0));
    const flexibility = window.flexibility
      ? { ...window.flexibility, earliestStartAt: earliest.toISOString() }
      : { earliestStartAt: now.toISOString(), deadlineAt: new Date(now.getTime() + DEFAULT_FLEXIBILITY_DAYS * 86_400_000).toISOString() };
    const result = findSlots({
      durationMinutes: Math.round(duration / 60_000),
      ...slotSearchWithin(flexibility),
      windowZone: window.planned_zone,
      footprint,
      baselines: baselines.filter((baseline) => scored.includes(baseline.region)).map<HourOfWeekBaseline>((baseline) => ({ region: baseline.region, zone: baseline.zone, values: baseline.hourly })),
      holds: holds.map<RegionHold>((hold) => ({ region: hold.region, start: hold.from_at, end: hold.until_at })),
      current,
      count,
    });
    const toSlot = (slot: { start: Date; end: Date; expectedAffectedTraffic: number; local: readonly { region: string; zone: string; localStart: string; localEnd: string; offset: string; endOffset: string }[] }): Slot => ({
      startsAt: slot.start.toISOString(),
      endsAt: slot.end.toISOString(),
      expectedImpact: slot.expectedAffectedTraffic,
      localTimes: slot.local.map((local) => ({ region: local.region, zone: local.zone, startsAtLocal: local.localStart, endsAtLocal: local.localEnd, offset: local.offset, endOffset: local.endOffset })),
    });
    const notes = result.fallbackRegions.map((region) => `${region}: no learned baseline yet; scored as quiet at local night (01:00-05:00 ${this.catalog.find(region)?.zone ?? ''}).`);
    return { result, slots: result.slots.map(toSlot), current: result.current ? toSlot(result.current) : null, notes, regions: scored };
  }

  private regionOfZone(zone: string): string {
    return this.catalog.list().find((region) => region.zone === zone)?.code ?? 'US';
  }
}
