import { z } from 'zod';
import { InstantSchema } from './common.schema';

/** What a key may do. `admin` implies every other scope. */
export const ApiKeyScopeSchema = z.enum(['read', 'windows:write', 'holds:declare', 'holds:override', 'subscriptions:write', 'samples:write', 'admin']);
export type ApiKeyScope = z.infer<typeof ApiKeyScopeSchema>;

/** A team name as keys and windows carry it: lower-case words joined by hyphens. */
export const TeamSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { error: 'must be a team name in lower case, letters, digits and hyphens (network-ops)' });

/**
 * The state of one API key after a change (created or revoked), so every service keeps its own
 * copy and authenticates locally. It carries the key's SHA-256 hash, never the key.
 */
export const ApiKeyStateSchema = z.strictObject({
  keyId: z.string().regex(/^[0-9a-f]{16}$/, { error: 'must be 16 lower-case hex digits' }),
  /** The first characters of the key, shown in listings so a person can tell keys apart. */
  prefix: z.string().min(4).max(40),
  /** Hex SHA-256 of the whole key. */
  hash: z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be a hex SHA-256 digest' }),
  team: TeamSchema,
  scopes: z.array(ApiKeyScopeSchema).min(1),
  createdAt: InstantSchema,
  revokedAt: InstantSchema.nullable(),
});
export type ApiKeyState = z.infer<typeof ApiKeyStateSchema>;
