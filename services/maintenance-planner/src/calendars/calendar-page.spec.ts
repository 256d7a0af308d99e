import { RegionCatalog } from '@holdfast/regions';
import { describe, expect, it } from 'vitest';
import { CALENDAR_SCRIPT } from './calendar-page';

describe('the calendar page script', () => {
  it('takes a browser zone named by a tzdb alias to the zone its list has, not to UTC', () => {
    const links = JSON.parse(/var ZONE_LINKS = (\{.*\});/.exec(CALENDAR_SCRIPT)?.[1] ?? '{}') as Record<string, string>;
    const listed = new Set(new RegionCatalog().list().flatMap((region) => region.zones));
    // What ICU (Node 20, Chrome) reports for India, Nepal and Ukraine.
    for (const browserZone of ['Asia/Calcutta', 'Asia/Katmandu', 'Europe/Kiev']) {
      expect(listed.has(browserZone)).toBe(false);
      expect(listed.has(links[browserZone]), browserZone).toBe(true);
    }
  });
});
