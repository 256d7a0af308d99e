import { z } from 'zod';
import {
  ActorSchema,
  EntityIdSchema,
  IanaZoneSchema,
  InstantSchema,
  RegionCodeSchema,
  TrafficValueSchema,
  startsBeforeEnds,
} from './common.schema';

export const WindowPrioritySchema = z.enum(['routine', 'important', 'emergency']);
export type WindowPriority = z.infer<typeof WindowPrioritySchema>;

export const SurgePolicySchema = z.enum(['hold', 'notify-only', 'exempt']);
export type SurgePolicy = z.infer<typeof SurgePolicySchema>;

export const WindowStatusSchema = z.enum(['scheduled', 'held', 'needs-reschedule', 'in-progress', 'completed', 'cancelled']);
export type WindowStatus = z.infer<typeof WindowStatusSchema>;

/** Where a window can hurt: everywhere, or the listed regions (never both, never neither). */
export const FootprintSchema = z
  .strictObject({ global: z.boolean(), regions: z.array(RegionCodeSchema) })
  .refine((footprint) => (footprint.global ? footprint.regions.length === 0 : footprint.regions.length > 0), {
    error: 'a global footprint lists no regions; a regional footprint lists at least one',
    path: ['regions'],
  })
  .refine((footprint) => new Set(footprint.regions).size === footprint.regions.length, {
    error: 'must not repeat a region',
    path: ['regions'],
  });
export type Footprint = z.infer<typeof FootprintSchema>;

/** One RFC 5545 RRULE value, optionally prefixed 'RRULE:'; DTSTART is startsAt in plannedZone. */
export const RecurrenceRuleSchema = z
  .string()
  .regex(
    /^(?:RRULE:)?(?=(?:[A-Z]+=[^;\s]+;)*FREQ=(?:SECONDLY|MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY)(?:;|$))[A-Z]+=[^;\s]+(?:;[A-Z]+=[^;\s]+)*$/,
    { error: 'must be an RFC 5545 RRULE with a FREQ part, such as FREQ=WEEKLY;BYDAY=SU' },
  )
  .meta({ examples: ['FREQ=WEEKLY;BYDAY=SU'] });

/** Hours are [from, to) in each affected region's local time; from > to wraps past midnight. */
export const LocalHoursSchema = z
  .strictObject({ from: z.int().min(0).max(23), to: z.int().min(1).max(24) })
  .refine((hours) => hours.from !== hours.to, { error: 'from and to must differ', path: ['to'] });

/** How far the planner may move the window when it proposes or picks another slot. */
export const FlexibilitySchema = z
  .strictObject({
    earliestStartAt: InstantSchema,
    deadlineAt: InstantSchema,
    allowedLocalHours: LocalHoursSchema.optional(),
    /** The owner allows the planner to move the window without asking. */
    autoMove: z.boolean(),
  })
  .refine((flexibility) => Date.parse(flexibility.earliestStartAt) < Date.parse(flexibility.deadlineAt), {
    error: 'must be after earliestStartAt',
    path: ['deadlineAt'],
  });
export type Flexibility = z.infer<typeof FlexibilitySchema>;

/** Fields every window.* event carries: the window as it is after the event (event-carried state). */
export const windowSnapshotShape = {
  windowId: EntityIdSchema,
  /** Optimistic-concurrency version; grows by one with every change. */
  version: z.int().min(1),
  title: z.string().min(1).max(200),
  ownerTeam: ActorSchema,
  footprint: FootprintSchema,
  startsAt: InstantSchema,
  endsAt: InstantSchema,
  /** The zone the owner planned in; instants stay authoritative. */
  plannedZone: IanaZoneSchema,
  recurrence: RecurrenceRuleSchema.optional(),
  priority: WindowPrioritySchema,
  surgePolicy: SurgePolicySchema,
  flexibility: FlexibilitySchema.optional(),
  status: WindowStatusSchema,
};

export const WindowSnapshotSchema = z
  .strictObject(windowSnapshotShape)
  .refine(startsBeforeEnds, { error: 'must be after startsAt', path: ['endsAt'] });
export type WindowSnapshot = z.infer<typeof WindowSnapshotSchema>;

/** A local wall-clock minute with no offset ('2026-06-15T00:30'); always shown with its zone. */
export const LocalDateTimeSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, { error: 'must be a local date-time such as 2026-06-15T00:30' });

/** A slot the planner proposed or chose, with the local times an owner reads ("01:30 in Tehran"). */
export const SlotSchema = z
  .strictObject({
    startsAt: InstantSchema,
    endsAt: InstantSchema,
    /** Expected affected traffic over the footprint (baseline times each region's share); lower is better. */
    expectedImpact: TrafficValueSchema,
    localTimes: z.array(
      z.strictObject({
        region: RegionCodeSchema,
        zone: IanaZoneSchema,
        startsAtLocal: LocalDateTimeSchema,
        endsAtLocal: LocalDateTimeSchema,
      }),
    ),
  })
  .refine(startsBeforeEnds, { error: 'must be after startsAt', path: ['endsAt'] });
export type Slot = z.infer<typeof SlotSchema>;
