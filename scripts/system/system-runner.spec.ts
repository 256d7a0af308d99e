import { HttpServices, type HttpServiceName } from '@holdfast/contracts';
import { describe, expect, it } from 'vitest';
import { CLI_URLS } from './start-banner.mjs';
import { linkEnvironment, SERVICES, servicePorts } from './system-runner.mjs';

describe('npm start: ports and the services told of each other', () => {
  it('runs each service on its *_PORT, else its default', () => {
    expect(servicePorts({})).toEqual({ 'maintenance-planner': 3001, 'impact-analyzer': 3002, notifier: 3003 });
    expect(servicePorts({ MAINTENANCE_PLANNER_PORT: '4121', NOTIFIER_PORT: '4123' })).toEqual({ 'maintenance-planner': 4121, 'impact-analyzer': 3002, notifier: 4123 });
  });

  it("points the notifier's week-page links at the port the planner runs on, unless NOTIFIER_PLANNER_URL is set", () => {
    expect(linkEnvironment(servicePorts({ MAINTENANCE_PLANNER_PORT: '4121' }), {})).toEqual({ NOTIFIER_PLANNER_URL: 'http://127.0.0.1:4121' });
    expect(linkEnvironment(servicePorts({}), {})).toEqual({ NOTIFIER_PLANNER_URL: 'http://127.0.0.1:3001' });
    expect(linkEnvironment(servicePorts({ MAINTENANCE_PLANNER_PORT: '4121' }), { NOTIFIER_PLANNER_URL: 'https://planner.example.org' })).toEqual({});
  });

  it("gives each service the port and CLI variable the contract's route map names it by (HttpServices, which a 404 for another service's route quotes)", () => {
    const services = Object.keys(HttpServices) as HttpServiceName[];
    expect(services.map((service) => ({ service, port: HttpServices[service].port }))).toEqual(SERVICES.map(({ name, port }) => ({ service: name, port })));
    expect(services.map((service) => ({ service, variable: HttpServices[service].cliUrlVariable, url: `http://localhost:${HttpServices[service].port}` }))).toEqual(CLI_URLS);
  });
});
