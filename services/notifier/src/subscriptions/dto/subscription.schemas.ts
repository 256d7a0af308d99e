import { BidiSafeText, EntityIdSchema, RequestRegionCodeSchema, TeamSchema } from '@holdfast/contracts';
import { z } from 'zod';
import { ChannelNames } from '../../channels/channel-name';
import { NotifiableEventTypes } from '../subscription-filters';

const unique = (values: readonly string[]): boolean => new Set(values).size === values.length;
const list = <T extends z.ZodType<string>>(item: T) => z.array(item).max(200).refine(unique, { error: 'must not repeat a value' }).default([]);

// Read in the subscription list, where a bidirectional override would show it as something it does not say.
const SubscriptionDescriptionSchema = z.string().max(500).check(BidiSafeText);

const TargetSchema = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2000);

export const SubscriptionFiltersSchema = z.strictObject({
  eventTypes: list(z.enum(NotifiableEventTypes, { error: `must be one of ${NotifiableEventTypes.join(', ')}` })),
  regions: list(RequestRegionCodeSchema),
  // Team names as keys are issued for: any other could match no window's owner.
  teams: list(TeamSchema),
  // A UUID in either case names one window; the planner's are lower case, so they are kept so, and compared so (matchesFilters).
  windowIds: list(EntityIdSchema.overwrite((id) => id.toLowerCase())),
});

export const CreateSubscriptionSchema = z.strictObject({
  channel: z.enum(ChannelNames, { error: `must be one of ${ChannelNames.join(', ')}` }),
  target: TargetSchema.meta({
    description: 'webhook: the receiver URL; slack: the incoming-webhook URL; grafana and alertmanager: their base URL (http://grafana:3000, http://alertmanager:9093).',
  }),
  ownerTeam: TeamSchema,
  secret: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .meta({ description: 'webhook: a whsec_ signing secret (generated when absent); grafana/alertmanager: a token (sent as Bearer), or "Basic " and the base64 of user:password for a receiver behind basic auth. Returned only in the creation response.' }),
  description: SubscriptionDescriptionSchema.optional(),
  enabled: z.boolean().default(true),
  filters: SubscriptionFiltersSchema.default({ eventTypes: [], regions: [], teams: [], windowIds: [] }),
});
export type CreateSubscription = z.infer<typeof CreateSubscriptionSchema>;

export const UpdateSubscriptionSchema = z
  .strictObject({
    target: TargetSchema.optional(),
    ownerTeam: TeamSchema.optional(),
    secret: z.string().min(1).max(4096).optional(),
    description: SubscriptionDescriptionSchema.nullable().optional(),
    enabled: z.boolean().optional(),
    filters: SubscriptionFiltersSchema.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, { error: 'must change at least one field' });
export type UpdateSubscription = z.infer<typeof UpdateSubscriptionSchema>;

/** How long a rotation keeps signing with the secret it replaces, when the request does not say: a day for receivers to take the new one. */
export const DEFAULT_SECRET_OVERLAP_HOURS = 24;
// A leaked secret should not stay valid for long; a receiver that cannot change in a week is better told with PATCH.
export const MAX_SECRET_OVERLAP_HOURS = 168;

export const RotateSecretSchema = z.strictObject({
  secret: z.string().min(1).max(4096).optional().meta({ description: 'the new whsec_ signing secret (generated when absent). Returned in this response only.' }),
  overlapHours: z
    .number()
    .min(0)
    .max(MAX_SECRET_OVERLAP_HOURS)
    .default(DEFAULT_SECRET_OVERLAP_HOURS)
    .meta({ description: `hours deliveries keep carrying the old secret's signature beside the new one's (0-${MAX_SECRET_OVERLAP_HOURS}, default ${DEFAULT_SECRET_OVERLAP_HOURS}); secrets earlier rotations replaced keep their own ends; 0 replaces them all at once` }),
});
export type RotateSecretRequest = z.infer<typeof RotateSecretSchema>;

export const ReplaySchema = z
  .strictObject({
    ids: z.array(EntityIdSchema).max(10_000).optional(),
    subscriptionId: EntityIdSchema.optional(),
    status: z
      .enum(['dead', 'delivered'])
      .default('dead')
      .meta({ description: "dead (the default), or delivered, which needs subscriptionId: what one receiver took is sent to it again, never a whole team's history" }),
  })
  // A key's whole team, or an admin's every team: each receiver would take again every event it was ever sent.
  .refine((request) => request.status !== 'delivered' || request.subscriptionId !== undefined, {
    path: ['subscriptionId'],
    error: 'is needed to replay delivered deliveries: name the subscription whose receiver should be sent again what it took (replay one delivery with POST /v1/deliveries/{id}/replay)',
  });
export type ReplayRequest = z.infer<typeof ReplaySchema>;
