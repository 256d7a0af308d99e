import { answersMethod, HttpServices, routesServing, type HttpRoute } from '@holdfast/contracts';
import { withoutStatementValues } from '@holdfast/database';
import { isMiddlewareRoute, REPEATED_FAILURE_LOG_EVERY_MS, RepeatedFailure, withoutKeySecrets, type UnmarkedSecret } from '@holdfast/observability';
import { RegionError } from '@holdfast/regions';
import { TimeError } from '@holdfast/time';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { DomainError } from '../errors/domain.error';
import { type Dependency, dependencyUnavailable, unreachableDependency } from '../errors/unreachable-dependency';
import { ReplayedAnswer } from './idempotency.interceptor';

/**
 * RFC 9457 problem details: the one error shape every Holdfast endpoint answers with, as this filter
 * writes it and the OpenAPI documents show it (ProblemDetails, every error answer's schema).
 */
export const ProblemDetailsSchema = z
  .looseObject({
    type: z.string().meta({ description: 'https://holdfast.dev/problems/ and the code' }),
    title: z.string().meta({ description: "the status's name: Precondition Failed" }),
    status: z.int().meta({ description: 'the HTTP status, as answered' }),
    detail: z.string().meta({ description: 'what was wrong and what to do, for a person' }),
    instance: z.string().meta({ description: 'the path and query asked' }),
    code: z.string().meta({ description: 'the problem, for a program to switch on: precondition-failed, invalid-query, missing-scope' }),
    errors: z
      .array(z.object({ path: z.string(), code: z.string().optional(), message: z.string() }))
      .optional()
      .meta({ description: 'each wrong field: its path (a body field, a query parameter, If-Match) and what is wrong with it' }),
  })
  .meta({
    id: 'ProblemDetails',
    description: 'An RFC 9457 problem document (application/problem+json); a problem may add members of its own, such as currentVersion, retryAfterSeconds or requiredScope',
  });
export type ProblemDetails = z.output<typeof ProblemDetailsSchema>;

const PROBLEM_TYPE_BASE = 'https://holdfast.dev/problems/';

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);
  // A dependency's outage answers every request that needs it 503, and readiness logs the outage
  // itself: a line (with its stack) per answer put 168 errors, 553 KB, in the log of a 27 s outage.
  private readonly unavailable = new Map<Dependency, RepeatedFailure>();

  /**
   * `bootstrapKey`: the bootstrap key, which has no hf_ to find it by in the URL (recognisedBootstrapKey).
   * `service`: the name of the service answering, which a path no route of its serves names.
   */
  constructor(
    private readonly bootstrapKey: UnmarkedSecret | null = null,
    private readonly service: string | null = null,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    if (exception instanceof ReplayedAnswer) return exception.writeTo(response);
    // A key pasted into the path (where its id belongs) is not repeated back, nor into the log.
    const instance = withoutKeySecrets(request.originalUrl ?? request.url, this.bootstrapKey);
    const routed = exception instanceof NotFoundException ? routesOf(request) : undefined;
    const allowed = routed ? allowedMethods(request, routed) : [];
    const problem =
      allowed.length > 0 ? methodNotAllowed(request.method, instance, allowed) : routed?.length === 0 ? noSuchRoute(request, instance, this.service) : toProblem(exception, instance);
    if (allowed.length > 0) response.setHeader('Allow', allowed.join(', '));
    if (problem.code === 'dependency-unavailable') this.logUnavailable(problem.dependency as Dependency, exception, instance);
    else if (problem.status >= 500) this.logger.error({ err: withoutStatementValues(exception), instance: problem.instance }, problem.detail);
    const retryAfter = problem.retryAfterSeconds;
    if (typeof retryAfter === 'number') response.setHeader('Retry-After', String(Math.max(0, Math.ceil(retryAfter))));
    // A route whose caller authenticates otherwise (an alert sender configured for basic auth) names its scheme in authScheme.
    if (problem.status === 401) response.setHeader('WWW-Authenticate', problem.authScheme === 'Basic' ? 'Basic realm="holdfast", charset="UTF-8"' : 'Bearer');
    response.status(problem.status).type('application/problem+json').json(problem);
  }

  /** A 503 for want of `dependency`: at warn, without the stack, once per REPEATED_FAILURE_LOG_EVERY_MS with the count answered since; the rest at debug. */
  private logUnavailable(dependency: Dependency, exception: unknown, instance: string): void {
    const failures = this.unavailable.get(dependency) ?? this.unavailable.set(dependency, new RepeatedFailure()).get(dependency)!;
    const { loud, failures: answers } = failures.failed();
    const fields = { dependency, instance, cause: exception instanceof Error ? exception.message : String(exception) };
    if (loud) {
      this.logger.warn(
        { ...fields, answers },
        `${dependency} did not complete requests, answered 503 dependency-unavailable: ${answers} since the last such line (logged at most every ${REPEATED_FAILURE_LOG_EVERY_MS / 1000} s per dependency; readiness says when it is back)`,
      );
    } else this.logger.debug(fields, `answered 503 dependency-unavailable: ${dependency} did not complete this request`);
  }
}

