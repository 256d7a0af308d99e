import { z } from 'zod';

/** The local PostgreSQL every developer machine and CI runner has (trust auth). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export const databaseEnvironmentSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default(DEFAULT_DATABASE_URL),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(50).default(5),
});

export interface DatabaseSettings {
  url: string;
  /** The PostgreSQL schema the service owns; no service reads another's. */
  schema: string;
  poolSize: number;
}

/** The settings for a service that owns `schema`, from its parsed environment. */
export function databaseSettingsFrom(env: z.infer<typeof databaseEnvironmentSchema>, schema: string): DatabaseSettings {
  return { url: env.DATABASE_URL, schema, poolSize: env.DATABASE_POOL_SIZE };
}
