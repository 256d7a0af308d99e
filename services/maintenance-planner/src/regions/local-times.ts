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

type Rendered = Omit<RegionLocalTime, 'region'>;

/** Start and end of a range in each region's principal zone: "01:30 in Asia/Tehran (+04:30)". */
@Injectable()
export class LocalTimes {
  /**
   * Rendered ranges by zone, start and end (epoch milliseconds). A surge's events carry each
   * window's local times and its occurrences' (the same range for a one-off window), and many
   * windows share a start. Keyed by the numbers themselves: a key string built for each of a hold's
   * 34,000 runs cost as much as rendering the ranges not yet known.
   */
  private readonly rendered = new Map<string, Map<number, Map<number, Rendered>>>();
  private remembered = 0;
  private readonly timelines = new Map<string, ZoneOffsetTimeline>();

  constructor(private readonly catalog: RegionCatalog) {}

  of(start: Date, end: Date, regions: readonly string[]): RegionLocalTime[] {
    const startMs = start.getTime();
    const endMs = end.getTime();
    return regions.map((code) => {
      const region = this.catalog.get(code);
      const { zone, startsAtLocal, endsAtLocal, offset, endOffset } = this.render(start, end, startMs, endMs, region.code, region.zone);
      return { region: region.code, zone, startsAtLocal, endsAtLocal, offset, endOffset };
    });
  }

  zoneOf(code: string): string {
    return this.catalog.get(code).zone;
  }

  private render(start: Date, end: Date, startMs: number, endMs: number, code: string, zone: string): Rendered {
    const known = this.rendered.get(zone)?.get(startMs)?.get(endMs);
    if (known) return known;
    const [local] = renderLocalTimesWith({ start, end }, [{ region: code, zones: [zone] }], () => this.timelineOf(zone, startMs).offsetAt);
    const rendered = { zone, startsAtLocal: local.localStart, endsAtLocal: local.localEnd, offset: local.offset, endOffset: local.endOffset };
    if (this.remembered >= REMEMBERED_RANGES) {
      this.rendered.clear();
      this.remembered = 0;
    }
    let byStart = this.rendered.get(zone);
    if (!byStart) this.rendered.set(zone, (byStart = new Map()));
    let byEnd = byStart.get(startMs);
    if (!byEnd) byStart.set(startMs, (byEnd = new Map()));
    byEnd.set(endMs, rendered);
    this.remembered++;
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
