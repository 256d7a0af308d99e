import { RegionCatalog } from '@holdfast/regions';
import { TimeError } from '@holdfast/time';
import { describe, expect, it } from 'vitest';
import { warmUpZones } from './zone-warm-up';

describe('warming up the zones of the region catalog', () => {
  it('looks at every distinct principal zone once', async () => {
    const zones = new RegionCatalog().list().map((region) => region.zone);
    expect(await warmUpZones(zones)).toBe(new Set(zones).size);
  });

  it('stops when asked', async () => {
    const zones = new RegionCatalog().list().map((region) => region.zone);
    let turns = 0;
    const warmed = await warmUpZones(zones, () => ++turns > 3);
    expect(warmed).toBe(3);
  });

  it('refuses a zone that is not an IANA name, as the detector would', async () => {
    await expect(warmUpZones(['Europe/Berlin', 'Mars/Olympus'])).rejects.toBeInstanceOf(TimeError);
  });
});
