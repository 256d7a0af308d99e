import { HoldPlacedSchema, HoldReleasedSchema, type HoldSource, type SignalLoss, type SurgeEvidence } from '@holdfast/contracts';
import { DomainError } from '@holdfast/service-kit';
import { DateTime } from 'luxon';
import type { PlannerSettings } from '../config/planner-settings';
import type { CountedHoldView, HoldView } from './hold-view.schema';

/** No hold of that id: what GET /v1/holds/{id} and a list asked for one hold's runs answer alike. */
export const holdNotFound = (id: string): DomainError => new DomainError('hold-not-found', 404, `No hold ${id}: list holds with GET /v1/holds.`);

/** A lost signal's hold's cause (signal_loss): the metric gone silent in its region, and its surge's signalLoss. */
export type LostSignal = SignalLoss & { metric: string };

export interface HoldRow {
  id: string;
  regions: string[];
  reason: string;
  source: HoldSource;
  cause_id: string;
  placed_at: Date;
  placed_by: string | null;
  from_at: Date;
  until_at: Date | null;
  released_at: Date | null;
  released_by: string | null;
  release_reason: string | null;
  severity: 'minor' | 'major' | 'critical' | null;
  cause_event_id: string | null;
  /** The chain the hold was placed under: its cause's, or for a hold placed by hand the one its hold.placed starts. */
  correlation_id: string | null;
  /** Its hold.placed: what its window events and a release not due to a clearance are caused by. */
  placed_event_id: string | null;
  /** The surge.cleared that set its release due: what that release is caused by. */
  cleared_event_id: string | null;
  evidence: SurgeEvidence | null;
  surge_reason: string | null;
  covered_until: Date | null;
  cleared_at: Date | null;
  /** Why its surge cleared (its surge.cleared's reason), which the release repeats; none for a hold cleared before HoldClearedReason1768600000000. */
  cleared_reason: string | null;
  release_due_at: Date | null;
  /** Bumped by the database whenever what the hold shows changes (HoldVersion1768200000000): its ETag. */
  version: number;
}

/**
 * In SQL, of the hold row `hold` (its table's name or alias), the last instant a hold can stop a run from starting, as its end known
 * ahead says it (endKnownAhead): its release when one is due (a cleared surge in its cool-down is in force until then), a declaration's
 * until and the cool-down after it (`coolDownMs`, an SQL expression: HOLD_COOLDOWN_MINUTES in milliseconds), its clearance come or not,
 * a manual hold's until; NULL for a surge still under way, whose until is an estimate a surge.updated or the sweep may move later.
 */
export const stopsRunsUntilSql = (hold: string, coolDownMs: string): string =>
  `COALESCE(${hold}.release_due_at, CASE ${hold}.source WHEN 'manual' THEN ${hold}.until_at WHEN 'declaration' THEN ${hold}.until_at + ${coolDownMs} * interval '1 millisecond' END)`;

/**
 * When a hold will let runs go, as far as is known ahead, in one unit for all (epoch milliseconds here, microseconds at the gate):
 * its release when one is due; a declaration's until and the cool-down after it, since the analyzer's clock clears its surge at
 * that until (surge.cleared's clearedAt) and its release falls due a cool-down later (scheduleRelease); a manual hold's until,
 * released then with no cool-down (releaseDue); none for a surge under way, whose until is an estimate.
 */
export function endKnownAhead(hold: { source: string; until: number | null; releaseDue: number | null }, coolDown: number): number | null {
  if (hold.releaseDue !== null) return hold.releaseDue;
  if (hold.until === null) return null;
  if (hold.source === 'declaration') return hold.until + coolDown;
  return hold.source === 'manual' ? hold.until : null;
}

/** endKnownAhead of a hold row: HOLD_COOLDOWN_MINUTES (`coolDownMs`) past a declaration's until, and so on. */
export function knownEnd(hold: Pick<HoldRow, 'source' | 'until_at' | 'release_due_at'>, coolDownMs: number): Date | null {
  const end = endKnownAhead({ source: hold.source, until: hold.until_at?.getTime() ?? null, releaseDue: hold.release_due_at?.getTime() ?? null }, coolDownMs);
  return end === null ? null : new Date(end);
}

/**
 * Until when a hold holds runs, as of `now`, for planning, suggestions, fan-out and the refusals' advice alike: its end known
 * ahead (knownEnd: a cleared surge's due release, a declaration's until and the cool-down, a manual hold's until), so a run
 * planned or moved after it is neither refused nor held by the release. A surge still under way holds to its until, an expected
 * end: once that passed with the surge going on, it bounds nothing (the sweep records the hold open-ended; read so at once, a
 * window planned or moved before that sweep meets the hold as the gate does).
 */
