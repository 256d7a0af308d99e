import { describe, expect, it } from 'vitest';
import { readableLogLine } from './log-line.mjs';

describe('a service log line as npm start prints it', () => {
  it('shows level, context and message, the request answered, and the error behind a warning', () => {
    const warning = { level: 40, context: 'PrometheusPollerService', err: { type: 'TypeError', message: 'fetch failed: connect ECONNREFUSED 127.0.0.1:9090', stack: 'TypeError: fetch failed\n    at …' }, msg: 'Prometheus query failed; the next poll tries again' };
    expect(readableLogLine('impact-analyzer', JSON.stringify(warning))).toBe(
      '[impact-analyzer] warn PrometheusPollerService: Prometheus query failed; the next poll tries again (fetch failed: connect ECONNREFUSED 127.0.0.1:9090)',
    );
    expect(readableLogLine('notifier', JSON.stringify({ level: 30, req: { method: 'GET', url: '/v1/deliveries' }, res: { statusCode: 200 }, msg: 'request completed' }))).toBe(
      '[notifier] info request completed GET /v1/deliveries -> 200',
    );
    expect(readableLogLine('maintenance-planner', 'plain text from a library')).toBe('[maintenance-planner] plain text from a library');
    expect(readableLogLine('maintenance-planner', '42')).toBe('[maintenance-planner] 42');
  });
});
