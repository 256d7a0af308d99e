import type { OpenAPIObject } from '@nestjs/swagger';
import type { OperationObject, ParameterObject, ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { zodAnswerSchema } from './zod-openapi';
import { ProblemDetailsSchema } from './problem-details.filter';

const PROBLEM = { $ref: '#/components/schemas/ProblemDetails' };
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

/**
 * The error answers every operation can give, in the document: the problem-details schema (as
 * ProblemDetailsFilter writes it) under every 4xx and 5xx, and the statuses the shared layer gives
 * each route: 400 where it takes parameters or a body, 401/403/429 where it takes a key, 404 where
 * its path names something, 412 where it honours If-Match, 413/415 where it reads a body. A route's
 * own description of a status is kept; only its schema is added.
 */
export function describeProblems(document: OpenAPIObject): void {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ProblemDetails: zodAnswerSchema(ProblemDetailsSchema) as never } };
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
  const statuses: [number, string, boolean][] = [
    [400, INVALID_REQUEST, parameters.some((parameter) => parameter.in === 'query' || parameter.in === 'path') || operation.requestBody !== undefined],
    [401, UNAUTHENTICATED, authenticated],
    [403, FORBIDDEN, authenticated],
    [404, NOT_FOUND, path.includes('{')],
    [412, PRECONDITION_FAILED, parameters.some((parameter) => parameter.in === 'header' && parameter.name.toLowerCase() === 'if-match')],
    [413, TOO_LARGE, operation.requestBody !== undefined],
    [415, UNSUPPORTED_MEDIA_TYPE, operation.requestBody !== undefined],
    [429, RATE_LIMITED, authenticated],
  ];
  const responses = operation.responses;
  for (const [status, description, given] of statuses) if (given && !responses[status]) responses[status] = { description };
  for (const [status, response] of Object.entries(responses)) {
    const answer = response as ResponseObject;
    if (Number(status) >= 400 && !answer.content) answer.content = { 'application/problem+json': { schema: PROBLEM } };
  }
}