export function heldUntil(hold: Pick<HoldRow, 'source' | 'until_at' | 'release_due_at'>, now: Date, coolDownMs: number): Date | null {
  return knownEnd(hold, coolDownMs) ?? (hold.until_at !== null && hold.until_at > now ? hold.until_at : null);
}

/** Where a released hold's hold ended: its release's due time when a cleared surge's cool-down set one (the sweep releases it a little later), else `now`. */
export function endOfHeld(hold: Pick<HoldRow, 'release_due_at'>, now: Date): Date {
  return hold.release_due_at !== null && hold.release_due_at < now ? hold.release_due_at : now;
}

/**
 * How far a hold holds runs now: to its until as of now (heldUntil), or, with none, as far as it is
 * held ahead (HOLD_HORIZON_HOURS from now, or further where the sweep has fanned it out already).
 */
export function heldThrough(
  hold: Pick<HoldRow, 'source' | 'until_at' | 'release_due_at' | 'covered_until'>,
  now: Date,
  settings: Pick<PlannerSettings, 'holdHorizonMs' | 'holdCooldownMs'>,
): Date {
  return heldUntil(hold, now, settings.holdCooldownMs) ?? new Date(Math.max(hold.covered_until?.getTime() ?? 0, now.getTime() + settings.holdHorizonMs));
}

const CLEARED: Record<HoldSource, string> = {
  detector: 'The surge cleared',
  alert: 'The alert resolved',
  declaration: 'The declared critical period ended',
  manual: 'The hold ended',
};

/** A release reason longer than hold.released (and window.released's holdReason) allows would be refused on produce. */
const RELEASE_REASON_MAX = HoldReleasedSchema.shape.reason.maxLength ?? Number.MAX_SAFE_INTEGER;

/**
 * The reason a hold is released with once its cause cleared and the cool-down passed, e.g. "The surge
 * cleared at 05:49 UTC on Mon 7 Dec 2026 (No requests sample from BR for 15 minutes: the signal is
 * lost, ...) and the cool-down passed": read by people in messages and the audit trail, so the time is
 * written for them, not as an ISO string, and the surge.cleared's reason says how it cleared (calm
 * traffic and a lost signal read alike otherwise), cut short to fit the event.
 */
export function releasedAfterClearance(hold: Pick<HoldRow, 'source' | 'cleared_at' | 'until_at' | 'cleared_reason'>): string {
  const readable = (at: Date) => DateTime.fromJSDate(at, { zone: 'UTC' }).toFormat("HH:mm 'UTC on' ccc d LLL yyyy");
  const { source, cleared_at: clearedAt, until_at: until } = hold;
  const when = clearedAt ? ` at ${readable(clearedAt)}` : '';
  // A declaration ends before its until only when it is cancelled.
  const [cleared, passed] =
    source === 'declaration' && clearedAt && until && clearedAt < until
      ? [`The declared critical period was cancelled${when}`, `, before its end at ${readable(until)}, and the cool-down passed`]
      : [`${CLEARED[source]}${when}`, ' and the cool-down passed'];
  return `${cleared}${bracketed(hold.cleared_reason, RELEASE_REASON_MAX - cleared.length - passed.length)}${passed}`;
}

/** ` (reason)` in at most `room` characters, its end cut off with an ellipsis when it is longer; nothing for no reason. */
function bracketed(reason: string | null, room: number): string {
  const text = reason?.trim();
  if (!text) return '';
  return ` (${cutToFit(text, room - 3)})`;
}

/** Text in at most `room` characters, its end cut off with an ellipsis when it is longer. */
function cutToFit(text: string, room: number): string {
  if (text.length <= room) return text;
  // Never half a surrogate pair: a lone one is not text.
  return `${text.slice(0, Math.max(0, room - 1)).replace(/[\uD800-\uDBFF]$/, '')}…`;
}

/** Who let a run through a hold with an override, and why (the link's overridden_by and override_reason). */
export interface LetThrough {
  by: string;
  reason: string;
}

/**
 * What a hold's window.released says of a window told window.held whose every run the hold held was let through by an
 * override since: who let them through and why, as the trail's `overridden` entries say, each person once, with their
 * reasons in run order: "Let through by an override by network-ops/key-1 (the certificate expires today)".
 */
export function letThroughReason(overrides: readonly LetThrough[]): string {
  const reasonsBy = new Map<string, string[]>();
  for (const { by, reason } of overrides) {
    const reasons = reasonsBy.get(by) ?? [];
    if (!reasons.includes(reason)) reasonsBy.set(by, [...reasons, reason]);
  }
  const given = [...reasonsBy.values()].reduce((count, reasons) => count + reasons.length, 0);
  const who = [...reasonsBy].map(([by, reasons]) => `by ${by} (${reasons.join('; ')})`).join(' and ');
  return cutToFit(`Let through by ${given === 1 ? 'an override' : 'overrides'} ${who}`, RELEASE_REASON_MAX);
}

