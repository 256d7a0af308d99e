import { KeptListener } from '@holdfast/database';
import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { Clock } from '../clock/clock';
import type { SharedServiceConfig } from '../config/service-config';
import { InjectServiceConfig } from '../config/service-config.token';

export interface KeyCopyRow {
  hash: string;
  team: string;
  scopes: string[];
  revoked_at: Date | null;
  last_used_at: Date | null;
}

/**
 * How long a remembered row is trusted: the backstop for a notification lost on a connection that
 * still looks alive (a dead peer that TCP has not noticed yet). Normally a change evicts at commit.
 */
export const KEY_COPY_TTL_MS = 10_000;

/**
 * The channel a change to `schema`'s api_key_copy is announced on (payload: the key id). Each
 * service's schema has its own, so services sharing a database do not evict each other's rows.
 */
export function keyCopyChannel(schema: string): string {
  return `holdfast_key_copy_${schema}`;
}

interface Remembered {
  row: KeyCopyRow;
  readAtMs: number;
}

/**
 * The api_key_copy rows this process has read, so a request is authenticated without a round trip
 * to PostgreSQL. Every replica stays right: the key-state consumer's transaction notifies
 * `keyCopyChannel` (PostgreSQL delivers it at commit to every LISTEN connection, whichever replica
 * consumed the event), and each process evicts the key. Nothing is remembered while this process's
 * LISTEN connection is down, and everything is forgotten when it drops or comes back, since a
 * notification may have been missed in between; KEY_COPY_TTL_MS bounds the rest.
 */
@Injectable()
export class KeyCopyCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KeyCopyCache.name);
  private readonly rows = new Map<string, Remembered>();
  /** Bumped by every eviction: a read that began before one is not remembered (it may have read the row before the change). */
  private generation = 0;
  private readonly listener: KeptListener;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectServiceConfig() config: SharedServiceConfig,
    private readonly clock: Clock,
  ) {
    this.listener = new KeptListener({
      // The pool's own settings (URL, TLS, search path).
      connection: ((dataSource.driver as PostgresDriver).master as Pool).options,
      channel: keyCopyChannel(config.database.schema),
      onNotification: (keyId) => this.evict(keyId ?? ''),
      // A change may have come and gone while nobody listened: start from nothing.
      onListening: () => this.forget(),
      onLost: (error) => {
        this.forget();
        this.logger.warn(`Lost the connection that hears API key changes${error ? ` (${error.message})` : ''}; reading keys from PostgreSQL until it is back.`);
      },
      onRetry: (error) => this.logger.warn(`Cannot listen for API key changes (${error.message}); every request reads its key from PostgreSQL until this is back.`),
    });
  }

  /** True while changes reach this process, i.e. while rows are remembered. */
  get listening(): boolean {
    return this.listener.listening;
  }

  onModuleInit(): void {
    // Not awaited: the service serves from the first moment, reading every key until this listens.
    void this.listener.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.listener.close();
    this.forget();
  }

  /** The key's row, remembered or read; undefined when this service does not know the key. */
  async row(keyId: string): Promise<KeyCopyRow | undefined> {
    const nowMs = this.clock.nowMs();
    const remembered = this.rows.get(keyId);
    if (remembered && nowMs - remembered.readAtMs < KEY_COPY_TTL_MS) return remembered.row;
    const generation = this.generation;
    const [row] = (await this.dataSource.query('SELECT hash, team, scopes, revoked_at, last_used_at FROM api_key_copy WHERE key_id = $1', [keyId])) as KeyCopyRow[];
    if (row && this.listening && generation === this.generation) this.rows.set(keyId, { row, readAtMs: nowMs });
    return row;
  }

  /** Records the last use this process wrote, so it writes again only when that is stale. */
  used(keyId: string, at: Date): void {
    const remembered = this.rows.get(keyId);
    if (remembered) remembered.row = { ...remembered.row, last_used_at: at };
  }

  /**
   * Forgets a key whose row this process has just changed and committed, before its answer goes
   * out: the change's notification comes too, but PostgreSQL delivers it after the commit, on
   * another connection, and a request sent on the answer could be checked against the old row first.
   */
  changed(keyId: string): void {
    this.generation++;
    this.rows.delete(keyId);
  }

  private evict(keyId: string): void {
    this.changed(keyId);
  }

  private forget(): void {
    this.generation++;
    this.rows.clear();
  }
}
