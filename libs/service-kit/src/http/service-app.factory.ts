import { assignRequestId, httpRequestMetrics, MetricsRegistry, timeZoneRules, type UnmarkedSecret } from '@holdfast/observability';
import { type DynamicModule, type INestApplication, Logger as NestLogger, type Type } from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { bootQuietLogger } from './boot-quiet.logger';
import { IDEMPOTENCY_KEY_FORMAT, REPLAYED_HEADER } from './idempotency.interceptor';
import { describeEntityTags } from './entity-tag.interceptor';
import { stopGracefullyOnSignals } from './graceful-stop';
import { StorableTextPipe } from './storable-text.pipe';
import { ProblemDetailsFilter } from './problem-details.filter';
import { describeProblems } from './problem-openapi';
import { nullableAsOpenApi31, OPENAPI_VERSION } from './openapi-3-1';
import { shareNamedSchemas } from './shared-schemas';
import { malformedQueryEncoding } from './query-encoding';
import { DomainError } from '../errors/domain.error';
import { collectStartUpGarbage } from '../foundation/start-up-garbage';
import { INVALID_UTF8, invalidUtf8, refuseInvalidUtf8 } from './utf8-body';

export interface ServiceDescription {
  name: string;
  description: string;
}

export interface HttpSettings {
  /** HOLDFAST_MAX_BODY_BYTES: every route's, but those a module gives a RouteBodyLimit. */
  maxBodyBytes: number;
  /** Express's `trust proxy` (HOLDFAST_TRUST_PROXY): whose X-Forwarded-For gives `request.ip`. */
  trustProxy: number | string | false;
  /** The bootstrap key, cut from a problem's instance (recognisedBootstrapKey). */
  bootstrapKey: UnmarkedSecret | null;
}

/**
 * A POST route whose senders post more than HOLDFAST_MAX_BODY_BYTES at once and cannot send less (an
 * alert webhook: Alertmanager posts a receiver a whole group, and retries no 4xx): its own body limit,
 * and the variable that sets it, which its 413 names. A module provides its routes' limits as an
 * array under ROUTE_BODY_LIMITS; the route reads its body with readRouteBody once it knows who sent it.
 */
export interface RouteBodyLimit {
  /** The route's path as its controller declares it: /v1/alerts/alertmanager. */
  path: string;
  maxBytes: number;
  variable: string;
  /** What a sender whose body is larger can do, said in the 413 after the limit. */
  remedy: string;
}

export const ROUTE_BODY_LIMITS = Symbol('ROUTE_BODY_LIMITS');

/** A body left unread for its route (RouteBodyLimit): reads it when called. */
const unreadBodies = new WeakMap<Request, () => Promise<unknown>>();

/**
 * The body of a request, read now when its route has its own limit (a larger body of a caller the
 * route has not checked yet is never buffered); as the app's body parser read it otherwise.
 */
export function readRouteBody(request: Request): Promise<unknown> {
  const read = unreadBodies.get(request);
  unreadBodies.delete(request);
  return read ? read() : Promise.resolve(request.body);
}

/**
 * Builds a service's HTTP application with the face every Holdfast service shows: pino logs,
 * RFC 9457 errors, a bounded JSON body, OpenAPI generated from the code at /docs (JSON at
 * /docs-json) with bearer-key auth. A process stops it with stopGracefullyOnSignals, tests with close().
 */
