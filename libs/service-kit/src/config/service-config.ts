import { databaseEnvironmentSchema, databaseSettingsFrom, type DatabaseSettings } from '@holdfast/database';
import { decimalVariable, parseEnvironment, serviceEnvironmentSchema, unquotedVariables } from '@holdfast/observability';
import { TeamSchema } from '@holdfast/contracts';
import { compile as compileTrust } from 'proxy-addr';
import { z } from 'zod';
import { hashApiKey } from '../auth/api-key';
import { requestErrorMap } from '../http/request-schema';
import { withChecksBetweenVariables, type CheckBetweenVariables } from './checks-between-variables';
import { misspeltVariableNotes } from './misspelt-variables';
import {
  kafkaEnvironmentSchema,
  kafkaSettingsFrom,
  ledgerEnvironmentSchema,
  ledgerSettingsFrom,
  outboxEnvironmentSchema,
  outboxSettingsFrom,
  requireSaslCredentials,
  type KafkaSettings,
  type LedgerSettings,
  type OutboxSettings,
} from '@holdfast/messaging';

export interface ServiceIdentity {
  service: string;
  /** The PostgreSQL schema the service owns. */
  schema: string;
  defaultPort: number;
}

export interface AuthSettings {
  /** The first admin key, from HOLDFAST_BOOTSTRAP_KEY; only its hash and length are kept in memory (the length to find it in a URL). */
  bootstrap: { keyHash: string; keyLength: number; team: string } | null;
}

/** What every service is configured with. */
export interface SharedServiceConfig {
  port: number;
  /** The address the HTTP server listens on (LISTEN_ADDRESS). */
  listenAddress: string;
  logLevel: string;
  database: DatabaseSettings;
  kafka: KafkaSettings;
  outbox: OutboxSettings;
  ledger: LedgerSettings;
  auth: AuthSettings;
  limits: LimitSettings;
}

export interface LimitSettings {
  /** Requests per API key per minute, per process; 0 means no limit. */
  requestsPerMinute: number;
  /** Failed authentications per client address per minute, per process, before it is refused; 0 means no limit. */
  authFailuresPerMinute: number;
  /** Express's `trust proxy`: which proxies' X-Forwarded-For names the client; false trusts none. */
  trustProxy: number | string | false;
  /** Largest request body accepted, in bytes; a larger one gets 413. */
  maxBodyBytes: number;
  /** How long a POST's Idempotency-Key and its answer are kept. */
  idempotencyKeyHours: number;
}

/**
 * HOLDFAST_TRUST_PROXY in the forms Express's `trust proxy` takes, but never `true`: trusting every
 * hop would let any caller choose its own address with X-Forwarded-For and escape the failure limit.
 * Checked with proxy-addr, the parser Express itself gives it to, so a bad value stops the start.
 */
const trustProxySchema = z
  .string()
  .trim()
  .optional()
  .transform((value, context): number | string | false => {
    if (!value || value === 'false') return false;
    if (/^\d+$/.test(value)) return Number(value);
    if (value === 'true') {
      context.addIssue({ code: 'custom', message: 'true would believe any X-Forwarded-For a caller sends: name the proxies (loopback, uniquelocal, 10.0.0.0/8, ...) or how many hops they are (1)' });
      return z.NEVER;
    }
    try {
      compileTrust(value.split(/\s*,\s*/));
    } catch (error) {
      context.addIssue({ code: 'custom', message: `${(error as Error).message}: give addresses or subnets (10.0.0.0/8), loopback, linklocal or uniquelocal, separated by commas, or a hop count` });
      return z.NEVER;
    }
    return value;
  });

