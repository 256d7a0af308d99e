// A client typed by the `paths` that openapi-typescript generates from a service's OpenAPI
// document: a path or method the service does not serve, a missing path parameter or a body of the
// wrong shape fails to compile. Its calls have openapi-fetch's shape (`client.GET(path, { params, body })`),
// so openapi-fetch can replace this file once the workspace has it.

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
  (BodyOf<Operation> extends undefined ? { body?: unknown } : { body: BodyOf<Operation> }) & { headers?: Record<string, string>; signal?: AbortSignal };

export interface ApiAnswer {
  /** The parsed JSON body (a problem document when `response.ok` is false), or undefined when empty. */
  body: unknown;
  response: Response;
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
  /** The Idempotency-Key for each POST, when the caller gives them. */
  nextIdempotencyKey?: () => string;
}

/**
 * A request that got no answer (nothing listening, a name that does not resolve, cut off by its signal):
 * `baseUrl` says where it went, `url` what it asked, `timedOutAfterMs` set when the client's own timeout ended it.
 */
export class NoAnswer extends Error {
  readonly baseUrl: string;
  readonly url: string;
  readonly timedOutAfterMs: number | undefined;

  constructor(baseUrl: string, url: string, cause: unknown, timedOutAfterMs?: number) {
    super(`no answer from ${url}`, { cause });
    this.baseUrl = baseUrl;
    this.url = url;
    this.timedOutAfterMs = timedOutAfterMs;
  }
}

export function createTypedClient<P>(options: ClientOptions): TypedClient<P> {
  const call =
    (method: string) =>
    async (path: string, init: { params?: { path?: Record<string, unknown>; query?: Record<string, unknown> }; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {}) => {
      const url = new URL(options.baseUrl + fillPath(path, init.params?.path ?? {}));
      for (const [name, value] of Object.entries(init.params?.query ?? {})) {
        if (value !== undefined && value !== null) url.searchParams.set(name, Array.isArray(value) ? value.join(',') : String(value));
      }
      const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...init.headers };
      if (options.key) headers.authorization = `Bearer ${options.key}`;
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      if (method === 'POST' && options.nextIdempotencyKey) headers['idempotency-key'] = options.nextIdempotencyKey();
      const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
      const signal = timeout && init.signal ? AbortSignal.any([init.signal, timeout]) : (timeout ?? init.signal);
      try {
        const response = await (options.fetch ?? fetch)(url, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), signal });
        const text = await response.text();
        return { body: text ? parseJson(text) : undefined, response };
      } catch (error) {
        throw new NoAnswer(options.baseUrl, url.href, error, timeout?.aborted && !init.signal?.aborted ? options.timeoutMs : undefined);
      }
    };
  return { GET: call('GET'), POST: call('POST'), PATCH: call('PATCH'), PUT: call('PUT'), DELETE: call('DELETE') } as unknown as TypedClient<P>;
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
