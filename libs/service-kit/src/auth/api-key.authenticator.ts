import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { Clock } from '../clock/clock';
import type { SharedServiceConfig } from '../config/service-config';
import { InjectServiceConfig } from '../config/service-config.token';
import { DomainError } from '../errors/domain.error';
import { apiKeyIdOf, bearerTokenOf, matchesHash } from './api-key';
import { Authenticator } from './authenticator';
import { KeyCopyCache } from './key-copy-cache';
import type { Principal } from './principal';

/**
 * Why no key was read, by what the Authorization header held: a header sent as `-H "authorization: $KEY"`
 * is not a request without a key, and one reading "Bearer" alone is a shell variable left empty. The
 * header is never repeated: the key in it, if any, is a secret.
 */
function missingKeyDetail(header: string | undefined): string {
  if (!header) return 'This endpoint needs an API key: send "Authorization: Bearer <key>". An admin creates keys with POST /v1/keys on the maintenance-planner.';
  if (/^Bearer\s*$/i.test(header)) {
    return 'The Authorization header says "Bearer" with no key after it: the variable meant to hold the key (such as $HOLDFAST_KEY) is likely empty. Send "Authorization: Bearer <key>".';
  }
  return 'The Authorization header was sent, but not as "Bearer <key>" (a key alone, without "Bearer " before it, or another scheme): send "Authorization: Bearer <key>". An admin creates keys with POST /v1/keys on the maintenance-planner.';
}

// Last-used times are for people reading the key list: a minute's resolution saves a write per request.
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Authenticates `Authorization: Bearer <key>` against this service's own copy of the keys
 * (api_key_copy, fed from api.keys.v1, its rows remembered by KeyCopyCache until a change evicts
 * them), or the bootstrap key from HOLDFAST_BOOTSTRAP_KEY.
 */
@Injectable()
export class ApiKeyAuthenticator extends Authenticator {
  /** The stored hash of each key this process has authenticated, by key id: real keys, so as many as an admin made, never a guess. */
  private readonly accepted = new Map<string, string>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectServiceConfig() private readonly config: SharedServiceConfig,
    private readonly clock: Clock,
    private readonly keys: KeyCopyCache,
  ) {
    super();
  }

  async authenticate(request: Request): Promise<Principal> {
    const header = request.header('authorization');
    const key = bearerTokenOf(header);
    if (!key) throw new DomainError('missing-key', 401, missingKeyDetail(header));
    const { bootstrap } = this.config.auth;
    if (bootstrap && matchesHash(key, bootstrap.keyHash)) return { kind: 'api-key', id: 'bootstrap', team: bootstrap.team, scopes: ['admin'] };
    const keyId = apiKeyIdOf(key);
    if (!keyId) {
      throw new DomainError(
        'malformed-key',
        401,
        'The bearer token is not a Holdfast API key (hf_<16 hex digits>_<secret>) nor this system\'s admin key (npm start keeps it in .holdfast/bootstrap-key). Check that the whole key was copied.',
      );
    }
    const row = await this.keys.row(keyId);
    if (!row) throw new DomainError('unknown-key', 401, `API key hf_${keyId} is not known here. Use a key an admin created with POST /v1/keys; a key just created may take a moment to reach every service.`);
    // The id is no secret (key lists show it): saying the secret is wrong sends the caller to the copy, not to wait for a key that exists.
    if (!matchesHash(key, row.hash)) throw new DomainError('wrong-key-secret', 401, `The secret of API key hf_${keyId} is wrong: check that the whole key was copied (the part after hf_${keyId}_). It was shown once, when created; if it is lost, ask an admin for a new key.`);
    if (row.revoked_at) {
      this.accepted.delete(keyId);
      throw new DomainError('revoked-key', 401, `API key hf_${keyId} was revoked at ${row.revoked_at.toISOString()}. Ask an admin of team ${row.team} for a new one.`);
    }
    const now = this.clock.now();
    if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      // GREATEST: another replica may have written a later use meanwhile.
      await this.dataSource.query('UPDATE api_key_copy SET last_used_at = GREATEST(last_used_at, $2) WHERE key_id = $1', [keyId, now]);
      this.keys.used(keyId, now);
    }
    this.accepted.set(keyId, row.hash);
    return { kind: 'api-key', id: keyId, team: row.team, scopes: row.scopes };
  }

  /**
   * The bootstrap key, or a whole key authenticated here before and not since refused as revoked. Never an id alone:
   * ids are no secret (key lists, createdBy, the audit trail), and one with a wrong secret is a guess like any other.
   */
  override vouchesFor(request: Request): boolean {
    const key = bearerTokenOf(request.header('authorization'));
    if (!key) return false;
    const { bootstrap } = this.config.auth;
    if (bootstrap && matchesHash(key, bootstrap.keyHash)) return true;
    const keyId = apiKeyIdOf(key);
    const hash = keyId === undefined ? undefined : this.accepted.get(keyId);
    return hash !== undefined && matchesHash(key, hash);
  }
}
