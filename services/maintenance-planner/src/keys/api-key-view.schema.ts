import { ActorSchema, ApiKeyStateSchema, InstantSchema, ReasonSchema } from '@holdfast/contracts';
import { zodAnswerSchema, zodPageSchema } from '@holdfast/service-kit';
import { z } from 'zod';

const state = ApiKeyStateSchema.shape;

/** An API key as the list, GET and a revocation answer it: the fields of its api-key.state but the hash, and who made and revoked it. */
export const ApiKeyViewSchema = z.strictObject({
  keyId: state.keyId,
  prefix: state.prefix,
  name: z.string().min(1).max(200),
  team: state.team,
  scopes: state.scopes,
  createdAt: state.createdAt,
  createdBy: ActorSchema,
  lastUsedAt: InstantSchema.nullable().meta({ description: 'the last request the planner authenticated with it (to the minute)' }),
  revokedAt: state.revokedAt,
  revokedBy: ActorSchema.nullable(),
  revokeReason: ReasonSchema.nullable(),
  version: z.int().min(1).max(2).meta({ description: '1 as issued, 2 once revoked; its ETag ("1"), which a revocation takes in If-Match. lastUsedAt moves without it' }),
}).meta({ id: 'ApiKey' });
export type ApiKeyView = z.output<typeof ApiKeyViewSchema>;

/** A key as creating it answers it: the key itself, in this answer only, and how to store it. */
export const CreatedApiKeySchema = z.strictObject({
  key: z.string().meta({ description: 'the key, shown only here (only its hash is stored); send it as "Authorization: Bearer <key>"' }),
  ...ApiKeyViewSchema.shape,
  notice: z.string(),
}).meta({ id: 'CreatedApiKey' });
export type CreatedApiKey = z.output<typeof CreatedApiKeySchema>;

/** The answers' schemas for the OpenAPI document (one definition with the views' types). */
export const API_KEY_ANSWER = zodAnswerSchema(ApiKeyViewSchema);
export const API_KEY_PAGE = zodPageSchema(ApiKeyViewSchema);
export const CREATED_API_KEY_ANSWER = zodAnswerSchema(CreatedApiKeySchema);
