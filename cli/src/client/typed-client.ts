// A client typed by the `paths` that openapi-typescript generates from a service's OpenAPI
// document: a path or method the service does not serve, a missing path parameter or a body of the
// wrong shape fails to compile. Its calls have openapi-fetch's shape (`client.GET(path, { params, body })`),
// so openapi-fetch can replace this file once the workspace has it.

import { retryAfterMs } from '../duration';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The paths of `P` that serve `M`. */
export type PathsWith<P, M extends Method> = {
  [K in keyof P]: P[K] extends Record<M, infer Operation> ? ([NonNullable<Operation>] extends [never] ? never : K) : never;
}[keyof P];

type OperationOf<P, K extends keyof P, M extends Method> = P[K] extends Record<M, infer Operation> ? NonNullable<Operation> : never;

type PartOf<T, Key extends string> = T extends { [P in Key]?: infer Part } ? ([NonNullable<Part>] extends [never] ? undefined : unknown extends Part ? undefined : NonNullable<Part>) : undefined;

// Query parameters are all optional in a call: NestJS documents `@Query('status') status?: string`
// as required. A query the document does not describe (`@Query() raw`) is passed as it is.
type QueryOf<Operation> = PartOf<PartOf<Operation, 'parameters'>, 'query'> extends infer Query ? (Query extends undefined ? Record<string, unknown> : Partial<Query>) : never;

type ParamsOf<Operation> = {
  path: PartOf<PartOf<Operation, 'parameters'>, 'path'>;
  query?: QueryOf<Operation>;
};

type BodyOf<Operation> = PartOf<PartOf<PartOf<Operation, 'requestBody'>, 'content'>, 'application/json'>;

type Init<Operation> = (PartOf<PartOf<Operation, 'parameters'>, 'path'> extends undefined ? { params?: { query?: ParamsOf<Operation>['query'] } } : { params: ParamsOf<Operation> }) &
  // A body the document does not describe (the operation declares none) is passed as it is.
  (BodyOf<Operation> extends undefined ? { body?: unknown } : { body: BodyOf<Operation> }) &
  CallOptions;

interface CallOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** A POST sent under the key of the command's last POST rather than its next: the same request, to the URL an earlier run used that key for. */
  underLastKey?: boolean;
}

export interface ApiAnswer {
  /** The parsed JSON body (a problem document when `response.ok` is false), or undefined when empty. */
  body: unknown;
  response: Response;
  /** An earlier attempt of this call was cut off after it went out: it may have done what this answer refuses (a 404, a 409). */
  afterCutOff?: boolean;
  /** The service asked (`reach` names it), so a refusal can name the setting that points at it. */
  service?: string;
}

export interface TypedClient<P> {
  GET<K extends PathsWith<P, 'get'>>(path: K, ...init: OptionalWhenEmpty<Init<OperationOf<P, K, 'get'>>>): Promise<ApiAnswer>;
  POST<K extends PathsWith<P, 'post'>>(path: K, ...init: OptionalWhenEmpty<Init<OperationOf<P, K, 'post'>>>): Promise<ApiAnswer>;
  PATCH<K extends PathsWith<P, 'patch'>>(path: K, ...init: OptionalWhenEmpty<Init<OperationOf<P, K, 'patch'>>>): Promise<ApiAnswer>;
  PUT<K extends PathsWith<P, 'put'>>(path: K, ...init: OptionalWhenEmpty<Init<OperationOf<P, K, 'put'>>>): Promise<ApiAnswer>;
  DELETE<K extends PathsWith<P, 'delete'>>(path: K, ...init: OptionalWhenEmpty<Init<OperationOf<P, K, 'delete'>>>): Promise<ApiAnswer>;
}

type OptionalWhenEmpty<T> = object extends T ? [init?: T] : [init: T];

export interface ClientOptions {
  baseUrl: string;
  key?: string;
  fetch?: typeof fetch;
  /** How long one call may take, its answer read; a call's own signal may end it sooner. */
  timeoutMs?: number;
  /** The Idempotency-Keys of a run's POSTs: a POST without one is never sent again. */
  idempotencyKeys?: IdempotencyKeys;
  /** Sends a call again when its service could not take it and sending it again is safe. */
  retry?: RetryPolicy;
}

export interface IdempotencyKeys {
  /** The key a person gives to run the command again: its n-th POST gets the same key again. */
  run: string;
  next(): string;
  /** The key of the command's last POST: that request sent again, to the URL its key was used for by an earlier run. */
  last(): string;
}

export interface RetryPolicy {
  /** How many more times a call may be sent; 0 sends each once. */
  retries: number;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Told before each pause, so a person sees why the command waits. */
  onRetry(notice: RetryNotice): void;
}

export interface RetryNotice {
  method: string;
  url: string;
  /** The answer that is sent again, or undefined when none came (`cause` says why). */
  answer?: ApiAnswer;
  cause?: unknown;
  pauseMs: number;
  /** This retry's number, from 1, and how many there may be. */
  retry: number;
  retries: number;
}

