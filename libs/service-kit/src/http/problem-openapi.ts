import { ApiResponse, type OpenAPIObject } from '@nestjs/swagger';
import type { HeadersObject, OperationObject, ParameterObject, ResponseObject, ResponsesObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { z } from 'zod';
import { ANSWER_SHOWN_ONCE_EXTENSION, isKeptAnswer, REPLAYED_HEADER } from './idempotency.interceptor';
import { zodAnswerSchema } from './zod-openapi';
import { ProblemDetailsSchema } from './problem-details.filter';

const PROBLEM = { $ref: '#/components/schemas/ProblemDetails' };
// Named ProblemDetails, so a problem with members of its own (problemSchema) refers to it as every other problem answer does.
const PROBLEM_DETAILS = (zodAnswerSchema(ProblemDetailsSchema) as { $defs: Record<string, object> }).$defs.ProblemDetails;
const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** The Retry-After a problem with retryAfterSeconds carries (ProblemDetailsFilter), as an answer's headers name it: a 423, a 429, a 503. */
export const RETRY_AFTER_HEADER = { 'Retry-After': { description: 'seconds to wait before asking again', schema: { type: 'integer', minimum: 0 } } };
// The 409 of a route taking an Idempotency-Key may be another conflict of its own, which carries none.
const KEY_IN_FLIGHT_RETRY_AFTER = {
  'Retry-After': { description: "with idempotency-key-in-flight: seconds to wait before asking again for the first request's answer", schema: { type: 'integer', minimum: 0 } },
};
const REPLAYED = {
  [REPLAYED_HEADER]: {
    description: 'true: this answer was given before, to the same request sent with the same Idempotency-Key, and is given again; the request was not handled again',
    schema: { type: 'string', enum: ['true'] },
  },
};
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

// The answers the shared HTTP layer gives, whatever the route: each with the codes a client may meet.
const INVALID_REQUEST = 'invalid-query, invalid-path or invalid-body (each wrong field named in errors), invalid-json, missing-body, or a query parameter whose percent-encoding is malformed';
const UNAUTHENTICATED = 'missing-key, malformed-key, unknown-key, wrong-key-secret or revoked-key: send a valid key as "Authorization: Bearer <key>"';
const FORBIDDEN = "missing-scope (the scope the route needs, in requiredScope), or other-team: the resource belongs to another team than the key's";
const RATE_LIMITED =
  'rate-limited (the key sent more than HOLDFAST_RATE_LIMIT_PER_MINUTE requests in a minute) or too-many-failed-authentications (the address sent HOLDFAST_AUTH_FAILURES_PER_MINUTE requests with a missing or refused key in one): retry after Retry-After seconds';
const NOT_FOUND = 'what the path names does not exist (its code names it: window-not-found, subscription-not-found)';
const PRECONDITION_FAILED = 'precondition-failed: If-Match names a version it is no longer at (currentVersion says which it is): GET it again, and send its ETag in If-Match';
const UNSUPPORTED_MEDIA_TYPE = 'unsupported-media-type: the body is not sent as JSON (content-type: application/json)';
const TOO_LARGE = 'body-too-large: the body is larger than HOLDFAST_MAX_BODY_BYTES';
const KEY_IN_FLIGHT = 'idempotency-key-in-flight: a request with the same Idempotency-Key is still being handled; ask again after Retry-After seconds';
const KEY_REUSED = 'idempotency-key-reused: the Idempotency-Key was used for another request (another path or body); send a new key with each new request';
const BESIDE_OWN = new Set([KEY_IN_FLIGHT, KEY_REUSED]);
const DEPENDENCY_UNAVAILABLE = 'dependency-unavailable (dependency names it): PostgreSQL or Kafka did not complete the request; send it again after Retry-After seconds';

/**
 * The error answers every operation can give, in the document: the problem-details schema (as
 * ProblemDetailsFilter writes it) under every 4xx and 5xx, and the statuses the shared layer gives
 * each route: 400 where it takes parameters or a body, 401/403/429 where it takes a key, 404 where
 * its path names something, 409/422 where it takes an Idempotency-Key (IdempotencyInterceptor), 412
 * where it honours If-Match, 413/415 where it reads a body, and 503 everywhere (the problem filter's
 * answer to PostgreSQL or Kafka away). A route's own description of a status is kept, with the
 * Idempotency-Key's refusals and the 409 of a repeat whose answer was shown once (AnswerShownOnce)
 * named beside it; the schema is added, unless the route gives its problem's own (ApiProblemResponse).
 * A route taking an Idempotency-Key has the headers of its replays named too (describeReplays).
 */
export function describeProblems(document: OpenAPIObject): void {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ProblemDetails: PROBLEM_DETAILS } };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) describeOperation(path, operation);
    }
  }
}

