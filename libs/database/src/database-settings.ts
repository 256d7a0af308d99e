import { decimalVariable, readableFileSchema } from '@holdfast/observability';
import { z } from 'zod';

/** The local PostgreSQL every developer machine and CI runner has (trust auth). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

// node-postgres lets the URL's ssl* parameters (sslmode, sslrootcert, sslnegotiation...) override the TLS the driver is given, silently.
const tlsParametersOf = (url: string): string[] => (URL.canParse(url) ? [...new URL(url).searchParams.keys()].filter((name) => name.toLowerCase().startsWith('ssl')) : []);

export const databaseEnvironmentSchema = z.object({
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL, such as postgres://user@127.0.0.1:5432/holdfast' })
    // Runs after a failed URL check too (zod goes on), which has said what is wrong with one that does not parse.
    .superRefine((url, context) => {
      const found = tlsParametersOf(url);
      if (found.length === 0) return;
      context.addIssue({
        code: 'custom',
        message: `must not carry TLS parameters (${found.join(', ')}), which would override DATABASE_TLS unseen: remove them and set DATABASE_TLS (disable, require, verify-full) and DATABASE_TLS_CA_FILE instead`,
      });
    })
    .default(DEFAULT_DATABASE_URL),
  DATABASE_POOL_SIZE: decimalVariable({ whole: true, unit: 'connections', min: 1, max: 50 }).default(5),
  // How long a service starting beside its PostgreSQL waits for it to accept connections.
  DATABASE_CONNECT_WAIT_SECONDS: decimalVariable({ unit: 'seconds', min: 0, max: 3_600 }).default(30),
  // disable: plaintext (the local server); require: encrypted, certificate not checked; verify-full: encrypted and the server's certificate checked.
  DATABASE_TLS: z.enum(['disable', 'require', 'verify-full']).default('disable'),
  // A PEM file with the CA that signed the server's certificate; unset trusts the system's CAs.
  DATABASE_TLS_CA_FILE: readableFileSchema.optional(),
});

export interface DatabaseSettings {
  url: string;
  /** The PostgreSQL schema the service owns; no service reads another's. */
  schema: string;
  poolSize: number;
  /** How long a service's boot waits for PostgreSQL to accept connections. */
  connectWaitMs: number;
  tls?: { verify: boolean; caFile?: string };
}

/** The settings for a service that owns `schema`, from its parsed environment. */
export function databaseSettingsFrom(env: z.infer<typeof databaseEnvironmentSchema>, schema: string): DatabaseSettings {
  const tls = env.DATABASE_TLS === 'disable' ? {} : { tls: { verify: env.DATABASE_TLS === 'verify-full', ...(env.DATABASE_TLS_CA_FILE ? { caFile: env.DATABASE_TLS_CA_FILE } : {}) } };
  return { url: env.DATABASE_URL, schema, poolSize: env.DATABASE_POOL_SIZE, connectWaitMs: env.DATABASE_CONNECT_WAIT_SECONDS * 1000, ...tls };
}
