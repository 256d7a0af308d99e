import { ActorSchema, EntityIdSchema, InstantSchema } from '@holdfast/contracts';
import { zodAnswerSchema, zodPageSchema } from '@holdfast/service-kit';
import { z } from 'zod';
import { ChannelNames } from '../../channels/channel-name';
import { NotifiableEventTypes } from '../subscription-filters';

/** A subscription as the API shows it: never its secret, only whether it has one. */
export const SubscriptionViewSchema = z
  .strictObject({
    id: EntityIdSchema,
    channel: z.enum(ChannelNames),
    target: z.string(),
    ownerTeam: ActorSchema,
    version: z.int().min(1).meta({ description: 'its ETag ("3"), bumped by every change; PATCH, DELETE and a rotation take it in If-Match' }),
    hasSecret: z.boolean(),
    description: z.string().nullable(),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().meta({ description: 'why the notifier turned it off (its receiver answered 410 Gone); null otherwise' }),
    previousSecretUntil: InstantSchema.nullable().meta({ description: 'until when deliveries also carry the signature of a secret rotations replaced (the last such end); null when they carry one only' }),
    previousSecrets: z.array(z.strictObject({ until: InstantSchema })).meta({ description: 'when each secret rotations replaced stops signing, newest rotation first; empty when only the current one signs' }),
    filters: z
      .strictObject({ eventTypes: z.array(z.enum(NotifiableEventTypes)), regions: z.array(z.string()), teams: z.array(z.string()), windowIds: z.array(z.string()) })
      .meta({ description: 'an empty list matches everything; a non-empty one must share a value with the event' }),
    createdBy: z.string(),
    createdAt: InstantSchema,
    updatedAt: InstantSchema,
  })
  .meta({ id: 'Subscription' });
export type SubscriptionView = z.output<typeof SubscriptionViewSchema>;

/** A subscription as creating it answers it: with the secret it signs or authenticates with, in this answer only (none for Slack). */
const CreatedSubscriptionSchema = SubscriptionViewSchema.extend({
  secret: z.string().optional().meta({ description: 'webhook: the whsec_ signing secret; grafana and alertmanager: the token given. Shown only here' }),
}).meta({ id: 'CreatedSubscription' });
export type CreatedSubscription = z.output<typeof CreatedSubscriptionSchema>;

/** A webhook subscription as rotating its secret answers it: with the new secret, in this answer only. */
const RotatedSubscriptionSchema = SubscriptionViewSchema.extend({
  secret: z.string().meta({ description: 'the new whsec_ signing secret, shown only here; previousSecretUntil says until when the old one signs beside it' }),
}).meta({ id: 'RotatedSubscription' });
export type RotatedSubscription = z.output<typeof RotatedSubscriptionSchema>;

/** The answers' schemas for the OpenAPI document (one definition with the views' types; each view once, under its id). */
export const SUBSCRIPTION_ANSWER = zodAnswerSchema(SubscriptionViewSchema);
export const SUBSCRIPTION_PAGE = zodPageSchema(SubscriptionViewSchema);
export const CREATED_SUBSCRIPTION_ANSWER = zodAnswerSchema(CreatedSubscriptionSchema);
export const ROTATED_SUBSCRIPTION_ANSWER = zodAnswerSchema(RotatedSubscriptionSchema);
