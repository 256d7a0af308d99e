import { expectEventually, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzerService } from '../src/app.module';
import { recordEvents } from './support/analyzer-harness';
import { startAlertmanager, startExporter, startPrometheus, type RunningProcess, type TestExporter } from './support/monitoring-stack';

const TOKEN = 'chain-token-0123456789abcdef';
const RULES = `groups:
  - name: regional-traffic
    rules:
      - alert: RegionalTrafficHigh
        expr: edge_requests_per_second > 1000
        labels:
          severity: critical
        annotations:
          summary: 'Requests in {{ $labels.region }} at {{ $value }}/s'
`;

describe('impact-analyzer: the real chain, Prometheus rule -> Alertmanager -> analyzer -> surge on Kafka', () => {
  let exporter: TestExporter;
  let alertmanager: RunningProcess;
  let prometheus: RunningProcess;
  let service: ServiceUnderTest;
  let surges: Awaited<ReturnType<typeof recordEvents>>;

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, { environment: { ALERT_SENDERS: JSON.stringify({ alertmanager: { bearer: TOKEN } }) } });
    surges = await recordEvents(service);
    exporter = await startExporter('edge_requests_per_second');
    exporter.set({ region: 'IR' }, 300);
    alertmanager = await startAlertmanager({ webhookUrl: `${service.baseUrl}/v1/alerts/alertmanager`, bearer: TOKEN });
    prometheus = await startPrometheus({ exporterPort: exporter.port, rules: RULES, alertmanagerUrl: alertmanager.url });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await exporter?.close();
    await surges?.stop();
    await service?.close();
  });

  it('a regional alert firing starts a surge with source alert, and resolving it clears the surge', async () => {
    exporter.set({ region: 'IR' }, 4_200);
    await expectEventually(() => expect(surges.events().map((event) => event.type)).toEqual(['surge.started']), { timeoutMs: 45_000, intervalMs: 250, message: 'the alert reached the analyzer' });
    const [started] = surges.events();
    expect(started.key).toBe('IR');
    expect(started.data).toMatchObject({ region: 'IR', source: 'alert', severity: 'critical', reason: expect.stringContaining('RegionalTrafficHigh') });

    exporter.set({ region: 'IR' }, 200);
    await expectEventually(() => expect(surges.events().map((event) => event.type)).toEqual(['surge.started', 'surge.cleared']), { timeoutMs: 45_000, intervalMs: 250, message: 'the resolution reached the analyzer' });
    expect(surges.events()[1].data.surgeId).toBe(started.data.surgeId);
  });
});
