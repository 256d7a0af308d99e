import { InstantSchema } from '@holdfast/contracts';
import { zodPageSchema } from '@holdfast/service-kit';
import { z } from 'zod';

/** One transition as a window's explanation shows it: what changed, who did it, when, and the event that caused it. */
export const AuditTransitionSchema = z.strictObject({
  subjectType: z.enum(['window', 'occurrence', 'hold']).meta({ description: "occurrence: one run of the window subjectId names, its number in details" }),
  subjectId: z.uuid(),
  action: z.string(),
  actor: z.string().meta({ description: 'team/key id of the key that made it, planner, or the source:cause id of what placed a hold' }),
  at: InstantSchema,
  // The column takes any UUID an event carried in.
  causeEventId: z.guid().nullable(),
  details: z.record(z.string(), z.unknown()),
}).meta({ id: 'AuditTransition' });
export type AuditTransition = z.output<typeof AuditTransitionSchema>;

/** One entry as GET /v1/audit lists it: the transition, with the reason given for it (details.reason). */
export const AuditEntryViewSchema = AuditTransitionSchema.extend({ reason: z.string().nullable() }).meta({ id: 'AuditEntry' });
export type AuditEntryView = z.output<typeof AuditEntryViewSchema>;

/** The answer's schema for the OpenAPI document (one definition with the view's type). */
export const AUDIT_PAGE_ANSWER = zodPageSchema(AuditEntryViewSchema);