const authEnvironmentSchema = z.object({
  HOLDFAST_BOOTSTRAP_KEY: z
    .string()
    .min(32, 'the bootstrap key must be at least 32 characters (generate one: openssl rand -base64 32)')
    // A bearer token ends at the first space, so such a key could never be sent: every use of it would be refused.
    .regex(/^\S+$/, 'the bootstrap key must not contain spaces or line breaks, which no Authorization header can carry (a secret file read with its final newline?)')
    .optional()
    .register(unquotedVariables, { instead: 'a secret, not shown' }),
  HOLDFAST_BOOTSTRAP_TEAM: TeamSchema.default('platform'),
  HOLDFAST_RATE_LIMIT_PER_MINUTE: decimalVariable({ whole: true, min: 0 }).default(1_200),
  HOLDFAST_AUTH_FAILURES_PER_MINUTE: decimalVariable({ whole: true, min: 0 }).default(60),
  HOLDFAST_TRUST_PROXY: trustProxySchema,
  HOLDFAST_MAX_BODY_BYTES: decimalVariable({ whole: true, unit: 'bytes', min: 1_024, max: 64 * 1024 * 1024 }).default(1024 * 1024),
  HOLDFAST_IDEMPOTENCY_KEY_HOURS: decimalVariable({ unit: 'hours', min: 0.01, max: 24 * 30 }).default(24),
});

/** A service's whole configuration: the shared part and its own `settings`. */
export type ServiceConfig<Settings = Record<never, never>> = SharedServiceConfig & { settings: Settings };

/** The variables every service reads, PORT defaulting to `defaultPort`. */
export const sharedEnvironmentShape = (defaultPort: number) => ({
  ...serviceEnvironmentSchema(defaultPort).shape,
  ...databaseEnvironmentSchema.shape,
  ...kafkaEnvironmentSchema.shape,
  ...outboxEnvironmentSchema.shape,
  ...ledgerEnvironmentSchema.shape,
  ...authEnvironmentSchema.shape,
});

/** Every variable a service reads: the shared ones and its own `extra`. */
export const serviceVariableNames = (extra?: z.ZodRawShape): string[] => [...Object.keys(sharedEnvironmentShape(0)), ...Object.keys(extra ?? {})];

/**
 * Parses a service's environment once at boot: the shared variables (README.md, Configuration)
 * plus the service's own `extra` ones, returned parsed as `own`, with the `checks` between those
 * made on the ones that read well: every problem is said in one refusal.
 */
export function serviceConfigFromEnvironment<Own extends z.ZodRawShape = Record<never, never>>(
  { service, schema, defaultPort }: ServiceIdentity,
  environment: NodeJS.ProcessEnv,
  extra?: Own,
  checks: readonly CheckBetweenVariables<z.infer<z.ZodObject<Own>>>[] = [],
): SharedServiceConfig & { own: z.infer<z.ZodObject<Own>> } {
  const variables = z.object({ ...sharedEnvironmentShape(defaultPort), ...(extra ?? {}) }).superRefine(requireSaslCredentials);
  const env = parseEnvironment(service, withChecksBetweenVariables(variables, checks, environment), environment, {
    // Worded as request refusals are ("must be one of info, debug"), not zod's "Invalid option: expected one of ...".
    errorMap: requestErrorMap,
    // Said with the refusals, so one start names every fix; a start that goes on says them itself.
    notes: misspeltVariableNotes(service, environment, serviceVariableNames(extra)),
  });
  const own = Object.fromEntries(Object.keys(extra ?? {}).map((name) => [name, (env as Record<string, unknown>)[name]]));
  return {
    port: env.PORT,
    listenAddress: env.LISTEN_ADDRESS,
    logLevel: env.LOG_LEVEL,
    database: databaseSettingsFrom(env, schema),
    kafka: kafkaSettingsFrom(env, service),
    outbox: outboxSettingsFrom(env),
    ledger: ledgerSettingsFrom(env),
    limits: {
      requestsPerMinute: env.HOLDFAST_RATE_LIMIT_PER_MINUTE,
      authFailuresPerMinute: env.HOLDFAST_AUTH_FAILURES_PER_MINUTE,
      trustProxy: env.HOLDFAST_TRUST_PROXY,
      maxBodyBytes: env.HOLDFAST_MAX_BODY_BYTES,
      idempotencyKeyHours: env.HOLDFAST_IDEMPOTENCY_KEY_HOURS,
    },
    auth: {
      bootstrap: env.HOLDFAST_BOOTSTRAP_KEY
        ? { keyHash: hashApiKey(env.HOLDFAST_BOOTSTRAP_KEY), keyLength: env.HOLDFAST_BOOTSTRAP_KEY.length, team: env.HOLDFAST_BOOTSTRAP_TEAM }
        : null,
    },
    own: own as z.infer<z.ZodObject<Own>>,
  };
}