/** Answers that say the service could not take the call now: a proxy's 502 or 504, the service's 503, a rate limit. */
const NOT_TAKEN_NOW = [429, 502, 503, 504];
/** The pause before the n-th retry when the answer names none: 1 s, then 2 s, 4 s... */
const FIRST_PAUSE_MS = 1000;
/** Failures after the request went out: the connection closed before the answer came. */
export const CUT_OFF = ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'];
/** Failures to reach a service that may pass: it restarting, a connection it dropped, a name server slow to answer. */
const PASSING_FAILURES = [...CUT_OFF, 'ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];
/** A Retry-After longer than this is not waited for: the answer is the command's to report. */
export const LONGEST_RETRY_PAUSE_MS = 30_000;

/**
 * A request that got no answer (nothing listening, a name that does not resolve, cut off by its signal):
 * `baseUrl` says where it went, `url` what it asked, `timedOutAfterMs` set when the client's own timeout ended it.
 */
export class NoAnswer extends Error {
  readonly baseUrl: string;
  readonly url: string;
  readonly timedOutAfterMs: number | undefined;
  /** A POST's run key (`IdempotencyKeys.run`): what it did, if anything, is answered to the command run again with it. */
  readonly rerunKey: string | undefined;

  constructor(baseUrl: string, url: string, cause: unknown, timedOutAfterMs?: number, rerunKey?: string) {
    super(`no answer from ${url}`, { cause });
    this.baseUrl = baseUrl;
    this.url = url;
    this.timedOutAfterMs = timedOutAfterMs;
    this.rerunKey = rerunKey;
  }
}

export function createTypedClient<P>(options: ClientOptions): TypedClient<P> {
  const call =
    (method: string) =>
    async (
      path: string,
      init: { params?: { path?: Record<string, unknown>; query?: Record<string, unknown> }; body?: unknown } & CallOptions = {},
    ) => {
      const url = new URL(options.baseUrl + fillPath(path, init.params?.path ?? {}));
      for (const [name, value] of Object.entries(init.params?.query ?? {})) {
        if (value !== undefined && value !== null) url.searchParams.set(name, Array.isArray(value) ? value.join(',') : String(value));
      }
      const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...init.headers };
      if (options.key) headers.authorization = `Bearer ${options.key}`;
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      const keys = method === 'POST' ? options.idempotencyKeys : undefined;
      if (keys) headers['idempotency-key'] = init.underLastKey ? keys.last() : keys.next();
      const body = init.body === undefined ? undefined : JSON.stringify(init.body);
      const send = async (): Promise<ApiAnswer> => {
        const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
        const signal = timeout && init.signal ? AbortSignal.any([init.signal, timeout]) : (timeout ?? init.signal);
        try {
          const response = await (options.fetch ?? fetch)(url, { method, headers, body, signal });
          const text = await response.text();
          return { body: text ? parseJson(text) : undefined, response };
        } catch (error) {
          throw new NoAnswer(options.baseUrl, url.href, error, timeout?.aborted && !init.signal?.aborted ? options.timeoutMs : undefined, keys?.run);
        }
      };
      // Sent again only where that cannot do it twice: the idempotent methods, and a POST under its Idempotency-Key.
      // A call given its own signal runs on its caller's schedule (gate --wait), which repeats it itself.
      const repeatable = (['GET', 'PUT', 'DELETE'].includes(method) || keys !== undefined) && !init.signal;
      const policy = options.retry;
      if (!policy || !repeatable) return send();
      let cutOff = false;
      for (let retry = 1; ; retry += 1) {
        const outcome = await send().then(
          (answer) => ({ answer }),
          (error: unknown) => ({ error }),
        );
        const pauseMs = retry <= policy.retries ? pauseBeforeRetry(outcome, retry, policy.now()) : undefined;
        if (pauseMs === undefined) {
          if ('error' in outcome) throw outcome.error;
          return cutOff ? { ...outcome.answer, afterCutOff: true } : outcome.answer;
        }
        cutOff ||= 'error' in outcome && CUT_OFF.includes(networkErrorCode((outcome.error as NoAnswer).cause) ?? '');
        policy.onRetry({ method, url: url.href, answer: 'answer' in outcome ? outcome.answer : undefined, cause: 'error' in outcome ? (outcome.error as NoAnswer).cause : undefined, pauseMs, retry, retries: policy.retries });
        await policy.sleep(pauseMs);
      }
    };
  return { GET: call('GET'), POST: call('POST'), PATCH: call('PATCH'), PUT: call('PUT'), DELETE: call('DELETE') } as unknown as TypedClient<P>;
}

/**
 * How long to wait before sending a call again, or undefined when it is not sent again: it was
 * answered, its own timeout passed (the time a person gave it is spent), the failure will not pass
 * (a name that does not resolve, a port fetch refuses), or its service asks for longer than
 * LONGEST_RETRY_PAUSE_MS. A repeat that found its first still being handled waits too.
 */
function pauseBeforeRetry(outcome: { answer: ApiAnswer } | { error: unknown }, retry: number, now: number): number | undefined {
  const backoff = FIRST_PAUSE_MS * 2 ** (retry - 1);
  if ('error' in outcome) {
    const failure = outcome.error instanceof NoAnswer && outcome.error.timedOutAfterMs === undefined ? networkErrorCode(outcome.error.cause) : undefined;
    return failure !== undefined && PASSING_FAILURES.includes(failure) ? backoff : undefined;
  }
  const { response, body } = outcome.answer;
  const inFlight = response.status === 409 && (body as { code?: unknown } | undefined)?.code === 'idempotency-key-in-flight';
  if (!NOT_TAKEN_NOW.includes(response.status) && !inFlight) return undefined;
  const asked = retryAfterMs(response.headers.get('retry-after'), now);
  if (asked === undefined) return backoff;
  return asked <= LONGEST_RETRY_PAUSE_MS ? asked : undefined;
}

/** The system's or undici's code for why fetch got no answer (ECONNREFUSED, UND_ERR_SOCKET...), when it gives one. */
export function networkErrorCode(failure: unknown): string | undefined {
  const cause = (failure as { cause?: { code?: string; errors?: { code?: string }[] } } | undefined)?.cause;
  return cause?.code ?? cause?.errors?.[0]?.code;
}

function fillPath(path: string, values: Record<string, unknown>): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`path parameter ${name} is missing for ${path}`);
    return encodeURIComponent(String(value));
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