/** A hold placement's reason longer than hold.placed (and window.held's holdReason) allows would be refused on produce. */
const PLACED_REASON_MAX = HoldPlacedSchema.shape.reason.maxLength ?? Number.MAX_SAFE_INTEGER;

/**
 * The reason of a surge's hold, "Surge in IR: <the surge's reason>", cut short to fit the events it
 * goes out in: the surge's reason may take all the room the contract allows (a declaration's or an
 * alert's 2,000 characters), and a hold refused on produce would leave the region unheld.
 */
export const surgeHoldReason = (region: string, surgeReason: string): string => cutToFit(`Surge in ${region}: ${surgeReason}`, PLACED_REASON_MAX);

/**
 * Orders a hold's placement or extension against windows planned or changed meanwhile: a placement
 * fans out over committed runs only, and a window reads the holds committed before it, so without
 * it a window created while a hold commits is neither refused nor held. Placements take it
 * exclusively and first in their transaction, window writes shared and first, so windows never wait
 * on each other and the two orders never cross (no deadlock).
 */
export const LOCK_HOLD_SET_TO_PLACE = `SELECT pg_advisory_xact_lock(hashtext('maintenance_planner/hold-set'), 0)`;
/**
 * Orders a release the same way, on a key of its own (1), so that placements do not wait for releases: a window written while
 * a hold is released read the hold in force and linked runs the release never let go of (an override then revived one the
 * release had, announcing hold.overridden after hold.released), and two releases over the same runs each read the other's
 * hold as holding them still, so a run begun while held got no new slot. Taken exclusively before the hold's row, after the
 * placing key where a transaction takes both (a clearance's release); window writes take both keys shared, placing key first.
 */
export const LOCK_HOLD_SET_TO_RELEASE = `SELECT pg_advisory_xact_lock(hashtext('maintenance_planner/hold-set'), 1)`;
export const LOCK_HOLD_SET_TO_PLAN = `WITH placing_key AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(hashtext('maintenance_planner/hold-set'), 0))
  SELECT pg_advisory_xact_lock_shared(hashtext('maintenance_planner/hold-set'), 1) FROM placing_key`;

/**
 * In SQL, whether link `link` of hold `hold` (aliases) is one of the runs the hold counts (heldOccurrences, notifyOnlyOccurrences,
 * overrideCount, its runs list): in force, or for a released hold one its release let go of. A link let go while the hold went
 * on (its window cancelled, moved, or off its footprint) is no longer the hold's, let through by an override or not.
 */
export const countedLink = (link: string, hold: string): string => `(${link}.released_at IS NULL OR ${link}.released_at >= ${hold}.released_at)`;

export const HOLD_COLUMNS = `id, regions, reason, source, cause_id, placed_at, placed_by, from_at, until_at, released_at, released_by, release_reason,
  severity, cause_event_id, correlation_id, placed_event_id, cleared_event_id, evidence, surge_reason, covered_until, cleared_at, cleared_reason, release_due_at, version`;

/**
 * A hold as the API lists it (hold-view.schema.ts): placing, releasing and GET add its counts (countedHoldView). `coolDownMs`
 * (HOLD_COOLDOWN_MINUTES) for its holdsUntil, the end the gate lists it with (listingOf): a declaration's until and the cool-down.
 */
export function holdView(row: HoldRow, coolDownMs: number): HoldView {
  return {
    id: row.id,
    regions: row.regions,
    reason: row.reason,
    source: row.source,
    causeId: row.cause_id,
    placedAt: row.placed_at.toISOString(),
    placedBy: row.placed_by,
    from: row.from_at.toISOString(),
    until: row.until_at?.toISOString() ?? null,
    active: row.released_at === null,
    releasedAt: row.released_at?.toISOString() ?? null,
    releasedBy: row.released_by,
    releaseReason: row.release_reason,
    clearedAt: row.cleared_at?.toISOString() ?? null,
    releaseDueAt: row.release_due_at?.toISOString() ?? null,
    holdsUntil: (knownEnd(row, coolDownMs) ?? row.until_at)?.toISOString() ?? null,
    version: row.version,
  };
}

/** A hold with the occurrences it holds (or held when released), as placing and releasing it answer it. */
export function countedHoldView(row: HoldRow, counts: { held: number; notifyOnly: number }, coolDownMs: number): CountedHoldView {
  return { ...holdView(row, coolDownMs), heldOccurrences: counts.held, notifyOnlyOccurrences: counts.notifyOnly };
}
