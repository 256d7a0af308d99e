import { describe, expect, it } from 'vitest';
import { linkEnvironment, servicePorts } from './system-runner.mjs';

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
});
