import { ApiKeyStateSchema, createEvent, type ApiKeyScope, type ApiKeyState } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { actorOf, applyKeyState, Clock, decodeCursor, DomainError, generateApiKey, InjectServiceConfig, KeyCopyCache, pageOf, type Principal, type SharedServiceConfig, VersionedResource } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { SERVICE_NAME } from '../service-name';
import { ApiKeyEntity } from './api-key.entity';
import type { ApiKeyView } from './api-key-view.schema';

// A revocation names the version it was made against in If-Match only; without it, it revokes whatever the version.
const KEYS = new VersionedResource('Key', '/v1/keys', false);

// A cursor's id is a key id, so one naming anything else is refused before it reaches the query.
const keyIdOf = (id: string): string | null => (ApiKeyStateSchema.shape.keyId.safeParse(id).success ? id : null);

/**
 * Issues and revokes API keys. Each change, in one transaction, goes into the planner's own copy
 * (what its requests are checked against: a revoked key is refused here as soon as the answer says
 * so) and out on api.keys.v1 to the other services' copies.
 */
@Injectable()
export class KeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly messaging: MessagingRuntime,
    private readonly clock: Clock,
    @InjectServiceConfig() private readonly config: SharedServiceConfig,
    private readonly keyCopies: KeyCopyCache,
  ) {}

  async create(request: { team: string; scopes: ApiKeyScope[]; name: string }, actor: Principal): Promise<ApiKeyView & { key: string }> {
    const generated = generateApiKey();
    const entity: ApiKeyEntity = {
      keyId: generated.keyId,
      prefix: generated.prefix,
      hash: generated.hash,
      team: request.team,
      scopes: [...new Set(request.scopes)],
      name: request.name,
      createdAt: this.clock.now(),
      createdBy: actorOf(actor),
      revokedAt: null,
      revokedBy: null,
      revokeReason: null,
    };
    await this.dataSource.transaction(async (transaction) => {
      await transaction.insert(ApiKeyEntity, entity);
      await this.publishState(transaction, entity);
    });
    return { key: generated.key, ...view(entity, null) };
  }

  /** Newest first, a page at a time; the key id orders keys made in the same millisecond. */
  async list(query: { team?: string; limit: number; cursor?: string }): Promise<{ items: ApiKeyView[]; nextCursor: string | null }> {
    const before = query.cursor ? decodeCursor(query.cursor, keyIdOf) : null;
    const rows = await this.dataSource
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('key')
      .leftJoin('api_key_copy', 'copy', 'copy.key_id = key.key_id')
      .addSelect('copy.last_used_at', 'last_used_at')
      .where(query.team ? 'key.team = :team' : 'true', { team: query.team })
      .andWhere(before ? '(key.created_at, key.key_id) < (:at, :id)' : 'true', { ...before })
      .orderBy('key.created_at', 'DESC')
      .addOrderBy('key.key_id', 'DESC')
      .limit(query.limit + 1)
      .getRawAndEntities();
    const keys = rows.entities.map((entity, index) => view(entity, (rows.raw[index] as { last_used_at: Date | null }).last_used_at));
    return pageOf(keys, query.limit, (key) => ({ at: new Date(key.createdAt), id: key.keyId }), (key) => key);
  }

  /** One key as GET /v1/keys lists it. */
  async get(keyId: string): Promise<ApiKeyView> {
    const key = await this.dataSource.getRepository(ApiKeyEntity).findOneBy({ keyId });
    if (!key) throw unknownKey(keyId);
    const [copy] = (await this.dataSource.query('SELECT last_used_at FROM api_key_copy WHERE key_id = $1', [keyId])) as { last_used_at: Date | null }[];
    return view(key, copy?.last_used_at ?? null);
  }

  /**
   * Revokes a key; revoking it again changes nothing and answers the same. Answers the key as GET /v1/keys lists it.
   * `ifMatch`: the versions it may be revoked at (any, without it); 412 precondition-failed at another, a key revoked since it was read included.
   */
  async revoke(keyId: string, reason: string, actor: Principal, ifMatch?: string): Promise<ApiKeyView> {
    const precondition = KEYS.precondition(ifMatch, { id: keyId });
    const revoked = await this.dataSource.transaction(async (transaction) => {
      const key = await transaction.findOne(ApiKeyEntity, { where: { keyId }, lock: { mode: 'pessimistic_write' } });
      if (!key) throw unknownKey(keyId);
      KEYS.assertMatches(precondition, keyId, versionOf(key), 'revoke it if it should still be');
      if (!key.revokedAt) {
        Object.assign(key, { revokedAt: this.clock.now(), revokedBy: actorOf(actor), revokeReason: reason });
        await transaction.save(key);
        await this.publishState(transaction, key);
      }
      // Its last use is kept on the copy keys are checked against (api_key_copy), where the list reads it too.
      const [copy] = (await transaction.query('SELECT last_used_at FROM api_key_copy WHERE key_id = $1', [keyId])) as { last_used_at: Date | null }[];
      return view(key, copy?.last_used_at ?? null);
    });
    // Refused by this process from the answer on, whenever the commit's notification arrives.
    this.keyCopies.changed(keyId);
    return revoked;
  }

  private async publishState(transaction: EntityManager, key: ApiKeyEntity): Promise<void> {
    const state: ApiKeyState = {
      keyId: key.keyId,
      prefix: key.prefix,
      hash: key.hash,
      team: key.team,
      scopes: key.scopes as ApiKeyScope[],
      createdAt: key.createdAt.toISOString(),
      revokedAt: key.revokedAt?.toISOString() ?? null,
    };
    await applyKeyState(transaction, this.config.database.schema, state);
    await this.messaging.outbox.add(transaction, createEvent('api-key.state', state, { source: SERVICE_NAME, subject: key.keyId }));
  }
}

function unknownKey(keyId: string): DomainError {
  return new DomainError('unknown-key', 404, `There is no API key ${keyId}; GET /v1/keys lists them.`);
}

/**
 * A key's version, read from its state rather than stored: a key changes once, when it is revoked (its revocation is
 * written once, under its row's lock, and never undone; nothing else of it changes), so 1 and 2 are exactly its states.
 * Its last use is a reading kept beside it (api_key_copy), no change to the key: a revocation made against an earlier one still holds.
 */
function versionOf(key: ApiKeyEntity): 1 | 2 {
  return key.revokedAt === null ? 1 : 2;
}

function view(key: ApiKeyEntity, lastUsedAt: Date | null): ApiKeyView {
  return {
    keyId: key.keyId,
    prefix: key.prefix,
    name: key.name,
    team: key.team,
    // Written only from requests the contract's scopes validated.
    scopes: key.scopes as ApiKeyScope[],
    createdAt: key.createdAt.toISOString(),
    createdBy: key.createdBy,
    lastUsedAt: lastUsedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
    revokedBy: key.revokedBy,
    revokeReason: key.revokeReason,
    version: versionOf(key),
  };
}
