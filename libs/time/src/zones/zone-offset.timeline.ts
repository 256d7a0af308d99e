import { OffsetLookup, zoneOffsetLookup } from './iana-zone';
import { DAY_MS, resolveWallClock, WallClock } from './wall-clock';

// Asking Intl for an offset costs microseconds; sampling once a day and bisecting on change finds
// every transition of a range with a few dozen look-ups instead of one per hour or per candidate.
const SAMPLE_MS = DAY_MS;
const BISECT_PRECISION_MS = 1_000;
// Wall-clock resolution looks a day either side, so the timeline covers that much beyond its range.
const MARGIN_MS = 2 * DAY_MS;

/**
 * A zone's offsets over a bounded range, precomputed: offset look-ups and wall-clock conversions
 * inside the range cost no Intl call. Outside the range it asks the tz data directly.
 * Assumes a zone changes offset at most once a day (true of tzdb since 1970; tested on 2009 and 2026).
 */
export class ZoneOffsetTimeline {
  private constructor(
    readonly zone: string,
    private readonly from: number,
    private readonly to: number,
    /** changes[i] is the first instant at which offsets[i + 1] applies. */
    private readonly changes: number[],
    private readonly offsets: number[],
    private readonly direct: OffsetLookup,
  ) {}

  static build(zone: string, fromMs: number, toMs: number): ZoneOffsetTimeline {
    const direct = zoneOffsetLookup(zone);
    const from = fromMs - MARGIN_MS;
    const to = toMs + MARGIN_MS;
    const changes: number[] = [];
    const offsets = [direct(from)];
    let previousAt = from;
    for (let at = Math.min(from + SAMPLE_MS, to); ; at = Math.min(at + SAMPLE_MS, to)) {
      const offset = direct(at);
      if (offset !== offsets[offsets.length - 1]) {
        changes.push(firstInstantWithOffset(direct, previousAt, at, offsets[offsets.length - 1]));
        offsets.push(offset);
      }
      previousAt = at;
      if (at === to) break;
    }
    return new ZoneOffsetTimeline(zone, from, to, changes, offsets, direct);
  }

  /** Offset in milliseconds east of UTC. */
  readonly offsetAt: OffsetLookup = (instantMs) => {
    if (instantMs < this.from || instantMs > this.to) return this.direct(instantMs);
    let index = 0;
    while (index < this.changes.length && this.changes[index] <= instantMs) index++;
    return this.offsets[index];
  };

  /** The next instant after `instantMs` at which the offset changes, or +Infinity within the range. */
  nextChangeAfter(instantMs: number): number {
    for (const change of this.changes) {
      if (change > instantMs) return change;
    }
    return Number.POSITIVE_INFINITY;
  }

  toWallClock(instantMs: number): WallClock {
    return instantMs + this.offsetAt(instantMs);
  }

  toInstant(wall: WallClock): number {
    return resolveWallClock(wall, this.offsetAt);
  }
}

// tzdb transitions fall on whole seconds, so bisecting on a whole-second grid finds them exactly.
function firstInstantWithOffset(direct: OffsetLookup, low: number, high: number, lowOffset: number): number {
  let before = Math.floor(low / BISECT_PRECISION_MS) * BISECT_PRECISION_MS;
  let after = Math.ceil(high / BISECT_PRECISION_MS) * BISECT_PRECISION_MS;
  while (after - before > BISECT_PRECISION_MS) {
    const middle = before + Math.floor((after - before) / (2 * BISECT_PRECISION_MS)) * BISECT_PRECISION_MS;
    if (direct(middle) === lowOffset) before = middle;
    else after = middle;
  }
  return after;
}
