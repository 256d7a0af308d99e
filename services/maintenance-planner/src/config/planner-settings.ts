import { daysOutlivingTopics } from '@holdfast/messaging';
import { decimalVariable } from '@holdfast/observability';
import { CustomRegionsVariable, type CustomRegion } from '@holdfast/regions';
import { z } from 'zod';

/** The planner's own environment variables, each with its documented default (README, Configuration). */
export const plannerEnvironment = {
  OCCURRENCE_HORIZON_DAYS: decimalVariable({ whole: true, unit: 'days', min: 1, max: 3650 }).default(90),
  WINDOW_MAX_DURATION_HOURS: decimalVariable({ whole: true, unit: 'hours', min: 1, max: 24 * 3650 }).default(24 * 31),
  OCCURRENCE_EARLY_START_MINUTES: decimalVariable({ unit: 'minutes', min: 0, max: 7 * 24 * 60 }).default(60),
  HOLD_HORIZON_HOURS: decimalVariable({ whole: true, unit: 'hours', min: 1, max: 24 * 90 }).default(24),
  HOLD_COOLDOWN_MINUTES: decimalVariable({ unit: 'minutes', min: 0, max: 24 * 60 }).default(30),
  MANUAL_HOLD_MAX_DAYS: decimalVariable({ unit: 'days', above: 0, max: 3650 }).default(90),
  // Two years: a window planned for a date of next year, a plan for the two calendar years ahead, still fits; a year typed
  // three or more off (2036 or 2062 for 2026) does not. One or two years off cannot be told from a real plan by any bound.
  PLAN_MAX_AHEAD_DAYS: decimalVariable({ unit: 'days', above: 0, max: 3650 }).default(730),
  PLANNER_SWEEP_INTERVAL_SECONDS: decimalVariable({ whole: true, unit: 'seconds', min: 0, max: 86_400 }).default(60),
  // Whole: it is sent as Retry-After, which takes whole seconds.
  GATE_RETRY_AFTER_SECONDS: decimalVariable({ whole: true, unit: 'seconds', min: 1, max: 86_400 }).default(300),
  GATE_MAX_SURGE_SILENCE_SECONDS: decimalVariable({ unit: 'seconds', min: 0, max: 3_600 }).default(15),
  // Longer than the second between a consumer's offset commits, or a surge being applied as it should would read as behind.
  GATE_SURGE_OFFSETS_INTERVAL_SECONDS: decimalVariable({ unit: 'seconds', above: 1, max: 60, because: '(a consumer commits its offsets every second: a surge applied as it should would read as not applied)' }).default(2),
  CALENDAR_PAST_DAYS: decimalVariable({ unit: 'days', min: 0, max: 3650 }).default(90),
  CALENDAR_FEED_MAX_EVENTS: decimalVariable({ whole: true, unit: 'events', min: 1, max: 50_000 }).default(5_000),
  // A clearance waits for a surge.started that overtook it; one still in the topic must find it.
  SURGE_CLEARANCE_RETENTION_DAYS: daysOutlivingTopics(14, ', or a late surge.started could place a hold its clearance no longer ends'),
  HOLDFAST_CUSTOM_REGIONS: CustomRegionsVariable,
};

export interface PlannerSettings {
  occurrenceHorizonMs: number;
  /** A window lasting longer is refused as a likely typo. */
  windowMaxDurationMs: number;
  /** How long before its planned start a run may be started. */
  earlyStartMs: number;
  holdHorizonMs: number;
  holdCooldownMs: number;
  /** A manual hold with an end further off is refused as a likely typo; one without an end lasts until released. */
  manualHoldMaxMs: number;
  /** A window's first run or a manual hold's start further ahead of now is refused as a likely typo (the year). */
  planMaxAheadMs: number;
  /** 0 turns the periodic sweep off (tests call it directly). */
  sweepIntervalMs: number;
  gateRetryAfterSeconds: number;
  /**
   * How long the broker may leave the surges consumer unanswered before the gate stops answering
   * "allowed" (a surge or declaration made meanwhile would not be held yet); 0 turns that rule off,
   * never the gate's failing closed while the surges consumer catches up after a start or a rebalance.
   */
  gateMaxSurgeSilenceMs: number;
  /**
   * How often the planner reads region.surges.v1's log ends and its consumer group's committed offsets: the gate
   * fails closed for a partition's regions while the group (another replica too) has not applied what it held a read before.
   */
  gateSurgeOffsetsIntervalMs: number;
  /** How far back the iCalendar feeds reach: runs that ended earlier are left out. */
  calendarPastMs: number;
  /** A feed is fetched whole by every subscribed client, every few minutes to hours: bounded. */
  calendarFeedMaxEvents: number;
  /** How long a surge.cleared that came before its surge.started is remembered for that start. */
  surgeClearanceRetentionMs: number;
  customRegions: CustomRegion[];
}

export function plannerSettings(env: z.infer<z.ZodObject<typeof plannerEnvironment>>): PlannerSettings {
  return {
    occurrenceHorizonMs: env.OCCURRENCE_HORIZON_DAYS * 86_400_000,
    windowMaxDurationMs: env.WINDOW_MAX_DURATION_HOURS * 3_600_000,
    earlyStartMs: env.OCCURRENCE_EARLY_START_MINUTES * 60_000,
    holdHorizonMs: env.HOLD_HORIZON_HOURS * 3_600_000,
    holdCooldownMs: env.HOLD_COOLDOWN_MINUTES * 60_000,
    manualHoldMaxMs: env.MANUAL_HOLD_MAX_DAYS * 86_400_000,
    planMaxAheadMs: env.PLAN_MAX_AHEAD_DAYS * 86_400_000,
    sweepIntervalMs: env.PLANNER_SWEEP_INTERVAL_SECONDS * 1000,
    gateRetryAfterSeconds: env.GATE_RETRY_AFTER_SECONDS,
    gateMaxSurgeSilenceMs: env.GATE_MAX_SURGE_SILENCE_SECONDS * 1000,
    gateSurgeOffsetsIntervalMs: env.GATE_SURGE_OFFSETS_INTERVAL_SECONDS * 1000,
    calendarPastMs: env.CALENDAR_PAST_DAYS * 86_400_000,
    calendarFeedMaxEvents: env.CALENDAR_FEED_MAX_EVENTS,
    surgeClearanceRetentionMs: env.SURGE_CLEARANCE_RETENTION_DAYS * 86_400_000,
    customRegions: env.HOLDFAST_CUSTOM_REGIONS,
  };
}
