/** The services that answer HTTP, by the name each runs under. */
export type HttpServiceName = 'maintenance-planner' | 'impact-analyzer' | 'notifier';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface HttpService {
  /** Where `npm start` serves it unless its *_PORT says otherwise (its default port). */
  port: number;
  /** The variable that points the CLI at it. */
  cliUrlVariable: string;
  /** Each path as its OpenAPI document writes it ({id} for a parameter), with the methods it answers there. */
  routes: { readonly [path: string]: readonly HttpMethod[] };
}

const EVERY_SERVICE = {
  '/health': ['GET'],
  '/health/live': ['GET'],
  '/health/ready': ['GET'],
  '/v1/dead-letters': ['GET'],
  '/v1/dead-letters/replay': ['POST'],
} as const;

/**
 * The public HTTP API (DESIGN.md section 6), once: which service serves which path, so a service asked for
 * another's route can name the one that serves it. A spec holds it to the OpenAPI documents the CLI keeps
 * (cli/openapi/*.json, which e2e/cli checks against the running services).
 */
export const HttpServices: { readonly [S in HttpServiceName]: HttpService } = {
  'maintenance-planner': {
    port: 3001,
    cliUrlVariable: 'HOLDFAST_PLANNER_URL',
    routes: {
      ...EVERY_SERVICE,
      '/v1/audit': ['GET'],
      '/v1/calendars/regions/{region}.ics': ['GET'],
      '/v1/calendars/teams/{team}.ics': ['GET'],
      '/v1/gate': ['GET'],
      '/v1/holds': ['GET', 'POST'],
      '/v1/holds/{id}': ['GET'],
      '/v1/holds/{id}/release': ['POST'],
      '/v1/keys': ['GET', 'POST'],
      '/v1/keys/{keyId}': ['GET'],
      '/v1/keys/{keyId}/revoke': ['POST'],
      '/v1/occurrences': ['GET'],
      '/v1/regions': ['GET'],
      '/v1/windows': ['GET', 'POST'],
      '/v1/windows/{id}': ['GET', 'PATCH', 'DELETE'],
      '/v1/windows/{id}/cancel': ['POST'],
      '/v1/windows/{id}/explanation': ['GET'],
      '/v1/windows/{id}/occurrences': ['GET'],
      '/v1/windows/{id}/occurrences/{n}/complete': ['POST'],
      '/v1/windows/{id}/occurrences/{n}/start': ['POST'],
      '/v1/windows/{id}/override': ['POST'],
      '/v1/windows/{id}/suggestions': ['GET'],
    },
  },
  'impact-analyzer': {
    port: 3002,
    cliUrlVariable: 'HOLDFAST_ANALYZER_URL',
    routes: {
      ...EVERY_SERVICE,
      '/v1/alerts/alertmanager': ['POST'],
      '/v1/alerts/grafana': ['POST'],
      '/v1/declarations': ['GET', 'POST'],
      '/v1/declarations/{id}': ['GET', 'DELETE'],
      '/v1/regions/{region}/baseline': ['GET'],
      '/v1/regions/{region}/series/{metric}': ['DELETE'],
      '/v1/samples': ['POST'],
      '/v1/surges': ['GET'],
      '/v1/surges/{id}': ['GET'],
      '/v1/surges/{id}/clear': ['POST'],
    },
  },
  notifier: {
    port: 3003,
    cliUrlVariable: 'HOLDFAST_NOTIFIER_URL',
    routes: {
      ...EVERY_SERVICE,
      '/v1/deliveries': ['GET'],
      '/v1/deliveries/replay': ['POST'],
      '/v1/deliveries/{id}': ['GET'],
      '/v1/deliveries/{id}/replay': ['POST'],
      '/v1/subscriptions': ['GET', 'POST'],
      '/v1/subscriptions/{id}': ['GET', 'PATCH', 'DELETE'],
      '/v1/subscriptions/{id}/secret/rotate': ['POST'],
      '/v1/subscriptions/{id}/test': ['POST'],
    },
  },
};

/** A route of the public API: the service that serves it, its path as documented, and its methods. */
export interface HttpRoute {
  service: HttpServiceName;
  path: string;
  methods: readonly HttpMethod[];
}

// Matched as the services' router (Express's defaults) matches: a parameter is one non-empty segment, letters
// in either case, and one trailing slash allowed. Built once: every unrouted request is looked up here.
const MATCHERS = (Object.entries(HttpServices) as [HttpServiceName, HttpService][]).flatMap(([service, { routes }]) =>
  Object.entries(routes).map(([path, methods]) => ({ route: { service, path, methods } satisfies HttpRoute, pattern: pathPattern(path) })),
);

function pathPattern(path: string): RegExp {
  const source = path
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}/?$`, 'i');
}

/** The routes of every service that serve `path` (a request's path, without its query), whatever their methods. */
export function routesServing(path: string): HttpRoute[] {
  return MATCHERS.filter(({ pattern }) => pattern.test(path)).map(({ route }) => route);
}

/** Whether `route` answers `method`: HEAD wherever it answers GET, as Express does. */
export function answersMethod(route: HttpRoute, method: string): boolean {
  const asked = method.toUpperCase();
  return route.methods.some((served) => served === asked || (served === 'GET' && asked === 'HEAD'));
}
