import type { RegionLocalTime } from '@holdfast/contracts';
import { RegionCatalog } from '@holdfast/regions';
import { renderInZone } from '@holdfast/time';
import { Injectable } from '@nestjs/common';

/** Ranges remembered at most; past it the memory starts again (a surge's events reuse few distinct ranges). */
const REMEMBERED_RANGES = 20_000;

/** Start and end of a range in each region's principal zone: "01:30 in Asia/Tehran (+04:30)". */
@Injectable()
export class LocalTimes {
  /**
   * Rendered ranges by zone and instants. A surge's events carry each window's local times and
   * its occurrences' (the same range for a one-off window), and many windows share a start; each
   * rendering asks the zone's offset twice through Intl, which was most of an event's cost.
   */
  private readonly rendered = new Map<string, Omit<RegionLocalTime, 'region'>>();

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
    const local = renderInZone({ start, end }, code, zone);
    const rendered = { zone, startsAtLocal: local.localStart, endsAtLocal: local.localEnd, offset: local.offset, endOffset: local.endOffset };
    if (this.rendered.size >= REMEMBERED_RANGES) this.rendered.clear();
    this.rendered.set(key, rendered);
    return rendered;
  }
}