interface RouteLayer {
  route?: { methods: Record<string, boolean> };
  match(path: string): unknown;
}

/** The app's endpoints that serve this request's path, whatever their method. */
function routesOf(request: Request): RouteLayer[] {
  const stack = (request.app as unknown as { router?: { stack?: RouteLayer[] } }).router?.stack ?? [];
  return stack.filter((layer) => layer.route && !isMiddlewareRoute(layer.route.methods) && layer.match(request.path));
}

/**
 * The methods the path's routes answer, when the request's own method is not one of them: what a
 * 405 names. Empty when the path has a route for the method.
 */
function allowedMethods(request: Request, routes: readonly RouteLayer[]): string[] {
  const methods = new Set<string>();
  for (const layer of routes) {
    for (const [method, on] of Object.entries(layer.route!.methods)) if (on) methods.add(method.toUpperCase());
  }
  // Express answers HEAD wherever it answers GET.
  if (methods.has('GET')) methods.add('HEAD');
  return methods.has(request.method.toUpperCase()) ? [] : [...methods].sort();
}

/**
 * A path no route serves: most often a URL meant for another of the three services (HttpServices names the one
 * whose route it is, in servedBy), or a typo in it.
 */
function noSuchRoute(request: Request, instance: string, service: string | null): ProblemDetails {
  const elsewhere = routesServing(request.path).filter((route) => route.service !== service);
  const route = elsewhere.find((other) => answersMethod(other, request.method)) ?? elsewhere[0];
  const remedy = route ? whereServed(route, request.method) : 'check the URL names the right service (the planner, the analyzer or the notifier); the OpenAPI document at /docs lists its routes';
  return {
    type: PROBLEM_TYPE_BASE + 'no-such-route',
    title: titleOf(404),
    status: 404,
    detail: `No route of ${service ? `the ${service}` : 'this service'} serves ${request.method} ${instance.split('?')[0]}: ${remedy}.`,
    instance,
    code: 'no-such-route',
    ...(route ? { servedBy: route.service } : {}),
  };
}

/** Which service a request is for and how to reach it; with the methods the route takes, when the request's is none of them. */
function whereServed(route: HttpRoute, method: string): string {
  const { port, cliUrlVariable } = HttpServices[route.service];
  const reach = `by default port ${port} under npm start, ${cliUrlVariable} for the CLI`;
  if (answersMethod(route, method)) return `the ${route.service} does (${method} ${route.path}); send it there (${reach})`;
  const methods = route.methods.length > 1 ? `${route.methods.slice(0, -1).join(', ')} or ${route.methods.at(-1)}` : route.methods[0];
  return `the ${route.service} serves ${route.path}, with ${methods} (${reach})`;
}

