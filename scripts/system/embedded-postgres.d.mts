// Types for embedded-postgres.mjs, so specs can call it from TypeScript.
export const DEFAULT_DATABASE_URL: string;
export const EMBEDDED_POSTGRES_PORT: number;
export function databaseAnswers(url: string): Promise<boolean>;
export type DatabaseChoice = { kind: 'configured' | 'local'; url: string } | { kind: 'embedded' };
export function chooseDatabase(options?: { env?: NodeJS.ProcessEnv; answers?: (url: string) => Promise<boolean> }): Promise<DatabaseChoice>;
export function startEmbeddedPostgres(options?: { dataDir?: string; port?: number; log?: (line: string) => void }): Promise<{ url: string; stop(): Promise<void> }>;
export function redact(url: string): string;
