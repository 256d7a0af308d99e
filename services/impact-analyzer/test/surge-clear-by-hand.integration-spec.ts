import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzerService } from '../src/app.module';
import { postSamples, recordEvents } from './support/analyzer-harness';

const AM_TOKEN = 'am-clear-by-hand-token-0123456789';

interface SurgeView {
  id: string;
  region: string;
  source: string;
  status: string;
  reason: string;
  startedAt: string;
  clearedAt: string | null;
  clearedReason: string | null;
}

/** An Alertmanager notification of one alert of `region`, fired at `startsAt`. */
function notification(status: 'firing' | 'resolved', region: string, startsAt: string, summary: string) {
  const labels = { alertname: 'EdgeTrafficHigh', region };
  return {
    version: '4',
    groupKey: '{}:{alertname="EdgeTrafficHigh"}',
    truncatedAlerts: 0,
    status,
    receiver: 'holdfast',
    groupLabels: { alertname: 'EdgeTrafficHigh' },
    commonLabels: labels,
    commonAnnotations: { summary },
    externalURL: 'http://alertmanager.example:9093',
    alerts: [{ status, labels, annotations: { summary }, startsAt, endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus.example:9090/graph', fingerprint: `fp-${region}` }],
  };
}

describe('impact-analyzer: a surge cleared by hand (POST /v1/surges/{id}/clear), against the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  const clock = new ManualClock('2026-06-14T22:00:00Z');

  const alert = async (status: 'firing' | 'resolved', region: string, startsAt: string, summary = `Requests in ${region} at 4x`) => {
    const response = await service.fetch('/v1/alerts/alertmanager', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${AM_TOKEN}` },
      body: JSON.stringify(notification(status, region, startsAt, summary)),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { alerts: { action: string; surgeId: string | null }[] }).alerts[0];
  };
  const clear = (id: string, body: unknown) => service.fetch(`/v1/surges/${id}/clear`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const eventsIn = (region: string) => surges.events().filter((event) => event.data.region === region);
  const surgesIn = async (region: string) => ((await (await service.fetch(`/v1/surges?region=${region}`)).json()) as { items: SurgeView[] }).items;

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, {
      clock,
      environment: {
        ALERT_SENDERS: JSON.stringify({ alertmanager: { bearer: AM_TOKEN } }),
        ANALYZER_JOB_INTERVAL_MS: '600000',
        // JP surges on an absolute ceiling while it warms up: a detector surge from the first samples.
        ANALYZER_DETECTION: JSON.stringify({ regions: { JP: { warmupCeiling: 1_000 } } }),
      },
    });
    surges = await recordEvents(service);
  });

  afterAll(async () => {
    await surges?.stop();
    await service?.close();
  });

  it("ends an alert's surge whose resolved never came, on Kafka with who cleared it and why; that firing sent again starts nothing, the alert firing again later a new surge", async () => {
    clock.set('2026-06-14T22:00:00Z');
    const started = await alert('firing', 'IR', '2026-06-14T21:00:00Z');
    expect(started.action).toBe('started');

    const cleared = await clear(started.surgeId!, { reason: 'Alertmanager lost the resolved notification (INC-4711)' });
    expect(cleared.status).toBe(200);
    const view = (await cleared.json()) as SurgeView;
    expect(view).toMatchObject({
      id: started.surgeId,
      status: 'cleared',
      clearedAt: '2026-06-14T22:00:00.000Z',
      clearedReason: 'Cleared by hand by platform/bootstrap: Alertmanager lost the resolved notification (INC-4711)',
      reason: 'EdgeTrafficHigh firing in alertmanager: Requests in IR at 4x',
    });
    expect(await (await service.fetch(`/v1/surges/${started.surgeId}`)).json()).toEqual(view);
    await expectEventually(() => expect(eventsIn('IR').map((event) => event.type)).toEqual(['surge.started', 'surge.cleared']));
    const [, event] = eventsIn('IR');
    expect(event.key).toBe('IR');
    expect(event.data).toEqual({
      surgeId: started.surgeId,
      region: 'IR',
      startedAt: '2026-06-14T21:00:00.000Z',
      clearedAt: '2026-06-14T22:00:00.000Z',
      reason: 'Cleared by hand by platform/bootstrap: Alertmanager lost the resolved notification (INC-4711)',
    });

    // The firing the operator ended, re-sent at repeat_interval with its annotations changed: not news of a surge.
    expect(await alert('firing', 'IR', '2026-06-14T21:00:00Z', 'Requests in IR at 5x')).toEqual(expect.objectContaining({ action: 'already-resolved', surgeId: null }));
    // Its real resolved, arriving after all, has nothing left to clear.
    expect(await alert('resolved', 'IR', '2026-06-14T21:00:00Z')).toEqual(expect.objectContaining({ action: 'nothing-active' }));

    // The alert firing again later: Alertmanager gives it a later startsAt, and it starts a new surge.
    clock.set('2026-06-14T22:40:00Z');
    const again = await alert('firing', 'IR', '2026-06-14T22:35:00Z', 'Requests in IR at 6x');
    expect(again.action).toBe('started');
    expect(again.surgeId).not.toBe(started.surgeId);
    await expectEventually(() => expect(eventsIn('IR').map((event) => `${event.type} ${event.data.surgeId === again.surgeId ? 'new' : 'first'}`)).toEqual(['surge.started first', 'surge.cleared first', 'surge.started new']));
    expect((await surgesIn('IR')).map((surge) => [surge.id, surge.status])).toEqual([
      [again.surgeId, 'active'],
      [started.surgeId, 'cleared'],
    ]);
  });

  it("continues the surge's correlation chain on its surge.cleared, an alert's or the detector's, whose samples each start their own", async () => {
    clock.set('2026-06-15T03:00:00Z');
    const fired = await alert('firing', 'TZ', '2026-06-15T02:30:00Z');
    const intake = await postSamples(service, [
      { region: 'JP', value: 400, at: '2026-06-15T02:50:00Z' },
      { region: 'JP', value: 1_500, at: '2026-06-15T02:55:00Z' },
    ]);
    expect(intake.status).toBe(202);
    const { eventIds } = (await intake.json()) as { eventIds: string[] };
    await expectEventually(async () => expect(await surgesIn('JP')).toEqual([expect.objectContaining({ source: 'detector', status: 'active' })]));
    const [detected] = await surgesIn('JP');

    for (const surgeId of [fired.surgeId!, detected.id]) expect((await clear(surgeId, { reason: 'stale after the incident review (INC-4712)' })).status).toBe(200);
    await expectEventually(() => expect([...eventsIn('TZ'), ...eventsIn('JP')].map((event) => `${event.type} ${event.data.region}`)).toEqual(['surge.started TZ', 'surge.cleared TZ', 'surge.started JP', 'surge.cleared JP']));
    const chains = [...eventsIn('TZ'), ...eventsIn('JP')].map((event) => event.headers.ce_correlationid);
    // The alert's chain is its fingerprint's; the detector's, the sample that started it (sent with no chain, it began its own).
    expect(chains).toEqual(['alertmanager:fp-TZ', 'alertmanager:fp-TZ', eventIds[1], eventIds[1]]);
  });

  it('answers 404 naming an unknown id, and 409 naming when for a surge already cleared, changing nothing', async () => {
    const missing = await clear('0190a6b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b', { reason: 'stale alert' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'surge-not-found', detail: 'No surge 0190a6b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b: GET /v1/surges lists them.' });

    clock.set('2026-06-15T01:00:00Z');
    const started = await alert('firing', 'KE', '2026-06-15T00:30:00Z');
    expect(await alert('resolved', 'KE', '2026-06-15T00:30:00Z')).toEqual(expect.objectContaining({ action: 'cleared' }));
    const again = await clear(started.surgeId!, { reason: 'stale alert' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({
      code: 'surge-cleared',
      clearedAt: '2026-06-15T01:00:00.000Z',
      detail: `Surge ${started.surgeId} was already cleared at 2026-06-15T01:00:00.000Z (EdgeTrafficHigh resolved in alertmanager (it gave no endsAt: cleared when the notification was received)): there is nothing to clear.`,
    });
    await expectEventually(() => expect(eventsIn('KE').map((event) => event.type)).toEqual(['surge.started', 'surge.cleared']));
  });

  it("refuses a declaration's surge with 409 naming the declaration's cancellation, and leaves it active", async () => {
    const declared = await service.fetch('/v1/declarations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ regions: ['GH'], from: '2026-06-14T21:00:00Z', until: '2026-06-15T06:00:00Z', reason: 'Election in GH' }),
    });
    expect(declared.status).toBe(201);
    const { id: declarationId } = (await declared.json()) as { id: string };
    const [surge] = await surgesIn('GH');
    expect(surge).toMatchObject({ source: 'declaration', status: 'active' });
    const refused = await clear(surge.id, { reason: 'the election is over' });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: 'surge-of-declaration',
      declarationId,
      detail: expect.stringContaining(`cancel the declaration (DELETE /v1/declarations/${declarationId})`),
    });
    expect(await surgesIn('GH')).toEqual([expect.objectContaining({ id: surge.id, status: 'active', clearedReason: null })]);
  });

  it('refuses a reason missing, empty, only white space or longer than 2,000 characters, and an id that is no UUID', async () => {
    const { surgeId } = await alert('firing', 'NG', '2026-06-14T21:00:00Z');
    for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 'x'.repeat(2_001) }, { reason: 'stale', also: true }]) {
      const refused = await clear(surgeId!, body);
      expect(refused.status, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(await refused.json()).toMatchObject({ code: 'invalid-body' });
    }
    expect((await clear('not-a-uuid', { reason: 'stale' })).status).toBe(400);
    expect(await surgesIn('NG')).toEqual([expect.objectContaining({ id: surgeId, status: 'active' })]);
  });
});
