import type { RegionLocalTime } from '@holdfast/contracts';
import { RegionCatalog } from '@holdfast/regions';
import { renderLocalTimesWith, ZoneOffsetTimeline } from '@holdfast/time';
import { Injectable } from '@nestjs/common';

/** Ranges remembered at most; past it the memory starts again (a surge's events reuse few distinct ranges). */
const REMEMBERED_RANGES = 20_000;

/**
 * How far before and after the first range asked of a zone its offsets are read once, as a
 * ZoneOffsetTimeline (a few hundred look-ups); an instant beyond is asked of the tz data, as every
 * one was before. A hold on one region over 2,333 global windows renders some 34,000 distinct runs,
 * and asking Intl for two offsets each was half of what building their window.held events cost.
 */
const TIMELINE_BEFORE_MS = 366 * 86_400_000;
const TIMELINE_AFTER_MS = 2 * 366 * 86_400_000;

/** Start and end of a range in each region's principal zone: "01:30 in Asia/Tehran (+04:30)". */
@Injectable()
export class LocalTimes {
  /**
   * Rendered ranges by zone and instants. A surge's events carry each window's local times and
   * its occurrences' (the same range for a one-off window), and many windows share a start.
   */
  private readonly rendered = new Map<string, Omit<RegionLocalTime, 'region'>>();
  private readonly timelines = new Map<string, ZoneOffsetTimeline>();

  constructor(private readonly catalog: RegionCatalog) {}

  of(start: Date, end: Date, regions: readonly string[]): RegionLocalTime[] {
    return regions.map((code) => {
      const region = this.catalog.get(code);
      return { region: region.code, ...this.render(start, end, region.code, region.zone) };
    });
  }

  zoneOf(code: string): string {
    return this.catalog.get(code).zone;
  }

  private render(start: Date, end: Date, code: string, zone: string): Omit<RegionLocalTime, 'region'> {
    const key = `${zone} ${start.getTime()} ${end.getTime()}`;
    const known = this.rendered.get(key);
    if (known) return known;
    const [local] = renderLocalTimesWith({ start, end }, [{ region: code, zones: [zone] }], () => this.timelineOf(zone, start.getTime()).offsetAt);
    const rendered = { zone, startsAtLocal: local.localStart, endsAtLocal: local.localEnd, offset: local.offset, endOffset: local.endOffset };
    if (this.rendered.size >= REMEMBERED_RANGES) this.rendered.clear();
    this.rendered.set(key, rendered);
    return rendered;
  }

  private timelineOf(zone: string, aroundMs: number): ZoneOffsetTimeline {
    let timeline = this.timelines.get(zone);
    if (!timeline) {
      timeline = ZoneOffsetTimeline.build(zone, aroundMs - TIMELINE_BEFORE_MS, aroundMs + TIMELINE_AFTER_MS);
      this.timelines.set(zone, timeline);
    }
    return timeline;
  }
}