function describeOperation(path: string, operation: OperationObject): void {
  const parameters = (operation.parameters ?? []) as ParameterObject[];
  const authenticated = !operation.security?.every((requirement) => Object.keys(requirement).length === 0);
  const idempotent = parameters.some((parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'idempotency-key');
  const statuses: [number, string, boolean][] = [
    [400, INVALID_REQUEST, parameters.some((parameter) => parameter.in === 'query' || parameter.in === 'path') || operation.requestBody !== undefined],
    [401, UNAUTHENTICATED, authenticated],
    [403, FORBIDDEN, authenticated],
    [404, NOT_FOUND, path.includes('{')],
    [409, KEY_IN_FLIGHT, idempotent],
    [412, PRECONDITION_FAILED, parameters.some((parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'if-match')],
    [413, TOO_LARGE, operation.requestBody !== undefined],
    [415, UNSUPPORTED_MEDIA_TYPE, operation.requestBody !== undefined],
    [422, KEY_REUSED, idempotent],
    [429, RATE_LIMITED, authenticated],
    [503, DEPENDENCY_UNAVAILABLE, true],
  ];
  const responses = operation.responses;
  for (const [status, description, given] of statuses) {
    if (!given) continue;
    const own = responses[status] as ResponseObject | undefined;
    if (!own) responses[status] = status === 429 || status === 503 ? { description, headers: RETRY_AFTER_HEADER } : { description };
    // A route's own 409 or 422 is another refusal than the Idempotency-Key's: both are named, so a client knows each code it may meet.
    else if (BESIDE_OWN.has(description) && !own.description.includes(description)) own.description = `${own.description}; or ${description}`;
  }
  describeAnswerShownOnce(operation);
  if (idempotent) describeReplays(responses);
  for (const [status, response] of Object.entries(responses)) {
    const answer = response as ResponseObject;
    if (Number(status) >= 400 && !answer.content) answer.content = { [PROBLEM_MEDIA_TYPE]: { schema: PROBLEM } };
  }
}

/**
 * What the answers of a route taking an Idempotency-Key carry besides their own headers: Idempotent-Replayed on every status
 * IdempotencyInterceptor keeps, and so gives again (isKeptAnswer), and the Retry-After of its 409 idempotency-key-in-flight.
 */
function describeReplays(responses: ResponsesObject): void {
  for (const [status, response] of Object.entries(responses)) {
    const answer = response as ResponseObject;
    const code = Number(status);
    if (code === 409) answer.headers = { ...KEY_IN_FLIGHT_RETRY_AFTER, ...answer.headers };
    // A 413 or 415 is the body parser's, before the route and its interceptors: never kept.
    else if (Number.isInteger(code) && code !== 413 && code !== 415 && isKeptAnswer(code)) answer.headers = { ...answer.headers, ...REPLAYED };
  }
}

/**
 * A problem whose document carries members of its own beside ProblemDetails' (a 423's holds): its schema, named `id` in the
 * OpenAPI document and written as ProblemDetails and those members, so a client generated from it reads them. `members`
 * are the ones every such problem has; like any problem, it may carry more.
 */
export function problemSchema<Members extends z.ZodRawShape>(id: string, members: Members, description: string) {
  return z.intersection(ProblemDetailsSchema, z.looseObject(members)).meta({ id, description });
}

/**
 * A refusal documented with the schema of its problem (problemSchema). `orOtherProblems`: the status also answers problems
 * without those members (a 409 that may be another conflict, or the Idempotency-Key's): either schema, then.
 */
export function ApiProblemResponse(response: { status: number; description: string; problem: z.ZodType; orOtherProblems?: boolean; headers?: HeadersObject }): MethodDecorator {
  const schema = response.orOtherProblems ? z.union([response.problem, ProblemDetailsSchema]) : response.problem;
  return ApiResponse({
    status: response.status,
    description: response.description,
    ...(response.headers ? { headers: response.headers } : {}),
    content: { [PROBLEM_MEDIA_TYPE]: { schema: zodAnswerSchema(schema) } },
  });
}

/** The 409 a repeat gets when its first answer held a secret shown only once: beside the route's own 409s, and the extension dropped. */
function describeAnswerShownOnce(operation: OperationObject): void {
  const marked = operation as OperationObject & { [ANSWER_SHOWN_ONCE_EXTENSION]?: string };
  const recover = marked[ANSWER_SHOWN_ONCE_EXTENSION];
  if (recover === undefined) return;
  delete marked[ANSWER_SHOWN_ONCE_EXTENSION];
  const shownOnce = `answer-shown-once: the request was sent again with the same Idempotency-Key, and its first answer held a secret shown only once: ${recover}`;
  const conflict = operation.responses[409] as ResponseObject | undefined;
  if (conflict?.description.includes(shownOnce)) return;
  operation.responses[409] = { ...conflict, description: conflict ? `${conflict.description}; or ${shownOnce}` : shownOnce };
}
