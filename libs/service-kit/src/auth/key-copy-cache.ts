import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { backOff } from 'exponential-backoff';
import { Client, type Pool } from 'pg';
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
  private listener: Client | null = null;
  private closed = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectServiceConfig() private readonly config: SharedServiceConfig,
    private readonly clock: Clock,
  ) {}

  /** True while changes reach this process, i.e. while rows are remembered. */
  get listening(): boolean {
    return this.listener !== null;
  }

  onModuleInit(): void {
    // Not awaited: the service serves from the first moment, reading every key until this listens.
    void this.keepListening();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const listener = this.listener;
    this.forget();
    await listener?.end();
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

  private evict(keyId: string): void {
    this.generation++;
    this.rows.delete(keyId);
  }

  private forget(): void {
    this.generation++;
    this.rows.clear();
    this.listener = null;
  }

  private async keepListening(): Promise<void> {
    await backOff(() => this.listen(), {
      startingDelay: 100,
      maxDelay: 5_000,
      numOfAttempts: Number.MAX_SAFE_INTEGER,
      retry: (error: Error) => {
        if (!this.closed) this.logger.warn(`Cannot listen for API key changes (${error.message}); every request reads its key from PostgreSQL until this is back.`);
        return !this.closed;
      },
    }).catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    // The pool's own settings (URL, TLS, search path); keep-alive so a dead peer ends the connection, and with it the remembering.
    const client = new Client({ ...this.pool.options, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    const lost = (error?: Error) => {
      if (this.listener !== client) return;
      this.forget();
      if (this.closed) return;
      this.logger.warn(`Lost the connection that hears API key changes${error ? ` (${error.message})` : ''}; reading keys from PostgreSQL until it is back.`);
      void client.end().catch(() => undefined);
      void this.keepListening();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', ({ payload }) => this.evict(payload ?? ''));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(keyCopyChannel(this.config.database.schema))}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    // A change may have come and gone while nobody listened: start from nothing.
    this.forget();
    this.listener = client;
  }

  /** TypeORM's pg pool, whose connection settings the listening connection reuses. */
  private get pool(): Pool {
    return (this.dataSource.driver as PostgresDriver).master as Pool;
  }
}
