import { describe, expect, it } from 'vitest';
import { findSlots } from '../../libs/time/src/slots/slot-search';
import { naiveBestSlot } from './naive-slot-scan';
import { fiftyRegionRequest } from './slots-bench.fixture';

describe('the slot benchmark’s naive scan', () => {
  it('finds the same best slot as the search on a reduced benchmark input', () => {
    const full = fiftyRegionRequest();
    const request = {
      ...full,
      footprint: full.footprint.slice(0, 8),
      flexibility: { earliestStart: full.flexibility.earliestStart, deadline: new Date(full.flexibility.earliestStart.getTime() + 2 * 86_400_000) },
      granularityMinutes: 15,
      allowedLocalHours: { in: 'window-zone' as const, ranges: [{ from: '20:00', to: '08:00' }] },
    };
    const naive = naiveBestSlot(request);
    const [best] = findSlots(request).slots;
    expect(naive.candidates).toBe(189);
    expect(naive.slot?.start).toEqual(best.start);
    expect(naive.expectedAffectedTraffic).toBeCloseTo(best.expectedAffectedTraffic, 9);
  });
});
