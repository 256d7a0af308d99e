import { z } from 'zod';
import { ActorSchema, EntityIdSchema, IanaZoneSchema, InstantSchema, RegionCodeSchema } from './common.schema';
import { OccurrenceSchema, RegionLocalTimeSchema, SurgePolicySchema, WindowPrioritySchema } from './window-snapshot.v1';

/**
 * A window as a hold event tells it: enough for the notifier to write "your window X (team Y),
 * 01:30-02:30 Asia/Tehran, is held" without asking the planner.
 */
export const HoldWindowSchema = z.strictObject({
  windowId: EntityIdSchema,
  title: z.string().min(1).max(200),
  ownerTeam: ActorSchema,
  priority: WindowPrioritySchema,
  surgePolicy: SurgePolicySchema,
  /** A notify-only window: its owner is told, nothing is held. */
  notifyOnly: z.boolean(),
  /**
   * The zone the owner planned in (the window snapshot's `plannedZone`), so a reader shows a run by that clock where it is one of
   * a region's own zones (Australia/Lord_Howe in AU, which the occurrences' local times give in Australia/Sydney). Absent from
   * events of a planner before 2026-12-07.
   */
  plannedZone: IanaZoneSchema.optional(),
  /** The occurrences concerned, each with its status and local times; `inProgress` ones run on. */
  occurrences: z.array(OccurrenceSchema).max(100),
});
export type HoldWindow = z.infer<typeof HoldWindowSchema>;

/**
 * The hold's period in one region's local time; `untilLocal` is absent while open-ended. `offset` is
 * the zone's at `from`, `untilOffset` its own at `until`: across a clock change they differ.
 */
export const HoldPeriodLocalTimeSchema = z.strictObject({
  region: RegionCodeSchema,
  zone: RegionLocalTimeSchema.shape.zone,
  fromLocal: RegionLocalTimeSchema.shape.startsAtLocal,
  untilLocal: RegionLocalTimeSchema.shape.endsAtLocal.optional(),
  offset: RegionLocalTimeSchema.shape.offset,
  untilOffset: RegionLocalTimeSchema.shape.endOffset,
});
export type HoldPeriodLocalTime = z.infer<typeof HoldPeriodLocalTimeSchema>;

/** Fields hold.placed and hold.released share about the windows a hold touches. */
export const holdWindowsShape = {
  /** Up to 200 windows with their occurrences, held ones first; `windowsTruncated` says when more were touched. */
  windows: z.array(HoldWindowSchema).max(200).optional(),
  windowsTruncated: z.boolean().optional(),
  /** How many occurrences the hold holds (or let go of), across all windows. */
  occurrenceCount: z.int().nonnegative().optional(),
  /** Notify-only windows in the hold's regions and period: flagged, not held. */
  notifyOnlyWindowIds: z.array(EntityIdSchema).optional(),
  /** The hold's period in each of its regions' zones; hold.released's runs from the hold's start to its release. */
  periodLocalTimes: z.array(HoldPeriodLocalTimeSchema).optional(),
  /** When the hold's end was last moved (surge.updated) or the instant it was let go. */
  asOf: InstantSchema.optional(),
};
