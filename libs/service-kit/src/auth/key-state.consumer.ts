import { Topics, type ApiKeyState, type ConsumerGroup } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { SharedServiceConfig } from '../config/service-config';
import { InjectServiceConfig } from '../config/service-config.token';
import { keyCopyChannel } from './key-copy-cache';

export const KEYS_CONSUMER_GROUP = Symbol('KEYS_CONSUMER_GROUP');

/** Keeps api_key_copy in step with api.keys.v1. */
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
 * Writes a key's state into `schema`'s api_key_copy (a revocation, once seen, is never undone) and
 * announces it in the same transaction: PostgreSQL delivers the NOTIFY at commit, and not at all
 * on a rollback, so every replica's KeyCopyCache evicts the key exactly when the change is visible.
 */
export async function applyKeyState(transaction: EntityManager, schema: string, state: ApiKeyState): Promise<void> {
  await transaction.query(
    `WITH changed AS (
       INSERT INTO api_key_copy (key_id, prefix, hash, team, scopes, created_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (key_id) DO UPDATE SET
         prefix = EXCLUDED.prefix, hash = EXCLUDED.hash, team = EXCLUDED.team, scopes = EXCLUDED.scopes,
         revoked_at = COALESCE(api_key_copy.revoked_at, EXCLUDED.revoked_at)
       RETURNING key_id)
     SELECT pg_notify($8, key_id) FROM changed`,
    [state.keyId, state.prefix, state.hash, state.team, state.scopes, state.createdAt, state.revokedAt, keyCopyChannel(schema)],
  );
}
