import { applyDecorators, SetMetadata } from '@nestjs/common';
import { DECORATORS } from '@nestjs/swagger';

/** Metadata key the request guard reads: a route marked public needs no credentials. */
export const PUBLIC_ROUTE = 'holdfast:public-route';

/**
 * Marks a controller or handler as open to anyone (/health and /metrics, which probes and scrapers
 * call without keys; webhooks that bring their own credential). Its OpenAPI operations say they
 * need no API key (`security: [{}]`, the empty requirement, in place of the document's bearer one;
 * the swagger module drops an empty list on a method).
 */
export const PublicRoute = (): MethodDecorator & ClassDecorator => applyDecorators(SetMetadata(PUBLIC_ROUTE, true), SetMetadata(DECORATORS.API_SECURITY, [{}]));
