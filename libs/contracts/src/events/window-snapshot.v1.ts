import { z } from 'zod';
import { ActorSchema, EntityIdSchema, IanaZoneSchema, InstantSchema, RegionCodeSchema, RequestRegionCodeSchema, startsBeforeEnds } from './common.schema';
import { FlexibilitySchema } from './window-flexibility.schema';
import { OccurrenceSchema, RegionLocalTimeSchema } from './window-local-time.schema';
import { ExdateListSchema, RecurrenceRuleSchema } from './window-recurrence.schema';

export * from './window-flexibility.schema';
export * from './window-local-time.schema';
export * from './window-recurrence.schema';

export const WindowPrioritySchema = z.enum(['routine', 'important', 'emergency']);
export type WindowPriority = z.infer<typeof WindowPrioritySchema>;

export const SurgePolicySchema = z.enum(['hold', 'notify-only', 'exempt']);
export type SurgePolicy = z.infer<typeof SurgePolicySchema>;

export const WindowStatusSchema = z.enum(['scheduled', 'held', 'needs-reschedule', 'in-progress', 'completed', 'cancelled']);
export type WindowStatus = z.infer<typeof WindowStatusSchema>;

/** A region's part of the service's traffic, (0, 1]; regions not given share what is left equally. */
export const TrafficShareSchema = z.number().gt(0, { error: 'must be greater than 0' }).max(1, { error: 'must be at most 1' });

/** Where a window can hurt, its regions in the form `region` takes: everywhere, or the listed regions (never both, never neither). */
const footprintOf = (region: z.ZodType<string, string>) =>
  z
    .strictObject({
      global: z.boolean(),
      regions: z.array(region),
      /** Optional traffic share per listed region (default: equal shares). */
      shares: z.record(region, TrafficShareSchema).optional(),
    })
    .refine((footprint) => (footprint.global ? footprint.regions.length === 0 : footprint.regions.length > 0), {
      error: 'a global footprint lists no regions; a regional footprint lists at least one',
      path: ['regions'],
    })
    .refine((footprint) => new Set(footprint.regions).size === footprint.regions.length, {
      error: 'must not repeat a region',
      path: ['regions'],
    })
    .refine((footprint) => Object.keys(footprint.shares ?? {}).every((region) => footprint.regions.includes(region)), {
      error: 'may only give shares for regions the footprint lists',
      path: ['shares'],
    })
    .refine((footprint) => Object.values(footprint.shares ?? {}).reduce((sum, share) => sum + share, 0) <= 1 + 1e-9, {
      error: 'must add up to at most 1',
      path: ['shares'],
    });

/** Where a window can hurt, as its events carry it. */
export const FootprintSchema = footprintOf(RegionCodeSchema);
/** A footprint as a request gives it: a country's code in either case, kept in upper case. */
export const RequestFootprintSchema = footprintOf(RequestRegionCodeSchema);
export type Footprint = z.infer<typeof FootprintSchema>;

/** Fields every window.* event carries: the window as it is after the event (event-carried state). */
export const windowSnapshotShape = {
  windowId: EntityIdSchema,
  /** Optimistic-concurrency version; grows by one with every change. */
  version: z.int().min(1),
  title: z.string().min(1).max(200),
  ownerTeam: ActorSchema,
  footprint: FootprintSchema,
  /** The first occurrence (for a recurring window, DTSTART). */
  startsAt: InstantSchema,
  endsAt: InstantSchema,
  /** The zone the owner planned in; instants stay authoritative. */
  plannedZone: IanaZoneSchema,
  recurrence: RecurrenceRuleSchema.optional(),
  /** Occurrences left out of the recurrence (RFC 5545 EXDATE); only with `recurrence`. */
  exdates: ExdateListSchema.optional(),
  priority: WindowPrioritySchema,
  surgePolicy: SurgePolicySchema,
  flexibility: FlexibilitySchema.optional(),
  status: WindowStatusSchema,
  /** startsAt/endsAt in every footprint region's local time (a global window: the regions that matter to the event). */
  localTimes: z.array(RegionLocalTimeSchema).optional(),
  /** The occurrences this event is about, with their local times (held, released, started...). */
  occurrences: z.array(OccurrenceSchema).max(1000).optional(),
  /** True when the event is about more occurrences than it lists (at most 1000, and as many as keep the event well under Kafka's 1 MiB message limit). */
  occurrencesTruncated: z.boolean().optional(),
};

const exdatesNeedRecurrence = (window: { recurrence?: string; exdates?: string[] }): boolean => !window.exdates?.length || window.recurrence !== undefined;

/** The refinements every window.* payload shares. */
export const refineWindow = <T extends z.ZodType<{ startsAt: string; endsAt: string; recurrence?: string; exdates?: string[] }>>(schema: T) =>
  schema
    .refine(startsBeforeEnds, { error: 'must be after startsAt', path: ['endsAt'] })
    .refine(exdatesNeedRecurrence, { error: 'only a recurring window has exdates', path: ['exdates'] });

export const WindowSnapshotSchema = refineWindow(z.strictObject(windowSnapshotShape));
export type WindowSnapshot = z.infer<typeof WindowSnapshotSchema>;
