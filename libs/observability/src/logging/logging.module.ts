import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule, type Params } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface LoggingOptions {
  service: string;
  level: string;
  /** The bootstrap key, recognised wherever a URL carries it, hf_bootstrap_ or not; null when none is configured. */
  bootstrapKey?: UnmarkedSecret | null;
}

const CENSOR = '[redacted]';

/** Request and response headers never written to a log. */
export const SECRET_HEADERS = ['authorization', 'cookie', 'x-api-key', 'x-holdfast-signature', 'set-cookie'];

/** Paths never written to a log, whatever a handler logs. */
export const REDACTED_PATHS = ['*.secret', '*.password', '*.apiKey'];

/** Probes and scrapes: they arrive every few seconds and say nothing of the API, so neither the request log nor the request metrics count them. */
export const PROBE_PATHS: ReadonlySet<string> = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/**
 * Masks the secret headers of a serialized request or response (a fresh object per log call, so
 * the live headers stay untouched). Done here rather than as redact paths: pino redacts paths by
 * cloning the bindings of every request's child logger, which cost about 3% of a gate answer's CPU.
 */
function withSecretHeadersMasked<T extends { headers?: Record<string, unknown> }>(serialized: T): T {
  const { headers } = serialized;
  if (!headers || !SECRET_HEADERS.some((name) => name in headers)) return serialized;
  const masked: Record<string, unknown> = { ...headers };
  for (const name of SECRET_HEADERS) if (name in masked) masked[name] = CENSOR;
  serialized.headers = masked;
  return serialized;
}

// A key's secret after its id: hf_<16 hex>_<43 base64url characters>, or the admin key's hf_bootstrap_<secret>.
const KEY_SECRET_IN_TEXT = /(hf_(?:[0-9a-f]{16}|bootstrap))_[A-Za-z0-9_-]+/g;

/**
 * A secret with no mark to find it by: the bootstrap key, which HOLDFAST_BOOTSTRAP_KEY may set to
 * any text of 32 or more characters. Known by its length and a test of a candidate (a hash
 * compared), so the process holds no more of it than its hash.
 */
export interface UnmarkedSecret {
  length: number;
  matches(candidate: string): boolean;
}

// What a secret pasted into a URL stands between: the text's ends, what separates a URL's parts, or a word ("Bearer <key>").
const SECRET_SEPARATORS = new Set(['/', '?', '&', '=', '#', ';', ',', ':', ' ', '+']);
const ASCII_ESCAPE = /^%[0-7][0-9a-f]$/i;
// A URL of separators alone ("////...") would have a hash taken at each: a few microseconds each, paid on every request logged.
const MOST_CANDIDATES = 64;

/**
 * The text with each occurrence of `secret` cut to [redacted], as written or percent-encoded (a
 * client encodes the "/", "+" and "=" of a base64 key). Only a run of its length standing between
 * separators is tested, a hash each (the first MOST_CANDIDATES), so an ordinary path segment of
 * any length is left as it is.
 */
function withoutUnmarkedSecret(text: string, secret: UnmarkedSecret): string {
  if (text.length < secret.length) return text;
  const { read, at } = readOf(text);
  let cut = '';
  let kept = 0;
  let tested = 0;
  for (let start = 0; start + secret.length <= read.length && tested < MOST_CANDIDATES; start++) {
    const end = start + secret.length;
    if ((start > 0 && !SECRET_SEPARATORS.has(read[start - 1])) || (end < read.length && !SECRET_SEPARATORS.has(read[end]))) continue;
    tested++;
    if (!secret.matches(read.slice(start, end))) continue;
    cut += text.slice(at(kept), at(start)) + CENSOR;
    kept = end;
    start = end - 1;
  }
  return kept === 0 ? text : cut + text.slice(at(kept));
}

