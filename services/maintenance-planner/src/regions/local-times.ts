import type { RegionLocalTime } from '@holdfast/contracts';
import { RegionCatalog } from '@holdfast/regions';
import { renderInZone } from '@holdfast/time';
import { Injectable } from '@nestjs/common';

/** Start and end of a range in each region's principal zone: "01:30 in Asia/Tehran (+04:30)". */
@Injectable()
export class LocalTimes {
  constructor(private readonly catalog: RegionCatalog) {}

  of(start: Date, end: Date, regions: readonly string[]): RegionLocalTime[] {
    return regions.map((code) => {
      const region = this.catalog.get(code);
      const local = renderInZone({ start, end }, region.code, region.zone);
      return { region: region.code, zone: region.zone, startsAtLocal: local.localStart, endsAtLocal: local.localEnd, offset: local.offset, endOffset: local.endOffset };
    });
  }

  zoneOf(code: string): string {
    return this.catalog.get(code).zone;
  }
}
