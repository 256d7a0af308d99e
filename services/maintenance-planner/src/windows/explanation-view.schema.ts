import { EntityIdSchema, EvidenceSampleSchema, HoldSourceSchema, MetricNameSchema, RegionCodeSchema, RegionLocalTimeSchema, SignalLossSchema, SlotSchema, SurgeEvidenceSchema, SurgeSeveritySchema, WindowStatusSchema } from '@holdfast/contracts';
import { zodAnswerSchema } from '@holdfast/service-kit';
import { z } from 'zod';
import { AuditTransitionSchema } from '../audit/audit-entry-view.schema';
import { HoldViewSchema } from '../holds/hold-view.schema';

/** What placed a hold, in the words its owner reads, and the chain of events it came from. */
const HoldCauseSchema = z.strictObject({
  kind: z.enum(['surge', 'alert', 'declaration', 'manual request']),
  source: HoldSourceSchema,
  causeId: z.string(),
  reason: z.string().meta({ description: "the surge's own reason, else the hold's" }),
  severity: SurgeSeveritySchema.nullable(),
  evidence: SurgeEvidenceSchema.nullable().meta({ description: "the detector's evidence as the surge started or was last updated, its deciding sample the last of its samples; null for an alert, a declaration, a manual request or a lost signal (signalLoss)" }),
  startSample: EvidenceSampleSchema.nullable()
    .optional()
    .meta({
      description:
        "the sample that started the surge (its surge.started's deciding sample, of the chain correlationId names), kept with the hold however often the surge is updated; for a hold placed before 2026-12-07, or from a surge.updated whose start the planner never saw, only while the evidence, the surge's latest, still carries it (the sample taken at the hold's from), else null; null for an alert, a declaration or a manual request",
    }),
  signalLoss: SignalLossSchema.extend({ metric: MetricNameSchema })
    .nullable()
    .meta({
      description:
        "a lost signal's hold (its region's onSignalLoss: hold), which no sample started: the metric that went silent in the hold's region, the time of its last sample and how long it had been silent when the surge started; null for any other hold, and for a lost signal's hold placed before the planner kept this (its surge on the analyzer, GET /v1/surges/{causeId}, names the series)",
    }),
  requestedBy: z.string().nullable(),
  causeEventId: z.guid().nullable(),
  correlationId: z.string().nullable(),
});

/** A window's "why is it held?": every hold on any of its runs, oldest first, each with its cause and trail, and the window's own trail. */
export const WindowExplanationSchema = z.strictObject({
  windowId: EntityIdSchema,
  status: WindowStatusSchema,
  holds: z.array(
    z.strictObject({
      hold: HoldViewSchema,
      occurrences: z.array(z.int().min(1)).meta({ description: 'the numbers of its runs the hold holds or held' }),
      overridden: z.boolean().meta({ description: 'a run was let through it' }),
      inProgressWhenHeld: z.boolean().meta({ description: 'a run had already started when it landed, and ran on' }),
      cause: HoldCauseSchema,
      audit: z.array(AuditTransitionSchema),
    }),
  ),
  audit: z.array(AuditTransitionSchema),
}).meta({ id: 'WindowExplanation' });
export type WindowExplanation = z.output<typeof WindowExplanationSchema>;

/** Where the run is now, scored as the slots are: the holds it overlaps, and whether it keeps to the allowed local hours. */
const CurrentSlotSchema = SlotSchema.safeExtend({
  heldRegions: z.array(RegionCodeSchema).meta({ description: 'regions whose active holds it overlaps' }),
  withinAllowedLocalHours: z.boolean(),
});

/** The least-impact slots for the run that needs one, beside where it is now. */
export const WindowSuggestionsSchema = z.strictObject({
  windowId: EntityIdSchema,
  occurrence: z.int().min(1).nullable().meta({ description: 'the run the slots are for; null when none is left, the window as planned is compared instead' }),
  current: CurrentSlotSchema.nullable().meta({ description: 'where the run is now, scored as the slots are' }),
  slots: z.array(SlotSchema).meta({ description: 'best first' }),
  scoredRegions: z.array(RegionCodeSchema),
  fallbackRegions: z.array(RegionCodeSchema).meta({ description: 'scored at local night, with no baseline learned (notes says why)' }),
  notes: z.array(z.string()),
  localTimesOfCurrent: z.array(RegionLocalTimeSchema),
}).meta({ id: 'WindowSuggestions' });
export type WindowSuggestions = z.output<typeof WindowSuggestionsSchema>;

/** The answers' schemas for the OpenAPI document (one definition with the views' types). */
export const EXPLANATION_ANSWER = zodAnswerSchema(WindowExplanationSchema);
export const SUGGESTIONS_ANSWER = zodAnswerSchema(WindowSuggestionsSchema);
