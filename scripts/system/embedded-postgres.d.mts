// Types for embedded-postgres.mjs, so specs can call it from TypeScript.
export const DEFAULT_DATABASE_URL: string;
export const EMBEDDED_POSTGRES_PORT: number;
export function embeddedPostgresPort(env?: NodeJS.ProcessEnv): number;
/** node-postgres's `ssl` option as DATABASE_TLS and DATABASE_TLS_CA_FILE ask. */
export type DatabaseTls = false | { rejectUnauthorized: boolean; ca?: string };
export function databaseTls(env?: NodeJS.ProcessEnv): DatabaseTls;
/** null when PostgreSQL at `url` lets us in, else what it (or the network) answered. */
export function connectError(url: string, options?: { ssl?: DatabaseTls }): Promise<Error | null>;
export function connectFailure(url: string, error: Error): string;
export type DatabaseChoice = { kind: 'configured' | 'local'; url: string } | { kind: 'embedded' };
export function chooseDatabase(options?: { env?: NodeJS.ProcessEnv; connect?: (url: string, options: { ssl: DatabaseTls }) => Promise<Error | null> }): Promise<DatabaseChoice>;
export function startEmbeddedPostgres(options?: { dataDir?: string; port?: number; log?: (line: string) => void }): Promise<{ url: string; stop(): Promise<void> }>;
export function redact(url: string): string;
