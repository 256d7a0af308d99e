import { SetMetadata } from '@nestjs/common';

/** Metadata key the request guard reads: a route marked public needs no credentials. */
export const PUBLIC_ROUTE = 'holdfast:public-route';

/** Marks a controller or handler as open to anyone: /health and /metrics, which probes and scrapers call without keys. */
export const PublicRoute = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
