import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzerService } from '../src/app.module';
import { recordEvents } from './support/analyzer-harness';

const AM_TOKEN = 'am-size-token-0123456789abcdef';
const MIB = 1024 * 1024;

/**
 * One group's notification as Alertmanager posts it with max_alerts: 0 (no limit): every alert of
 * the group, each as rules usually label and annotate it (about 850 bytes).
 */
function surgeNotification(region: string, count: number) {
  const alerts = Array.from({ length: count }, (_, index) => ({
    status: 'firing',
    labels: { alertname: 'EdgeErrorRateHigh', region, severity: 'critical', job: 'edge-proxy', instance: `edge-${index}.${region.toLowerCase()}.example.net:9100`, cluster: `${region.toLowerCase()}-edge-1` },
    annotations: {
      summary: `Edge proxy edge-${index} in ${region} answers 5xx to 42% of requests`,
      description: `The edge proxy edge-${index}.${region.toLowerCase()}.example.net has answered more than 5% of its requests with a 5xx for 5 minutes; its upstream pool is saturated and clients retry, which doubles the load on its neighbours.`,
      runbook_url: 'https://runbooks.example.net/edge/error-rate-high#saturated-upstream-pool',
    },
    startsAt: '2026-06-14T21:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: `http://prometheus.example.net:9090/graph?g0.expr=sum+by+%28instance%29+%28rate%28edge_responses_total%7Bcode%3D~%225..%22%2Cinstance%3D%22edge-${index}%22%7D%5B5m%5D%29%29`,
    fingerprint: `${region.toLowerCase()}${index.toString(16).padStart(14, '0')}`,
  }));
  return {
    version: '4',
    groupKey: `{}:{alertname="EdgeErrorRateHigh", region="${region}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'holdfast',
    groupLabels: { alertname: 'EdgeErrorRateHigh', region },
    commonLabels: { alertname: 'EdgeErrorRateHigh', region, severity: 'critical', job: 'edge-proxy' },
    commonAnnotations: { runbook_url: 'https://runbooks.example.net/edge/error-rate-high#saturated-upstream-pool' },
    externalURL: 'http://alertmanager.example.net:9093',
    alerts,
  };
}

describe("impact-analyzer: an alert sender's whole group in one notification (ALERT_MAX_BODY_BYTES)", () => {
  let service: ServiceUnderTest;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  const clock = new ManualClock('2026-06-14T21:05:00Z');

  const post = (path: string, body: string, authorization = `Bearer ${AM_TOKEN}`) =>
    service.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
  const requestsCounted = async (route: string, status: number) => {
    const metrics = await (await service.fetch('/metrics')).text();
    const line = metrics.split('\n').find((text) => text.startsWith('holdfast_http_request_duration_seconds_count{') && text.includes(`route="${route}"`) && text.includes(`status="${status}"`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, { clock, environment: { ALERT_SENDERS: JSON.stringify({ alertmanager: { bearer: AM_TOKEN } }) } });
    surges = await recordEvents(service);
  });

  afterAll(async () => {
    await surges?.stop();
    await service?.close();
  });

  it('takes a 2,000-alert notification of one alertname and region (1.7 MB, above HOLDFAST_MAX_BODY_BYTES) and starts its surges', async () => {
    const body = JSON.stringify(surgeNotification('KE', 2_000));
    expect(Buffer.byteLength(body)).toBeGreaterThan(1_690_000);
    const began = performance.now();
    const response = await post('/v1/alerts/alertmanager', body);
    const tookMs = performance.now() - began;
    process.stdout.write(`2,000-alert notification (${Buffer.byteLength(body)} bytes) answered ${response.status} in ${Math.round(tookMs)} ms\n`);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { received: number; alerts: { action: string; region: string }[] };
    expect(answer.received).toBe(2_000);
    expect(answer.alerts.filter(({ action, region }) => action === 'started' && region === 'KE')).toHaveLength(2_000);
    await expectEventually(() => expect(surges.events().filter((event) => event.type === 'surge.started' && event.data.region === 'KE')).toHaveLength(2_000), { timeoutMs: 30_000 });

    // Sent again (its repeat interval, a retry), every alert is a duplicate and nothing more starts.
    const again = (await (await post('/v1/alerts/alertmanager', body)).json()) as { alerts: { action: string }[] };
    expect(new Set(again.alerts.map(({ action }) => action))).toEqual(new Set(['duplicate']));

    // The group resolving clears every surge it started.
    const resolved = surgeNotification('KE', 2_000);
    for (const alert of resolved.alerts) Object.assign(alert, { status: 'resolved', endsAt: '2026-06-14T21:04:00Z' });
    const clearing = performance.now();
    const cleared = await post('/v1/alerts/alertmanager', JSON.stringify({ ...resolved, status: 'resolved' }));
    process.stdout.write(`its resolved notification answered ${cleared.status} in ${Math.round(performance.now() - clearing)} ms\n`);
    expect(new Set(((await cleared.json()) as { alerts: { action: string }[] }).alerts.map(({ action }) => action))).toEqual(new Set(['cleared']));
    await expectEventually(() => expect(surges.events().filter((event) => event.type === 'surge.cleared' && event.data.region === 'KE')).toHaveLength(2_000), { timeoutMs: 30_000 });
  });

  it('refuses a notification over ALERT_MAX_BODY_BYTES (16 MiB) with a 413 naming it, counted under its route; other routes keep HOLDFAST_MAX_BODY_BYTES', async () => {
    const tooLarge = JSON.stringify(surgeNotification('UG', 21_000));
    expect(Buffer.byteLength(tooLarge)).toBeGreaterThan(16 * MIB);
    const countedBefore = await requestsCounted('/v1/alerts/alertmanager', 413);
    const response = await post('/v1/alerts/alertmanager', tooLarge);
    expect(response.status).toBe(413);
    const problem = (await response.json()) as { code: string; detail: string };
    expect(problem.code).toBe('body-too-large');
    expect(problem.detail).toContain(`the limit is ${16 * MIB} bytes (ALERT_MAX_BODY_BYTES)`);
    expect(await requestsCounted('/v1/alerts/alertmanager', 413)).toBe(countedBefore + 1);
    expect(surges.events().filter((event) => event.data.region === 'UG')).toEqual([]);

    const samples = await service.fetch('/v1/samples', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ samples: [], padding: 'x'.repeat(1.5 * MIB) }) });
    expect(samples.status).toBe(413);
    expect(((await samples.json()) as { detail: string }).detail).toContain(`the limit is ${MIB} bytes (HOLDFAST_MAX_BODY_BYTES)`);
  });

  it("reads no notification's body before its sender's credential is checked: a stranger's is never buffered, however large", async () => {
    const response = await post('/v1/alerts/alertmanager', JSON.stringify(surgeNotification('TZ', 21_000)), 'Bearer not-the-alertmanager-token');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'invalid-sender-credential' });
  });
});