/** The text as read, its ASCII escapes decoded, and where the character read at an index began in the text as written. */
function readOf(text: string): { read: string; at: (index: number) => number } {
  if (!text.includes('%')) return { read: text, at: (index) => index };
  let read = '';
  const starts: number[] = [];
  for (let index = 0; index < text.length; ) {
    starts.push(index);
    if (text[index] === '%' && ASCII_ESCAPE.test(text.slice(index, index + 3))) {
      read += String.fromCharCode(parseInt(text.slice(index + 1, index + 3), 16));
      index += 3;
    } else read += text[index++];
  }
  starts.push(text.length);
  return { read, at: (index) => starts[index] };
}

/**
 * Text (a URL, most often) with every API key in it cut to its id, and the bootstrap key, when
 * given, cut whole: what a log line or an answer may repeat of a key pasted where an id belongs.
 */
export function withoutKeySecrets(text: string, bootstrapKey?: UnmarkedSecret | null): string {
  const marked = text.includes('hf_') ? text.replace(KEY_SECRET_IN_TEXT, `$1_${CENSOR}`) : text;
  return bootstrapKey ? withoutUnmarkedSecret(marked, bootstrapKey) : marked;
}

/**
 * A serialized request with its secret headers masked, and any API key pasted into its URL (a whole
 * key given where its id belongs) cut to its id, so the request log never holds a secret.
 */
function requestMasked<T extends { headers?: Record<string, unknown>; url?: string }>(serialized: T, bootstrapKey: UnmarkedSecret | null): T {
  const masked = withSecretHeadersMasked(serialized);
  if (masked.url !== undefined) masked.url = withoutKeySecrets(masked.url, bootstrapKey);
  return masked;
}

// What a log line and a response header can carry as they are: a few visible ASCII characters.
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/**
 * The request's id: the caller's own x-request-id when usable, else a new one, answered in the
 * x-request-id header either way so a caller can quote it. Given once (assignRequestId, before
 * the body parser, whose refusals never reach the request logger) and kept on the request.
 */
export function requestIdOf(req: IncomingMessage & { id?: unknown }, res: ServerResponse): string {
  if (typeof req.id === 'string') return req.id;
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', id);
  req.id = id;
  return id;
}

/** Express middleware giving each request its id first thing, so even an answer the body parser gives carries it. */
export function assignRequestId(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  requestIdOf(req, res);
  next();
}

/** What the request guard leaves on a request it authenticated (service-kit's Principal, as far as a log needs it). */
interface Authenticated {
  principal?: { kind: string; id: string; team: string | null };
}

/**
 * Who made the request, for its "request completed" line: the key and its team, so an operator can
 * tell whose calls flood or fail. Undefined before the guard ran (the line's start binding) and for
 * public routes; the key's id is what the audit trail and `holdfast keys` show, never its secret.
 */
function callerOf(req: IncomingMessage & Authenticated): { caller: { key: string; team: string | null } } | undefined {
  const principal = req.principal;
  if (!principal || principal.kind === 'anonymous') return undefined;
  return { caller: { key: principal.kind === 'api-key' && principal.id !== 'bootstrap' ? `hf_${principal.id}` : principal.id, team: principal.team } };
}

/** The per-request logging every service has (pino-http through nestjs-pino). */
export function loggingParams({ service, level, bootstrapKey = null }: LoggingOptions): Params {
  return {
    pinoHttp: {
      level,
      base: { service },
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      // pino-http applies these to pino's standard request and response serializers' output.
      serializers: { req: (req: { headers?: Record<string, unknown>; url?: string }) => requestMasked(req, bootstrapKey), res: withSecretHeadersMasked },
      genReqId: requestIdOf,
      // pino-http skips a falsy result (public routes get no child logger for it); its type only says object.
      customProps: callerOf as (req: IncomingMessage) => object,
      autoLogging: { ignore: (req) => PROBE_PATHS.has((req.url ?? '').split('?')[0]) },
    },
  };
}

@Module({})
export class LoggingModule {
  static forRoot(options: LoggingOptions): DynamicModule {
    return { module: LoggingModule, imports: [LoggerModule.forRoot(loggingParams(options))] };
  }
}
