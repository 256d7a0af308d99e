import type { HourOfWeekBaseline } from '../../libs/time/src/slots/hour-of-week-baseline';
import type { FootprintRegion, RegionHold, SlotSearchRequest } from '../../libs/time/src/slots/slot-search.types';

// Fifty distinct zones around the world: DST in both hemispheres, half-hour and 45-minute offsets.
const ZONES = [
  'Asia/Tehran', 'America/Los_Angeles', 'America/Denver', 'America/Chicago', 'America/New_York', 'America/Halifax',
  'America/St_Johns', 'America/Sao_Paulo', 'America/Argentina/Buenos_Aires', 'America/Santiago', 'America/Bogota',
  'America/Mexico_City', 'America/Anchorage', 'Pacific/Honolulu', 'Europe/London', 'Europe/Dublin', 'Europe/Lisbon',
  'Europe/Berlin', 'Europe/Paris', 'Europe/Madrid', 'Europe/Rome', 'Europe/Warsaw', 'Europe/Athens', 'Europe/Helsinki',
  'Europe/Istanbul', 'Europe/Kyiv', 'Europe/Moscow', 'Africa/Cairo', 'Africa/Lagos', 'Africa/Nairobi',
  'Africa/Johannesburg', 'Africa/Casablanca', 'Asia/Jerusalem', 'Asia/Dubai', 'Asia/Karachi', 'Asia/Kolkata',
  'Asia/Kathmandu', 'Asia/Dhaka', 'Asia/Yangon', 'Asia/Bangkok', 'Asia/Shanghai', 'Asia/Singapore', 'Asia/Tokyo',
  'Asia/Seoul', 'Australia/Adelaide', 'Australia/Sydney', 'Australia/Lord_Howe', 'Pacific/Auckland', 'Pacific/Chatham',
  'Australia/Perth',
];

/** Deterministic pseudo-random numbers so every run benchmarks the same input. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

export function fiftyRegionRequest(overrides: Partial<SlotSearchRequest> = {}): SlotSearchRequest {
  const random = seeded(2009);
  const footprint: FootprintRegion[] = ZONES.map((zone, index) => ({ region: `R${String(index).padStart(2, '0')}`, zones: [zone], share: 0.5 + random() }));
  const baselines: HourOfWeekBaseline[] = footprint
    .filter((_, index) => index % 17 !== 5) // three regions have nothing learned and use the fallback
    .map(({ region, zones }) => {
      const size = 100 + random() * 10_000;
      const values = Array.from({ length: 168 }, (_, hour) => {
        const local = hour % 24;
        const diurnal = 0.25 + 0.75 * Math.max(0, Math.sin(((local - 5) / 24) * 2 * Math.PI));
        const weekend = hour >= 120 ? 0.8 : 1;
        return size * diurnal * weekend * (0.9 + 0.2 * random());
      });
      return { region, zone: zones[0], values };
    });
  const earliestStart = new Date('2026-03-20T00:00:00Z');
  const holds: RegionHold[] = [
    { region: 'R00', start: new Date('2026-03-22T00:00:00Z'), end: new Date('2026-03-24T12:00:00Z') },
    { region: 'R17', start: new Date('2026-03-28T18:00:00Z'), end: new Date('2026-03-29T06:00:00Z') },
    { region: 'R44', start: new Date('2026-03-31T00:00:00Z'), end: new Date('2026-03-31T08:00:00Z') },
  ];
  return {
    durationMinutes: 60,
    flexibility: { earliestStart, deadline: new Date(earliestStart.getTime() + 14 * 86_400_000) },
    windowZone: 'Europe/Berlin',
    footprint,
    baselines,
    holds,
    current: { start: new Date('2026-03-26T13:00:00Z'), end: new Date('2026-03-26T14:00:00Z') },
    ...overrides,
  };
}