function methodNotAllowed(method: string, instance: string, allowed: readonly string[]): ProblemDetails {
  return {
    type: PROBLEM_TYPE_BASE + 'method-not-allowed',
    title: titleOf(405),
    status: 405,
    detail: `${method} is not an operation on ${instance.split('?')[0]}: it answers ${allowed.join(', ')} (the OpenAPI document at /docs lists each).`,
    instance,
    code: 'method-not-allowed',
    allowed: [...allowed],
  };
}

export function toProblem(exception: unknown, instance: string): ProblemDetails {
  if (exception instanceof DomainError) {
    return { type: PROBLEM_TYPE_BASE + exception.code, title: titleOf(exception.status), status: exception.status, detail: exception.message, instance, code: exception.code, ...exception.extensions };
  }
  // Time arithmetic or a region lookup reached without atField(): still the caller's input, so 422, never 500.
  if (exception instanceof TimeError || exception instanceof RegionError) {
    return {
      type: PROBLEM_TYPE_BASE + exception.code,
      title: titleOf(422),
      status: 422,
      detail: exception.message,
      instance,
      code: exception.code,
      ...(exception instanceof RegionError && exception.codes.length > 0 ? { regions: exception.codes } : {}),
    };
  }
  const bodyError = bodyParserError(exception);
  if (bodyError) return { type: PROBLEM_TYPE_BASE + bodyError.code, title: titleOf(bodyError.status), status: bodyError.status, detail: bodyError.detail, instance, code: bodyError.code };
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const code = typeof fields.code === 'string' ? fields.code : undefined;
    const detail = typeof body === 'string' ? body : typeof fields.message === 'string' ? fields.message : exception.message;
    // Every problem has a code for a program to switch on; one the exception does not carry is its status's name.
    const named = code ?? slug(HttpStatus[status] ?? 'error');
    return {
      type: PROBLEM_TYPE_BASE + named,
      title: titleOf(status),
      status,
      detail,
      instance,
      code: named,
      ...(Array.isArray(fields.errors) ? { errors: fields.errors } : {}),
    };
  }
  const dependency = unreachableDependency(exception);
  if (dependency) return toProblem(dependencyUnavailable(dependency), instance);
  return {
    type: PROBLEM_TYPE_BASE + 'internal-error',
    title: 'Internal Server Error',
    status: 500,
    detail: 'The service failed to handle this request; it has been logged. Retry later or report it with the instance path and time.',
    instance,
    code: 'internal-error',
  };
}

/** The JSON body parser fails before any handler runs; its errors are the caller's, never a 500. */
function bodyParserError(exception: unknown): { status: number; code: string; detail: string } | undefined {
  const error = exception as { type?: unknown; limit?: number; length?: number; message?: string; status?: unknown; expose?: unknown };
  if (error?.type === 'entity.too.large') {
    // A compressed or chunked body has no length up front: the parser stopped once it passed the limit.
    const size = error.length === undefined ? 'larger than the limit' : `${error.length} bytes`;
    return { status: 413, code: 'body-too-large', detail: `The request body is ${size}; the limit is ${error.limit} bytes (HOLDFAST_MAX_BODY_BYTES). Send smaller batches.` };
  }
  if (error?.type === 'encoding.unsupported' || error?.type === 'charset.unsupported') return { status: 415, code: 'unsupported-encoding', detail: `${error.message}; send UTF-8 JSON.` };
  // The rest the parser marks as the caller's to see (http-errors' expose): a gzip or deflate body that does not
  // inflate, a body shorter than its Content-Length, a request aborted while it was read.
  if (error?.expose === true && typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
    return { status: error.status, code: 'unreadable-body', detail: `The request body could not be read (${error.message}): check that it matches its Content-Encoding and Content-Length, and send it again.` };
  }
  return undefined;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/_/g, '-');
}

function titleOf(status: number): string {
  const name = HttpStatus[status];
  return name ? name.toLowerCase().split('_').map((word) => word[0].toUpperCase() + word.slice(1)).join(' ') : 'Error';
}
