import { z } from 'zod';
import { IanaZoneSchema, InstantSchema, RegionCodeSchema, TrafficValueSchema, startsBeforeEnds } from './common.schema';

/** A local wall-clock minute with no offset ('2026-06-15T00:30'); always shown with its zone. */
export const LocalDateTimeSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, { error: 'must be a local date-time such as 2026-06-15T00:30' });

/** A UTC offset in force on a date, '+04:30'; derived from the zone, never stored. */
export const UtcOffsetSchema = z.string().regex(/^[+-]\d{2}:\d{2}$/, { error: 'must be an offset such as +04:30' });

/**
 * "01:30 in Asia/Tehran (+04:30)": a range as one footprint region reads it, so no reader does
 * zone arithmetic. `offset` is the offset at the start, `endOffset` at the end (they differ only
 * across a DST change). Both are optional for slots published before they were added.
 */
export const RegionLocalTimeSchema = z.strictObject({
  region: RegionCodeSchema,
  zone: IanaZoneSchema,
  startsAtLocal: LocalDateTimeSchema,
  endsAtLocal: LocalDateTimeSchema,
  offset: UtcOffsetSchema.optional(),
  endOffset: UtcOffsetSchema.optional(),
});
export type RegionLocalTime = z.infer<typeof RegionLocalTimeSchema>;

/** A slot the planner proposed or chose, with the local times an owner reads ("01:30 in Tehran"). */
export const SlotSchema = z
  .strictObject({
    startsAt: InstantSchema,
    endsAt: InstantSchema,
    /** Expected affected traffic over the footprint (baseline times each region's share); lower is better. */
    expectedImpact: TrafficValueSchema,
    localTimes: z.array(RegionLocalTimeSchema),
  })
  .refine(startsBeforeEnds, { error: 'must be after startsAt', path: ['endsAt'] });
export type Slot = z.infer<typeof SlotSchema>;

/** Status of one occurrence; `missed` is one whose time passed without a start. */
export const OccurrenceStatusSchema = z.enum(['scheduled', 'held', 'needs-reschedule', 'in-progress', 'completed', 'missed', 'cancelled']);
export type OccurrenceStatus = z.infer<typeof OccurrenceStatusSchema>;

/** One run of a window, numbered from 1 in start order, with its local times. */
export const OccurrenceSchema = z
  .strictObject({
    number: z.int().min(1),
    startsAt: InstantSchema,
    endsAt: InstantSchema,
    status: OccurrenceStatusSchema,
    /** It had already started when the hold landed: it runs on, and its owner is told. */
    inProgress: z.boolean().optional(),
    localTimes: z.array(RegionLocalTimeSchema),
    /** The slot proposed when a release left it needing a new one. */
    proposedSlot: SlotSchema.optional(),
  })
  .refine(startsBeforeEnds, { error: 'must be after startsAt', path: ['endsAt'] });
export type Occurrence = z.infer<typeof OccurrenceSchema>;