export async function createServiceApp(rootModule: DynamicModule, service: ServiceDescription, http: HttpSettings): Promise<INestApplication> {
  // A provider that fails to build (HOLDFAST_CUSTOM_REGIONS naming a bad region) rejects here, so runService says it in one
  // line; Nest's default logs it with a stack and exits on its own.
  const app = await NestFactory.create<NestExpressApplication>(rootModule, { bufferLogs: true, bodyParser: false, abortOnError: false });
  app.useLogger(bootQuietLogger(app.get(Logger)));
  // First, so a request the body parser refuses has its id and is timed and counted too.
  app.use(assignRequestId);
  // Every answer is the type it says: a browser must not read a problem document or a feed as a script or a page.
  app.use((_request: Request, response: Response, next: () => void) => {
    response.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use(httpRequestMetrics(app.get(MetricsRegistry)));
  // Express reads a malformed escape (?team=%ZZ) literally, a filter then matching nothing: refused here, for every route at once.
  app.use((request: Request, _response: unknown, next: (error?: unknown) => void) => next(malformedQueryEncoding(request.originalUrl)));
  // Each on a route of its own, before the app's parser, so that a refusal there is counted under the route, not as unrouted.
  for (const limit of routeBodyLimits(app)) (app.getHttpAdapter().getInstance() as Express).post(limit.path, leaveBodyUnread(limit));
  app.useBodyParser('json', {
    limit: http.maxBodyBytes,
    type: (request: Request) => !unreadBodies.has(request) && typeof request.is(JSON_TYPES) === 'string',
    verify: refuseInvalidUtf8,
  });
  app.use((error: BodyParseError | undefined, _request: unknown, _response: unknown, next: (error?: unknown) => void) => next(namedParseError(error)));
  // A body the parser does not read (curl -d sends a form type) was answered as if there were none.
  // An empty one (content-length: 0, as fetch sends a bodiless POST) is a request without a body, told so by the route.
  app.use((request: Request, _response: unknown, next: (error?: unknown) => void) =>
    next(request.headers['content-length'] !== '0' && request.is(JSON_TYPES) === false ? unsupportedMediaType(request.headers['content-type']) : undefined),
  );
  // Nothing tells a caller which framework answers.
  app.disable('x-powered-by');
  // Express tagged every answer with a weak hash of its body: a 201, a 202 and a problem document too, where no
  // condition can name it, and a resource's read with a tag no If-Match could match. A resource's routes send its
  // version (EntityTagInterceptor); the rest send none.
  app.set('etag', false);
  app.set('trust proxy', http.trustProxy);
  app.useGlobalFilters(new ProblemDetailsFilter(http.bootstrapKey, service.name));
  app.useGlobalPipes(new StorableTextPipe());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setOpenAPIVersion(OPENAPI_VERSION)
      .setTitle(`Holdfast ${service.name}`)
      .setDescription(service.description)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'hf_<id>_<secret>', description: 'An API key: hf_<id>_<secret>, or the bootstrap key' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  describeIdempotencyKey(document);
  describeEntityTags(document, controllersOf(app));
  describeProblems(document);
  SwaggerModule.setup('docs', app, nullableAsOpenApi31(shareNamedSchemas(document)));
  return app;
}

/** The bodies every route reads: JSON, as application/json or a +json type (application/cloudevents+json). */
const JSON_TYPES = ['application/json', 'application/*+json'];

/** A request whose body is in a type no route reads: 415, naming the type sent and the one to send. */
export function unsupportedMediaType(contentType: string | undefined): DomainError {
  const sent = contentType ? `sent as ${contentType.split(';')[0].trim()}` : 'sent without a content type';
  return new DomainError('unsupported-media-type', 415, `The request body is ${sent}, which this API does not read: send JSON with content-type: application/json.`);
}

interface BodyParseError {
  type?: string;
  message?: string;
  body?: string;
  length?: number;
}

/** Nest turns the parser's SyntaxError into a bare BadRequestException (and a refused verify into a 403): named while they still say what they are. */
function namedParseError<E extends BodyParseError | undefined>(error: E): E | DomainError {
  return error?.type === 'entity.parse.failed' ? invalidJson(error) : error?.type === INVALID_UTF8 ? invalidUtf8() : error;
}

/** The limits the service's modules give their routes (ROUTE_BODY_LIMITS). */
function routeBodyLimits(app: INestApplication): RouteBodyLimit[] {
  return [...app.get(ModulesContainer).values()].flatMap((module) => (module.providers.get(ROUTE_BODY_LIMITS)?.instance as RouteBodyLimit[] | undefined) ?? []);
}

/** The controllers of the service's modules, whose routes the OpenAPI document describes. */
function controllersOf(app: INestApplication): Type[] {
  return [...app.get(ModulesContainer).values()].flatMap((module) => [...module.controllers.values()].flatMap(({ metatype }) => (metatype ? [metatype as Type] : [])));
}

/** Marks the route's requests for readRouteBody, which parses them as the app's parser would, within the route's own limit. */
function leaveBodyUnread(limit: RouteBodyLimit): RequestHandler {
  const parse = json({ limit: limit.maxBytes, type: JSON_TYPES, verify: refuseInvalidUtf8 });
  const read = (request: Request, response: Response) =>
    new Promise<unknown>((resolve, reject) => parse(request, response, (error?: BodyParseError) => (error ? reject(routeParseError(error, limit)) : resolve(request.body))));
  return (request: Request, response: Response, next: NextFunction) => {
    unreadBodies.set(request, () => read(request, response));
    next();
  };
}

/** A body over the route's own limit, with the variable that sets it (the app's parser names HOLDFAST_MAX_BODY_BYTES). */
function routeParseError(error: BodyParseError, limit: RouteBodyLimit): unknown {
  if (error.type !== 'entity.too.large') return namedParseError(error);
  // A compressed or chunked body has no length up front: the parser stopped once it passed the limit.
  const size = error.length === undefined ? 'larger than the limit' : `${error.length} bytes`;
  return new DomainError('body-too-large', 413, `The request body is ${size}; the limit is ${limit.maxBytes} bytes (${limit.variable}). ${limit.remedy}`);
}

/**
 * The parser's refusal of a body, said as the caller can act on it. It reads objects and arrays only (strict), and refuses
 * `null`, `"text"` or `42`, which are JSON: "not valid JSON" would send the caller looking for a syntax error there is not.
 */
export function invalidJson(error: BodyParseError): DomainError {
  const text = (error.body ?? '').trim();
  if (text !== '' && !text.startsWith('{') && !text.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(text);
      return new DomainError('invalid-body', 400, `The request body must be a JSON object; it is ${value === null ? 'null' : `a ${typeof value}`}.`, { errors: [{ path: '(body)', message: 'must be an object' }] });
    } catch {
      // Not JSON at all: said as the parser says it.
    }
  }
  return new DomainError('invalid-json', 400, `The request body is not valid JSON: ${error.message}.`);
}

/** The Idempotency-Key header (IdempotencyInterceptor) on every POST that takes an API key; the open ones (alert webhooks) ignore it. */
function describeIdempotencyKey(document: OpenAPIObject): void {
  for (const path of Object.values(document.paths)) {
    const post = path.post;
    if (!post || post.security?.every((requirement) => Object.keys(requirement).length === 0)) continue;
    post.parameters = [
      ...(post.parameters ?? []),
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', pattern: IDEMPOTENCY_KEY_FORMAT.source },
        description: `A key of the caller's choosing (a UUID): the same request sent again with it within HOLDFAST_IDEMPOTENCY_KEY_HOURS gets the first answer (${REPLAYED_HEADER}: true) and is not handled again; 422 idempotency-key-reused for another request, 409 idempotency-key-in-flight while the first is handled`,
      },
    ];
  }
}

/** The whole of a service's main: configuration read at boot, the app built and listening, and a failure said plainly. */
export function runService(name: string, start: () => Promise<{ app: INestApplication; port: number; address: string }>): void {
  // Every instant is handled in UTC; a host zone must never leak into a date computed here.
  process.env.TZ = 'UTC';
  const run = async () => {
    const { app, port, address } = await start();
    await app.listen(port, address);
    stopGracefullyOnSignals(app, name);
    const logger = new NestLogger(name);
    const heap = collectStartUpGarbage();
    const { tzdata } = timeZoneRules();
    logger.log({ port, address, tzdata, msg: `listening on port ${port} of ${address}; local times by the IANA time zone database ${tzdata}` });
    logger.debug({ ...heap, msg: `start-up garbage collected in ${Math.round(heap.durationMs)} ms: heap ${megabytes(heap.heapBeforeBytes)} -> ${megabytes(heap.heapAfterBytes)} MB` });
  };
  run().catch((error: Error) => {
    process.stderr.write(`${name} failed to start: ${error.message}\n`);
    process.exit(1);
  });
}

const megabytes = (bytes: number) => (bytes / 1_048_576).toFixed(1);
