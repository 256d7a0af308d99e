import type { RegionCatalog } from '@holdfast/regions';
import { type AllowedLocalHours, findSlots, TimeError } from '@holdfast/time';
import { offsetsOverInWords } from '../windows/clock-change';
import { regionZones } from './slot-proposer';

const FIRST_LOOK_MS = 7 * 86_400_000;

/** A window as it is planned or changed: what the slot search reads its allowed local hours by. */
export interface WindowWithAllowedHours {
  readonly footprint: { readonly global: boolean; readonly regions: readonly string[] };
  readonly plannedZone: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly flexibility?: { readonly earliestStartAt: string; readonly deadlineAt: string; readonly allowedLocalHours?: AllowedLocalHours } | null;
}

/** Where the allowed local hours are read: a footprint region in its zones, or the planned zone. */
interface ReadIn {
  readonly name: string;
  readonly zones: readonly string[];
}

/**
 * Why no slot could ever be proposed for a window within its allowed local hours, read where the slot
 * search reads them (in each footprint region's zones, or the planned zone), or undefined. Each range
 * may hold a run (allowedHoursTooShort) and still no slot be found: NZ's and CL's 01:00-05:00 never
 * meet, Auckland being 16 hours ahead of Santiago in December, and such a window, once held, would
 * wait with no slot to propose. Asked of the slot search itself with nothing to score (every share 0:
 * its masks alone, on its grid, through each zone's DST changes), from now or the earliest start on, as
 * proposals are searched; when none is found, the regions are met one at a time to name those apart, so a
 * footprint of n regions costs at most 2n searches, and only when it is refused. A global window's
 * regions are known only when slots are searched (those learned or held then): it is not judged.
 */
export function allowedHoursApart(window: WindowWithAllowedHours, catalog: RegionCatalog, now: Date): string | undefined {
  const allowed = window.flexibility?.allowedLocalHours;
  if (!window.flexibility || !allowed || window.footprint.global) return undefined;
  const earliestStart = new Date(Math.max(now.getTime(), Date.parse(window.flexibility.earliestStartAt)));
  const deadline = new Date(window.flexibility.deadlineAt);
  const minutes = (Date.parse(window.endsAt) - Date.parse(window.startsAt)) / 60_000;
  const slotWithin = (readIn: readonly ReadIn[], until: Date) => {
    try {
      const zones = [...new Set(readIn.flatMap((one) => one.zones))];
      const search = findSlots({
        durationMinutes: minutes,
        flexibility: { earliestStart, deadline: until },
        windowZone: window.plannedZone,
        footprint: zones.map((zone) => ({ region: zone, zones: [zone], share: 0 })),
        baselines: [],
        allowedLocalHours: { ranges: allowed.ranges, in: 'every-region' },
        count: 1,
      });
      return search.eligibleCandidates > 0;
    } catch (error) {
      // A range the search cannot take (passed by now, years long) is refused for that, by its own check.
      if (error instanceof TimeError) return true;
      throw error;
    }
  };
  // Hours that meet mostly meet within a week: the whole range (up to two years of candidate starts) is searched only when that week holds no slot.
  const firstWeek = new Date(Math.min(deadline.getTime(), earliestStart.getTime() + FIRST_LOOK_MS + minutes * 60_000));
  const hasSlot = (readIn: readonly ReadIn[]) => (firstWeek < deadline && slotWithin(readIn, firstWeek)) || slotWithin(readIn, deadline);
  const readIn: ReadIn[] =
    allowed.in === 'window-zone' || window.footprint.regions.length === 0
      ? [{ name: `the planned zone (${window.plannedZone})`, zones: [window.plannedZone] }]
      : window.footprint.regions.map((code) => {
          const zones = regionZones(catalog, code, window.plannedZone);
          return { name: `${code} (${zones.join(', ')})`, zones };
        });
  if (hasSlot(readIn)) return undefined;
  // A clock change in the range moves one region's hours against another's: said with the offsets, so no one converts.
  const offsets = (apart: readonly ReadIn[]) => {
    const words = offsetsOverInWords([...new Set(apart.flatMap((one) => one.zones))], earliestStart, deadline);
    return words ? ` (over that range ${words})` : '';
  };
  const between = `between ${earliestStart.toISOString()} and ${deadline.toISOString()}`;
  const met: ReadIn[] = [];
  for (const next of readIn) {
    if (!hasSlot([next])) return `leave no ${minutes}-minute slot in ${next.name} ${between}${offsets([next])}: widen a range, or move the flexibility to take in those hours`;
    if (!hasSlot([...met, next])) {
      const apart = met.filter((one) => !hasSlot([one, next]));
      const names =
        apart.length === 0 ? `${namesOf([...met, next], 'and')} all at once` : apart.length === 1 ? `${apart[0].name} and ${next.name}` : `${next.name} and in ${namesOf(apart, 'or')}`;
      return `never meet in ${names}: no ${minutes}-minute slot ${between} is within them in every region of the footprint${offsets(apart.length === 0 ? [...met, next] : [...apart, next])}; widen a range, take a region out of the footprint, or read them in the planned zone alone ("in": "window-zone")`;
    }
    met.push(next);
  }
  // Unreached: the regions met one by one meet all together.
  return undefined;
}

function namesOf(readIn: readonly ReadIn[], last: 'and' | 'or'): string {
  const names = readIn.map((one) => one.name);
  return `${names.slice(0, -1).join(', ')} ${last} ${names.at(-1)}`;
}
