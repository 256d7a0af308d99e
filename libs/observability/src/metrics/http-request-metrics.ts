import type { NextFunction, Request, Response } from 'express';
import { METHODS } from 'node:http';
import { PROBE_PATHS } from '../logging/logging.module';
import type { MetricsRegistry } from './metrics.registry';


/**
 * Nest registers a module's middleware for all routes (nestjs-pino's request logger, on every
 * service) as a route on `/{*path}` taking every method there is, or as an `all()` route: it
 * matches every path and method, so it never says which endpoint served a request.
 */
export function isMiddlewareRoute(methods: Record<string, boolean>): boolean {
  return methods._all === true || METHODS.every((method) => methods[method.toLowerCase()]);
}

/**
 * Express middleware timing every API request into `holdfast_http_request_duration_seconds`, by
 * method, route and status. The route is the template that served it (`/v1/windows/:id`), never
 * the path asked for, so ids and typos cannot grow the series without bound; a request no route
 * took (a path nothing serves, a body refused before routing) counts under `unrouted`, and one left
 * unanswered (its caller gone, its connection cut) under status `aborted`.
 */
export function httpRequestMetrics(metrics: MetricsRegistry) {
  const duration = metrics.histogram(
    'holdfast_http_request_duration_seconds',
    'API requests by method, route template and status, from arrival to the answer written',
    ['method', 'route', 'status'],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );
  return (request: Request, response: Response, next: NextFunction): void => {
    if (PROBE_PATHS.has(request.path)) return next();
    const end = duration.startTimer();
    // 'close', not 'finish': a request whose caller left, or whose connection a stop cut, counts too.
    response.once('close', () => {
      const route = request.route as { path?: unknown; methods: Record<string, boolean> } | undefined;
      const served = route && typeof route.path === 'string' && !isMiddlewareRoute(route.methods) ? `${request.baseUrl}${route.path}` : 'unrouted';
      end({ method: request.method, route: served, status: response.writableFinished ? String(response.statusCode) : 'aborted' });
    });
    next();
  };
}
