import { endKnownAhead } from '../holds/hold-record';

/** A hold as a 423 lists it. */
export interface GateHold {
  id: string;
  regions: string[];
  reason: string;
  source: string;
  from: string;
  /** Its until; for a declaration's hold the end the gate holds it to, as planning's 409 window-in-hold names it: its until and the cool-down after it, or its due release. */
  until: string | null;
  /** Only for a cleared surge's hold: when it is released (the cool-down passed); it holds until then, whatever `until` said. */
  releaseDueAt?: string;
}

/** An unreleased hold as the gate keeps it, its period in epoch microseconds, as PostgreSQL compares it. */
export interface ActiveHold {
  id: string;
  regions: string[];
  reason: string;
  source: string;
  fromUs: number;
  untilUs: number | null;
  /** A cleared surge's release, due at the end of its cool-down: the hold's end, in force until then. */
  releaseDueUs: number | null;
  /** As a 423 lists it, written the first time it is listed: most kept holds never are, and writing instants was most of a reload's cost. */
  listing?: GateHold;
}

/** The instant as the API writes it (2026-06-15T03:00:00.000Z): to the millisecond, truncated as PostgreSQL's to_char does. */
const instantOf = (microseconds: number) => new Date(Math.floor(microseconds / 1000)).toISOString();

/**
 * A hold as a 423 lists it, written once; `coolDownUs` (HOLD_COOLDOWN_MINUTES) for a declaration's until: a client waits for the
 * end the gate enforces, which the until declared puts a cool-down early, and which planning's 409 names.
 */
export function listingOf(active: ActiveHold, coolDownUs: number): GateHold {
  if (active.listing) return active.listing;
  const untilUs = active.source === 'declaration' ? endKnownAhead({ source: active.source, until: active.untilUs, releaseDue: active.releaseDueUs }, coolDownUs) : active.untilUs;
  active.listing = {
    id: active.id,
    regions: active.regions,
    reason: active.reason,
    source: active.source,
    from: instantOf(active.fromUs),
    until: untilUs === null ? null : instantOf(untilUs),
    ...(active.releaseDueUs === null ? {} : { releaseDueAt: instantOf(active.releaseDueUs) }),
  };
  return active.listing;
}

/**
 * When a hold is next expected to end, for Retry-After: its end known ahead, as planning and suggestions read it (endKnownAhead:
 * a cleared surge's due release, a declaration's until and the cool-down after it (`coolDownUs`), also while its clearance is on
 * its way, a manual hold's until); else its until, a surge's estimate.
 */
export const expectedEndUs = (active: ActiveHold, coolDownUs: number): number | null =>
  endKnownAhead({ source: active.source, until: active.untilUs, releaseDue: active.releaseDueUs }, coolDownUs) ?? active.untilUs;

/** The holds in force on what was asked at one instant. */
export interface Holding {
  count: number;
  /** The first of them in the order a 423 lists them, as many as were asked for. */
  listed: GateHold[];
  /** The latest end still ahead among them (a release due, else an until), in epoch microseconds; null when none has one. */
  latestUntilUs: number | null;
}

/**
 * Every unreleased hold as of one `hold_set_version`, in listing order (soonest end first,
 * open-ended last, then by placing), indexed by region, so a question reads only the holds on
 * the regions it names.
 */
export class HoldSet {
  private readonly ranked: readonly Ranked[];
  private readonly byRegion = new Map<string, Ranked[]>();

  /**
   * `holds` in listing order; `version` null when PostgreSQL had none, so the set is used once and never kept;
   * `coolDownUs`: HOLD_COOLDOWN_MINUTES, which a declaration's hold lasts past its until (expectedEndUs).
   */
  constructor(
    readonly version: string | null,
    holds: readonly ActiveHold[],
    private readonly coolDownUs: number,
  ) {
    // Each hold's end is read once per set, not at every question the set answers.
    this.ranked = holds.map((active, rank) => ({ rank, active, endsUs: endKnownAhead({ source: active.source, until: active.untilUs, releaseDue: active.releaseDueUs }, coolDownUs) }));
    for (const entry of this.ranked) {
      for (const region of entry.active.regions) {
        const onRegion = this.byRegion.get(region);
        if (onRegion) onRegion.push(entry);
        else this.byRegion.set(region, [entry]);
      }
    }
  }

  /**
   * The holds in force at `atUs` (from <= at, and at < the end known ahead: a cleared surge's due release, a declaration's until and cool-down, a manual hold's until) on `regions`, or on every region for a
   * global footprint (`regions` null), less those in `overridden`; the first `listing` of them listed. Those in `heldRun`, holding the run asked about, count from before their `from`.
   * `notDueStartUs`: the start of a run asked about that may not start yet: a hold ending by then does not stop it, and is left out.
   */
  holding(
    regions: readonly string[] | null,
    atUs: number,
    overridden: readonly string[] | null,
    listing: number,
    heldRun: readonly string[] | null = null,
    notDueStartUs: number | null = null,
  ): Holding {
    const candidates = regions === null ? this.ranked : regions.length === 1 ? (this.byRegion.get(regions[0]) ?? []) : this.onRegions(regions);
    const listed: GateHold[] = [];
    let count = 0;
    let latestUntilUs: number | null = null;
    for (const { active, endsUs } of candidates) {
      const { fromUs, untilUs } = active;
      const endsAfterUs = notDueStartUs ?? atUs;
      if ((fromUs > atUs && !heldRun?.includes(active.id)) || (endsUs !== null && endsUs <= endsAfterUs) || overridden?.includes(active.id)) continue;
      if (count++ < listing) listed.push(listingOf(active, this.coolDownUs));
      // Retry-After (expectedEndUs): an estimate already passed says nothing about when to ask again.
      const nextUs = endsUs ?? untilUs;
      if (nextUs !== null && nextUs > atUs && (latestUntilUs === null || nextUs > latestUntilUs)) latestUntilUs = nextUs;
    }
    return { count, listed, latestUntilUs };
  }

  /** The regions' lists merged in listing order; a hold on several of them is met in each list and kept once. */
  private onRegions(regions: readonly string[]): Ranked[] {
    let merged: Ranked[] = [];
    for (const region of regions) {
      const onRegion = this.byRegion.get(region);
      if (!onRegion) continue;
      const next: Ranked[] = [];
      let a = 0;
      let b = 0;
      while (a < merged.length || b < onRegion.length) {
        const fromMerged = b === onRegion.length || (a < merged.length && merged[a].rank <= onRegion[b].rank);
        const entry = fromMerged ? merged[a++] : onRegion[b++];
        if (next.length === 0 || next[next.length - 1] !== entry) next.push(entry);
      }
      merged = next;
    }
    return merged;
  }
}

interface Ranked {
  rank: number;
  active: ActiveHold;
  /**
   * Its end known ahead (endKnownAhead), as planning and suggestions read it (heldUntil): a due release, a declaration's
   * until and the cool-down after it, its clearance come or not, a manual hold's until. A surge's until is its expected
   * end: its hold is in force until its release is due, also past an estimate the surge outlasted.
   */
  endsUs: number | null;
}
