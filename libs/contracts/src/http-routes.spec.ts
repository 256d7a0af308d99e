import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answersMethod, HttpServices, routesServing, type HttpServiceName } from './http-routes';

// The copies the CLI keeps of each service's OpenAPI document, generated from its code: e2e/cli checks each
// running service serves exactly its copy, so the map held to the copies is held to the code.
const OPENAPI_COPIES: { [S in HttpServiceName]: string } = { 'maintenance-planner': 'planner', 'impact-analyzer': 'analyzer', notifier: 'notifier' };
const OPERATIONS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** Each path of the service's document, with its methods: `GET,POST /v1/windows`. */
function documented(service: HttpServiceName): string[] {
  const document = JSON.parse(readFileSync(join(__dirname, '../../../cli/openapi', `${OPENAPI_COPIES[service]}.json`), 'utf8')) as { paths: Record<string, object> };
  return Object.entries(document.paths).map(([path, item]) => `${described(Object.keys(item).filter((key) => OPERATIONS.has(key)))} ${path}`);
}

const described = (methods: readonly string[]) => methods.map((method) => method.toUpperCase()).sort().join(',');
const mapped = (service: HttpServiceName) => Object.entries(HttpServices[service].routes).map(([path, methods]) => `${described(methods)} ${path}`);
const services = Object.keys(HttpServices) as HttpServiceName[];

describe('the HTTP route map', () => {
  it.each(services)('names exactly the paths and methods of the %s OpenAPI document (else update HttpServices)', (service) => {
    expect(mapped(service).sort()).toEqual(documented(service).sort());
  });

  it('finds the routes serving a path as the services route it: any case, one trailing slash, a parameter as one segment', () => {
    const serving = (path: string) => routesServing(path).map(({ service, path: template }) => `${service} ${template}`);
    expect(serving('/v1/samples')).toEqual(['impact-analyzer /v1/samples']);
    expect(serving('/V1/Samples/')).toEqual(['impact-analyzer /v1/samples']);
    expect(serving('/v1/windows/0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b/occurrences/3/start')).toEqual(['maintenance-planner /v1/windows/{id}/occurrences/{n}/start']);
    expect(serving('/v1/calendars/regions/IR.ics')).toEqual(['maintenance-planner /v1/calendars/regions/{region}.ics']);
    expect(serving('/v1/regions/IR/baseline')).toEqual(['impact-analyzer /v1/regions/{region}/baseline']);
    expect(serving('/v1/dead-letters')).toEqual(['maintenance-planner /v1/dead-letters', 'impact-analyzer /v1/dead-letters', 'notifier /v1/dead-letters']);
    for (const path of ['/v1/samples//', '/v1/windows//cancel', '/v1/calendars/regions/.ics', '/v1/windows/x/y', '/v1/sample', '/v1/samplesx']) expect(serving(path), path).toEqual([]);
  });

  it('answers HEAD wherever a route answers GET, in either case', () => {
    const [windows] = routesServing('/v1/windows');
    expect(['GET', 'head', 'POST'].map((method) => answersMethod(windows, method))).toEqual([true, true, true]);
    expect(['PATCH', 'DELETE', 'PUT'].map((method) => answersMethod(windows, method))).toEqual([false, false, false]);
    expect(answersMethod(routesServing('/v1/samples')[0], 'HEAD')).toBe(false);
  });

  it('has no path two services both serve with other methods, so no 405 hides the route of another', () => {
    // A path of one service that another's routes match too (its parameters read as segments): both must take the same methods.
    const differing = services.flatMap((service) =>
      Object.entries(HttpServices[service].routes).flatMap(([path, methods]) =>
        routesServing(path)
          .filter((route) => route.service !== service && described(route.methods) !== described(methods))
          .map((route) => `${service} ${described(methods)} ${path}, ${route.service} ${described(route.methods)} ${route.path}`),
      ),
    );
    expect(differing).toEqual([]);
  });
});
