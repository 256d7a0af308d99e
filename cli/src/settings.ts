import { CliError, ExitCode } from './cli-io';
import { durationMs } from './duration';

/** Where the three services answer and the key to send, from flags first, then the environment. */
export interface Connection {
  urls: ServiceUrls;
  key: string | undefined;
  /** How long one call may wait for its answer before it is given up, naming the URL. */
  requestTimeoutMs: number;
  /** The key the command's Idempotency-Keys are made from (`commandKey`), so a command run again is answered, not done, again. */
  idempotencyKey: string | undefined;
  /** How many more times a call its service could not take is sent, where sending it again cannot do it twice. */
  retries: number;
}

export interface ServiceUrls {
  'maintenance-planner': string;
  'impact-analyzer': string;
  notifier: string;
}

export const DEFAULT_URLS: ServiceUrls = {
  'maintenance-planner': 'http://localhost:3001',
  'impact-analyzer': 'http://localhost:3002',
  notifier: 'http://localhost:3003',
};

type Environment = Record<string, string | undefined>;
type Flags = { plannerUrl?: string; analyzerUrl?: string; notifierUrl?: string; key?: string; requestTimeout?: string; idempotencyKey?: string; retries?: string };

// A service answers in milliseconds; one that takes the connection and never answers must not hang a CI job until its own timeout.
export const DEFAULT_REQUEST_TIMEOUT = '30s';
// A call a service answers slowly by design (a replay of a large backlog): long enough for it, short of hanging a job for good.
export const SLOW_REQUEST_TIMEOUT = '10m';

const trimmed = (url: string) => url.replace(/\/+$/, '');

/** Each service's flag, its variable, and the flag's name in `Flags`. */
export const SERVICE_SETTINGS = [
  ['maintenance-planner', 'planner-url', 'HOLDFAST_PLANNER_URL', 'plannerUrl'],
  ['impact-analyzer', 'analyzer-url', 'HOLDFAST_ANALYZER_URL', 'analyzerUrl'],
  ['notifier', 'notifier-url', 'HOLDFAST_NOTIFIER_URL', 'notifierUrl'],
] as const;

/**
 * A service's base URL, checked here: a URL fetch cannot use would otherwise read as a service that
 * cannot be reached, which `gate --wait` waits out to its timeout. A password in it is never echoed.
 */
function serviceUrl(service: keyof ServiceUrls, given: string | undefined, source: string): string {
  if (given === undefined) return DEFAULT_URLS[service];
  let url: URL | undefined;
  try {
    url = new URL(given);
  } catch {
    url = undefined;
  }
  if (url && (url.username || url.password)) throw new CliError(`${source} holds a user name or password, which Holdfast does not take: give the key with --key or HOLDFAST_KEY`, ExitCode.usage);
  if (!url || !['http:', 'https:'].includes(url.protocol)) throw new CliError(`${source} ${given} is not an http(s) URL such as ${DEFAULT_URLS[service]}`, ExitCode.usage);
  return trimmed(given);
}

export function serviceUrls(env: Environment, flags: Flags = {}): ServiceUrls {
  const urls = {} as ServiceUrls;
  for (const [service, flag, variable, name] of SERVICE_SETTINGS) {
    const fromFlag = flags[name];
    // An empty variable (a CI variable not set) is as good as none.
    urls[service] = serviceUrl(service, fromFlag ?? (env[variable] || undefined), fromFlag === undefined ? variable : `--${flag}`);
  }
  return urls;
}

/**
 * The key, without the line break a file read into a variable leaves at its end (fetch drops it too).
 * A character a header cannot carry would make fetch refuse the request quoting the whole header, key and all.
 */
function apiKey(flags: Flags, env: Environment): string | undefined {
  const key = (flags.key ?? env.HOLDFAST_KEY)?.trim();
  const unsendable = key?.search(/[^\x20-\x7e]/) ?? -1;
  if (unsendable >= 0) throw new CliError(`the key from ${flags.key === undefined ? 'HOLDFAST_KEY' : '--key'} holds a character an HTTP header cannot carry (at position ${unsendable + 1}): copy the key again`, ExitCode.usage);
  return key;
}

function requestTimeoutMs(flags: Flags, env: Environment, commandDefault: string): number {
  const given = flags.requestTimeout ?? (env.HOLDFAST_REQUEST_TIMEOUT || undefined) ?? commandDefault;
  const ms = durationMs(given);
  if (ms === undefined || ms < 1000) {
    throw new CliError(`${flags.requestTimeout === undefined ? 'HOLDFAST_REQUEST_TIMEOUT' : '--request-timeout'} ${given} is not a duration of at least 1s: write 30s, 2m or a whole number of seconds`, ExitCode.usage);
  }
  return ms;
}

// As the services take it (255 at most), less room for what the CLI adds: the command's name and digest, and "/n" on its later POSTs.
const IDEMPOTENCY_KEY_FORMAT = /^[\x21-\x7e]{1,200}$/;

function idempotencyKey(flags: Flags, env: Environment): string | undefined {
  const key = flags.idempotencyKey ?? (env.HOLDFAST_IDEMPOTENCY_KEY || undefined);
  if (key !== undefined && !IDEMPOTENCY_KEY_FORMAT.test(key)) {
    throw new CliError(`${flags.idempotencyKey === undefined ? 'HOLDFAST_IDEMPOTENCY_KEY' : '--idempotency-key'} must be 1-200 visible ASCII characters, no spaces (a UUID, or a name such as deploy-4711-hold)`, ExitCode.usage);
  }
  return key;
}

// Two retries wait out a service restarting or a 503's Retry-After of 5 s without holding a CI job long.
export const DEFAULT_RETRIES = 2;
const MAX_RETRIES = 10;

function retries(flags: Flags, env: Environment): number {
  const given = flags.retries ?? (env.HOLDFAST_RETRIES || undefined);
  if (given === undefined) return DEFAULT_RETRIES;
  if (!/^\d+$/.test(given) || Number(given) > MAX_RETRIES) {
    throw new CliError(`${flags.retries === undefined ? 'HOLDFAST_RETRIES' : '--retries'} ${given} is not a whole number from 0 to ${MAX_RETRIES}`, ExitCode.usage);
  }
  return Number(given);
}

/** `defaultRequestTimeout`: the command's own, when its service answers it slowly by design. */
export function connection(env: Environment, flags: Flags, defaultRequestTimeout = DEFAULT_REQUEST_TIMEOUT): Connection {
  return { urls: serviceUrls(env, flags), key: apiKey(flags, env), requestTimeoutMs: requestTimeoutMs(flags, env, defaultRequestTimeout), idempotencyKey: idempotencyKey(flags, env), retries: retries(flags, env) };
}
