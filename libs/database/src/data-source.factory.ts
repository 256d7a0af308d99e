import { readFileSync } from 'node:fs';
import { DataSource, type DataSourceOptions, type EntitySchema, type MigrationInterface } from 'typeorm';
import { BatchingClient } from './batching-client';
import type { DatabaseSettings } from './database-settings';

type EntityTarget = string | (new (...args: never[]) => unknown) | EntitySchema;
type MigrationClass = new () => MigrationInterface;

export interface ServiceDataSourceOptions {
  settings: DatabaseSettings;
  entities: EntityTarget[];
  migrations: MigrationClass[];
  applicationName: string;
}

/**
 * One TypeORM configuration for every service: the service's own schema first on the search path
 * (so migrations' plain SQL lands there), instants as timestamptz in UTC, never synchronised.
 */
export function dataSourceOptions({ settings, entities, migrations, applicationName }: ServiceDataSourceOptions): DataSourceOptions {
  const { ssl, connectionTimeoutMillis } = connectionOptions(settings);
  return {
    type: 'postgres',
    url: settings.url,
    schema: settings.schema,
    entities,
    migrations,
    migrationsTableName: 'schema_migration',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    applicationName,
    ssl,
    extra: {
      max: settings.poolSize,
      options: `-c search_path=${settings.schema} -c timezone=UTC`,
      connectionTimeoutMillis,
      // Statements a transaction issues together (Promise.all) go out in one round trip instead of
      // one each; awaited one by one they behave exactly as before (node-postgres pipelining). The
      // client corks the socket for the turn, so they also leave in one write instead of one each;
      // it also sends START TRANSACTION with the transaction's first statement and prepares the
      // statements marked prepared() (batching-client.ts).
      pipeline: true,
      Client: BatchingClient,
    },
  };
}

/** How a connection reaches the server: TLS as DATABASE_TLS asks, and how long a connect may take. The pool and the boot-time wait share it. */
export function connectionOptions(settings: DatabaseSettings): { ssl: false | { rejectUnauthorized: boolean; ca?: string }; connectionTimeoutMillis: number } {
  return {
    ssl: settings.tls ? { rejectUnauthorized: settings.tls.verify, ...(settings.tls.caFile ? { ca: readFileSync(settings.tls.caFile, 'utf8') } : {}) } : false,
    connectionTimeoutMillis: 5_000,
  };
}

export function createServiceDataSource(options: ServiceDataSourceOptions): DataSource {
  return new DataSource(dataSourceOptions(options));
}
