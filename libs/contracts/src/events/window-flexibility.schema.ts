import { z } from 'zod';
import { InstantSchema } from './common.schema';

const HOUR_MINUTE = /^(?:[01]\d|2[0-3]):[0-5]\d$/;

/**
 * Local hours "HH:mm" to "HH:mm"; `to` before `from` wraps past midnight (22:00-04:00), "24:00"
 * ends the day. The same definition libs/time's slot search and allowed-hours checks read.
 */
export const LocalHoursRangeSchema = z
  .strictObject({
    from: z.string().regex(HOUR_MINUTE, { error: 'must be a local time HH:mm from 00:00 to 23:59' }),
    to: z.string().regex(/^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/, { error: 'must be a local time HH:mm from 00:01 to 24:00' }),
  })
  .refine((range) => range.from !== range.to, {
    error: 'from and to must differ (use 00:00-24:00 for the whole day)',
    path: ['to'],
  });
export type LocalHoursRange = z.infer<typeof LocalHoursRangeSchema>;

/**
 * Where allowed hours are read: in every footprint region (people everywhere are asleep), in a
 * country's principal zone (where most of its people live) and in every zone a custom region is
 * configured with; or only in the zone the window was planned in (the owner's working hours).
 */
export const LocalHoursScopeSchema = z.enum(['every-region', 'window-zone']);
export type LocalHoursScope = z.infer<typeof LocalHoursScopeSchema>;

export const AllowedLocalHoursSchema = z.strictObject({
  ranges: z.array(LocalHoursRangeSchema).min(1, { error: 'must list at least one range such as {"from":"00:00","to":"05:00"}' }).max(24),
  in: LocalHoursScopeSchema.default('every-region'),
});
export type AllowedLocalHours = z.infer<typeof AllowedLocalHoursSchema>;

/**
 * How far the planner may move a window when it proposes or picks another slot: the one
 * definition the API, the events and libs/time's slot search share.
 */
export const FlexibilitySchema = z
  .strictObject({
    earliestStartAt: InstantSchema,
    /** Latest end: a slot must finish by then. */
    deadlineAt: InstantSchema,
    allowedLocalHours: AllowedLocalHoursSchema.optional(),
    /** The owner allows the planner to move the window without asking (default false). */
    autoMove: z.boolean().default(false),
  })
  .refine((flexibility) => Date.parse(flexibility.earliestStartAt) < Date.parse(flexibility.deadlineAt), {
    error: 'must be after earliestStartAt',
    path: ['deadlineAt'],
  });
export type Flexibility = z.infer<typeof FlexibilitySchema>;
