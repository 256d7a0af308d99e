import { Topics, type ApiKeyState, type ConsumerGroup } from '@holdfast/contracts';
import { MessagingRuntime, UnprocessableEventError } from '@holdfast/messaging';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { SharedServiceConfig } from '../config/service-config';
import { InjectServiceConfig } from '../config/service-config.token';
import { keyCopyChannel } from './key-copy-cache';

export const KEYS_CONSUMER_GROUP = Symbol('KEYS_CONSUMER_GROUP');

/** Keeps api_key_copy in step with api.keys.v1 (in the services that do not issue keys). */
@Injectable()
export class KeyStateConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingRuntime,
    @Inject(KEYS_CONSUMER_GROUP) private readonly group: ConsumerGroup,
    @InjectServiceConfig() private readonly config: SharedServiceConfig,
  ) {}

  onModuleInit(): void {
    this.messaging.consumer({
      topic: Topics.apiKeys,
      group: this.group,
      handlers: { 'api-key.state': ({ data }, transaction) => applyKeyState(transaction, this.config.database.schema, data) },
    });
  }
}

/**
 * Writes a key's state into `schema`'s api_key_copy and announces it in the same transaction:
 * PostgreSQL delivers the NOTIFY at commit, and not at all on a rollback, so every replica's
 * KeyCopyCache evicts the key once the change is visible: soon after, on the listening connection
 * (milliseconds; the planner's revoke, which answers its caller, also evicts in its own process).
 *
 * A key never changes but for its revocation (once seen, never undone): a state that would give a
 * known key another secret, team or scopes is refused as unprocessable (dead-lettered) rather than
 * applied, since only a message the planner did not send can say so, and applying it would hand
 * whoever wrote it that key's rights.
 */
export async function applyKeyState(transaction: EntityManager, schema: string, state: ApiKeyState): Promise<void> {
  const applied = (await transaction.query(
    `WITH changed AS (
       INSERT INTO api_key_copy (key_id, prefix, hash, team, scopes, created_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (key_id) DO UPDATE SET revoked_at = COALESCE(api_key_copy.revoked_at, EXCLUDED.revoked_at)
         WHERE (api_key_copy.prefix, api_key_copy.hash, api_key_copy.team, api_key_copy.scopes) = (EXCLUDED.prefix, EXCLUDED.hash, EXCLUDED.team, EXCLUDED.scopes)
       RETURNING key_id)
     SELECT pg_notify($8, key_id) FROM changed`,
    [state.keyId, state.prefix, state.hash, state.team, state.scopes, state.createdAt, state.revokedAt, keyCopyChannel(schema)],
  )) as unknown[];
  if (applied.length === 0) {
    throw new UnprocessableEventError(
      `api-key.state for key hf_${state.keyId} gives it another secret, team or scopes than this service knows (team ${state.team}, scopes ${state.scopes.join(',')}); a key never changes but for its revocation, so this message did not come from the planner: refused. Check who may write api.keys.v1 (docs/security.md, "Kafka").`,
    );
  }
}
