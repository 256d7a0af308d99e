import { Topics, type ConsumerGroup, type HoldfastEvent } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export const KEYS_CONSUMER_GROUP = Symbol('KEYS_CONSUMER_GROUP');

/** Keeps api_key_copy in step with api.keys.v1; a revocation, once seen, is never undone. */
@Injectable()
export class KeyStateConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingRuntime,
    @Inject(KEYS_CONSUMER_GROUP) private readonly group: ConsumerGroup,
  ) {}

  onModuleInit(): void {
    this.messaging.consumer({
      topic: Topics.apiKeys,
      group: this.group,
      handlers: { 'api-key.state': (event, transaction) => this.apply(event, transaction) },
    });
  }

  private async apply({ data }: HoldfastEvent<'api-key.state'>, transaction: EntityManager): Promise<void> {
    await transaction.query(
      `INSERT INTO api_key_copy (key_id, prefix, hash, team, scopes, created_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (key_id) DO UPDATE SET
         prefix = EXCLUDED.prefix, hash = EXCLUDED.hash, team = EXCLUDED.team, scopes = EXCLUDED.scopes,
         revoked_at = COALESCE(api_key_copy.revoked_at, EXCLUDED.revoked_at)`,
      [data.keyId, data.prefix, data.hash, data.team, data.scopes, data.createdAt, data.revokedAt],
    );
  }
}
