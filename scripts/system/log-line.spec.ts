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
    const byKey = { level: 30, req: { method: 'DELETE', url: '/v1/windows/w-1' }, res: { statusCode: 204 }, caller: { key: 'hf_0123456789abcdef', team: 'network' }, msg: 'request completed' };
    expect(readableLogLine('maintenance-planner', JSON.stringify(byKey))).toBe('[maintenance-planner] info request completed DELETE /v1/windows/w-1 -> 204 by network/hf_0123456789abcdef');
    expect(readableLogLine('maintenance-planner', JSON.stringify({ ...byKey, caller: { key: 'bootstrap', team: null } }))).toBe('[maintenance-planner] info request completed DELETE /v1/windows/w-1 -> 204 by bootstrap');
    // A request still being read has no answer yet: none is made up.
    expect(readableLogLine('impact-analyzer', JSON.stringify({ level: 40, req: { method: 'POST', url: '/v1/alerts/alertmanager' }, msg: 'notification truncated' }))).toBe(
      '[impact-analyzer] warn notification truncated POST /v1/alerts/alertmanager',
    );
    expect(readableLogLine('maintenance-planner', 'plain text from a library')).toBe('[maintenance-planner] plain text from a library');
  });

  it('says why a message, or the first of a batch, was dead-lettered: what to fix before replaying', () => {
    const one = { level: 40, context: 'Messaging', topic: 'traffic.samples.v1', partition: 0, offset: '7', reason: 'contract violation: region "XX" is not a known region', msg: 'message sent to the dead-letter topic' };
    expect(readableLogLine('impact-analyzer', JSON.stringify(one))).toBe('[impact-analyzer] warn Messaging: message sent to the dead-letter topic: contract violation: region "XX" is not a known region');
    const batch = { level: 40, context: 'Messaging', messages: 4, offsets: '8-11', firstReason: 'contract violation: value must be a number', msg: '4 messages sent to the dead-letter topic' };
    expect(readableLogLine('impact-analyzer', JSON.stringify(batch))).toBe('[impact-analyzer] warn Messaging: 4 messages sent to the dead-letter topic (the first: contract violation: value must be a number)');
    expect(readableLogLine('maintenance-planner', '42')).toBe('[maintenance-planner] 42');
  });
});
