import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Logger } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { analyzerService } from '../src/app.module';
import { recordEvents } from './support/analyzer-harness';

const AM_TOKEN = 'am-token-0123456789abcdef';
const GRAFANA = { username: 'grafana', password: 'grafana-secret-1' };

function alertmanagerPayload(status: 'firing' | 'resolved', labels: Record<string, string>, annotations: Record<string, string> = {}) {
  return {
    version: '4',
    groupKey: '{}:{alertname="RegionalTrafficHigh"}',
    truncatedAlerts: 0,
    status,
    receiver: 'holdfast',
    groupLabels: { alertname: 'RegionalTrafficHigh' },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: 'http://alertmanager.example:9093',
    alerts: [
      {
        status,
        labels: { alertname: 'RegionalTrafficHigh', ...labels },
        annotations,
        startsAt: '2026-06-14T21:00:00.123456789Z',
        endsAt: status === 'resolved' ? '2026-06-14T23:30:00.5Z' : '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example:9090/graph',
        fingerprint: `fp-${Object.values(labels).join('-')}`,
      },
    ],
  };
}

describe('impact-analyzer: Alertmanager and Grafana webhooks, against the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  // After every time the notifications below carry (their resolveds end at 23:30), as a sender's clock would be.
  const clock = new ManualClock('2026-06-14T23:31:00Z');

  const post = (path: string, body: unknown, authorization?: string) =>
    service.fetch(`/v1/alerts/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: JSON.stringify(body) });
  const bearer = `Bearer ${AM_TOKEN}`;
  const basic = `Basic ${Buffer.from(`${GRAFANA.username}:${GRAFANA.password}`).toString('base64')}`;
  const eventsIn = (region: string) => surges.events().filter((event) => event.data.region === region);

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, {
      clock,
      environment: {
        ALERT_SENDERS: JSON.stringify({ alertmanager: { bearer: AM_TOKEN }, grafana: { basic: GRAFANA } }),
        ALERT_REGION_LABELS: 'region,country',
        HOLDFAST_AUTH_FAILURES_PER_MINUTE: '4',
        // X-Forwarded-For then stands for senders at other addresses.
        HOLDFAST_TRUST_PROXY: 'loopback',
      },
    });
    surges = await recordEvents(service);
  });

  afterAll(async () => {
    await surges?.stop();
    await service?.close();
  });

  afterEach(() => vi.restoreAllMocks());

  it('refuses a sender without its credential, or with the wrong one', async () => {
    expect((await post('alertmanager', alertmanagerPayload('firing', { region: 'IR' }))).status).toBe(401);
    const wrong = await post('alertmanager', alertmanagerPayload('firing', { region: 'IR' }), 'Bearer am-token-0123456789abcdeX');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'invalid-sender-credential' });
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    // Grafana's credential is basic: its challenge says so, for a client that answers challenges (curl --anyauth).
    const grafanaWithBearer = await post('grafana', alertmanagerPayload('firing', { region: 'IR' }), bearer);
    expect(grafanaWithBearer.status).toBe(401);
    expect(grafanaWithBearer.headers.get('www-authenticate')).toBe('Basic realm="holdfast", charset="UTF-8"');
    expect(eventsIn('IR')).toEqual([]);
  });

  it('refuses an address that sent a wrong credential too often, even with the right one, until the minute is out; other senders go on', async () => {
    const from = (address: string, authorization: string) =>
      service.fetch('/v1/alerts/alertmanager', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': address, authorization },
        body: JSON.stringify(alertmanagerPayload('resolved', { region: 'NP' })),
      });
    for (let guess = 0; guess < 4; guess++) expect((await from('192.0.2.10', `Bearer guess-${guess}`)).status).toBe(401);
    const refused = await from('192.0.2.10', bearer);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ code: 'too-many-failed-authentications', limitPerMinute: 4 });
    const other = await from('192.0.2.11', bearer);
    expect(other.status).toBe(200);
    expect(await other.json()).toMatchObject({ alerts: [{ action: 'nothing-active' }] });
  });

  it('starts a surge from a firing Alertmanager alert, drops the re-sent notification, updates on a change and clears on resolve', async () => {
    const firing = await post('alertmanager', alertmanagerPayload('firing', { region: 'ir', severity: 'warning' }, { summary: 'Requests in IR at 4x' }), bearer);
    expect(firing.status).toBe(200);
    const [first] = ((await firing.json()) as { alerts: { action: string; surgeId: string }[] }).alerts;
    expect(first.action).toBe('started');
    await expectEventually(() => expect(eventsIn('IR').map((e) => e.type)).toEqual(['surge.started']));
    expect(eventsIn('IR')[0].data).toMatchObject({ surgeId: first.surgeId, source: 'alert', severity: 'minor', startedAt: '2026-06-14T21:00:00.123Z', reason: expect.stringContaining('Requests in IR at 4x') });

    // Alertmanager re-sends the same group on its repeat interval: dropped.
    const again = await post('alertmanager', alertmanagerPayload('firing', { region: 'ir', severity: 'warning' }, { summary: 'Requests in IR at 4x' }), bearer);
    expect(((await again.json()) as { alerts: { action: string }[] }).alerts[0].action).toBe('duplicate');

    const changed = await post('alertmanager', alertmanagerPayload('firing', { region: 'ir', severity: 'warning' }, { summary: 'Requests in IR at 9x' }), bearer);
    expect(((await changed.json()) as { alerts: { action: string }[] }).alerts[0].action).toBe('updated');
    const resolved = await post('alertmanager', alertmanagerPayload('resolved', { region: 'ir', severity: 'warning' }, { summary: 'Requests in IR at 9x' }), bearer);
    expect(((await resolved.json()) as { alerts: { action: string }[] }).alerts[0].action).toBe('cleared');
    await expectEventually(() => expect(eventsIn('IR').map((e) => e.type)).toEqual(['surge.started', 'surge.updated', 'surge.cleared']));
    expect(eventsIn('IR')[2].data).toMatchObject({ surgeId: first.surgeId, clearedAt: '2026-06-14T23:30:00.500Z' });
    const listed = (await (await service.fetch(`/v1/surges?region=IR&source=alert`)).json()) as { items: { id: string; status: string }[] };
    expect(listed.items).toEqual([expect.objectContaining({ id: first.surgeId, status: 'cleared' })]);
  });

  it('starts no surge from a firing that arrives after its own resolved (an HA peer, a retry), but does from a later one', async () => {
    const action = async (response: Response) => ((await response.json()) as { alerts: { action: string; surgeId: string | null }[] }).alerts[0];
    // It ended before the alert fired again at 21:30, as Alertmanager's notifications of one alert always do.
    const resolved = alertmanagerPayload('resolved', { region: 'KE' });
    resolved.alerts[0].endsAt = '2026-06-14T21:10:00Z';
    expect(await action(await post('alertmanager', resolved, bearer))).toEqual(expect.objectContaining({ action: 'nothing-active' }));
    expect(await action(await post('alertmanager', alertmanagerPayload('firing', { region: 'KE' }), bearer))).toEqual(expect.objectContaining({ action: 'already-resolved', surgeId: null }));
    expect(await action(await post('alertmanager', alertmanagerPayload('firing', { region: 'KE' }), bearer))).toEqual(expect.objectContaining({ action: 'duplicate' }));
    const surges = (await (await service.fetch(`/v1/surges?region=KE`)).json()) as { items: unknown[] };
    expect(surges.items).toEqual([]);

    // The same alert firing again later is a new instance, with its own startsAt.
    const later = alertmanagerPayload('firing', { region: 'KE' });
    later.alerts[0].startsAt = '2026-06-14T21:30:00Z';
    expect(await action(await post('alertmanager', later, bearer))).toEqual(expect.objectContaining({ action: 'started' }));
    await expectEventually(() => expect(eventsIn('KE').map((e) => `${e.type} ${e.data.startedAt}`)).toEqual(['surge.started 2026-06-14T21:30:00.000Z']));
  });

  it('keeps the surge of an alert that fired again when the resolved of its earlier start arrives late (an HA peer, a retry)', async () => {
    const action = async (response: Response) => ((await response.json()) as { alerts: { action: string; surgeId: string | null }[] }).alerts[0];
    const at = (status: 'firing' | 'resolved', startsAt: string, endsAt?: string) => {
      const payload = alertmanagerPayload(status, { region: 'TZ' });
      payload.alerts[0].startsAt = startsAt;
      if (endsAt) payload.alerts[0].endsAt = endsAt;
      return payload;
    };
    const started = await action(await post('alertmanager', at('firing', '2026-06-14T21:00:00Z'), bearer));
    expect(started.action).toBe('started');
    // It resolved at 21:20 and fired again at 21:30; this peer's resolved of the first firing was not delivered yet.
    expect(await action(await post('alertmanager', at('firing', '2026-06-14T21:30:00Z'), bearer))).toEqual({ fingerprint: 'fp-TZ', region: 'TZ', action: 'updated', surgeId: started.surgeId });
    expect(await action(await post('alertmanager', at('resolved', '2026-06-14T21:00:00Z', '2026-06-14T21:20:00Z'), bearer))).toEqual({
      fingerprint: 'fp-TZ',
      region: 'TZ',
      action: 'superseded',
      surgeId: started.surgeId,
    });
    expect(await action(await post('alertmanager', at('firing', '2026-06-14T21:30:00Z'), bearer))).toEqual(expect.objectContaining({ action: 'duplicate' }));
    const listed = (await (await service.fetch(`/v1/surges?region=TZ`)).json()) as { items: { id: string; status: string }[] };
    expect(listed.items).toEqual([expect.objectContaining({ id: started.surgeId, status: 'active' })]);

    expect(await action(await post('alertmanager', at('resolved', '2026-06-14T21:30:00Z'), bearer))).toEqual(expect.objectContaining({ action: 'cleared', surgeId: started.surgeId }));
  });

  // An HA Prometheus pair sends one alert with two starts (each its own evaluation); Alertmanager keeps the
  // earliest, so its notifications of the alert move the start earlier while it fires.
  const EDGE_FIRST_START = '2026-06-14T23:00:00.5Z';
  const EDGE_EARLIER_START = '2026-06-14T22:59:30.5Z';
  const edgeTraffic = (status: 'firing' | 'resolved', region: string, startsAt: string) => {
    const payload = alertmanagerPayload(status, { alertname: 'EdgeTraffic', holdfast: 'traffic', region });
    payload.alerts[0].startsAt = startsAt;
    return { ...payload, groupKey: '{}/{holdfast="traffic"}:{alertname="EdgeTraffic"}', groupLabels: { alertname: 'EdgeTraffic' } };
  };

  it('keeps one surge for an alert whose start Alertmanager moved earlier (an HA Prometheus pair), and clears it on its resolved', async () => {
    const action = async (response: Response) => ((await response.json()) as { alerts: { action: string; surgeId: string | null }[] }).alerts[0];
    const started = await action(await post('alertmanager', edgeTraffic('firing', 'NL', EDGE_FIRST_START), bearer));
    expect(started.action).toBe('started');
    const fingerprint = 'fp-EdgeTraffic-traffic-NL';
    expect(await action(await post('alertmanager', edgeTraffic('firing', 'NL', EDGE_EARLIER_START), bearer))).toEqual({ fingerprint, region: 'NL', action: 'updated', surgeId: started.surgeId });
    expect(await action(await post('alertmanager', edgeTraffic('firing', 'NL', EDGE_EARLIER_START), bearer))).toMatchObject({ action: 'duplicate' });
    // Its resolved carries the earlier start, and ends (23:30) after every start the alert was sent with: the same firing.
    expect(await action(await post('alertmanager', edgeTraffic('resolved', 'NL', EDGE_EARLIER_START), bearer))).toEqual({ fingerprint, region: 'NL', action: 'cleared', surgeId: started.surgeId });
    await expectEventually(() => expect(eventsIn('NL').map((e) => e.type)).toEqual(['surge.started', 'surge.updated', 'surge.cleared']));
    expect(eventsIn('NL')[2].data).toMatchObject({ surgeId: started.surgeId, startedAt: '2026-06-14T23:00:00.500Z', clearedAt: '2026-06-14T23:30:00.500Z' });

    // Posted by hand, a resolved with an earlier start than its firing's and no firing of that start between.
    expect(await action(await post('alertmanager', edgeTraffic('firing', 'BE', EDGE_FIRST_START), bearer))).toMatchObject({ action: 'started' });
    expect(await action(await post('alertmanager', edgeTraffic('resolved', 'BE', EDGE_EARLIER_START), bearer))).toMatchObject({ action: 'cleared' });
    for (const region of ['NL', 'BE']) expect(await (await service.fetch(`/v1/surges?region=${region}`)).json(), region).toMatchObject({ items: [{ status: 'cleared' }] });
  });

  it('starts no surge from the later start of an alert arriving after the resolved of its earlier one (the other Alertmanager of an HA pair, a retry)', async () => {
    const action = async (response: Response) => ((await response.json()) as { alerts: { action: string; surgeId: string | null }[] }).alerts[0];
    expect(await action(await post('alertmanager', edgeTraffic('firing', 'DK', EDGE_EARLIER_START), bearer))).toMatchObject({ action: 'started' });
    expect(await action(await post('alertmanager', edgeTraffic('resolved', 'DK', EDGE_EARLIER_START), bearer))).toMatchObject({ action: 'cleared' });
    // That alert's firing with the later start, sent while it fired: over, as its resolved ended after that start.
    expect(await action(await post('alertmanager', edgeTraffic('firing', 'DK', EDGE_FIRST_START), bearer))).toEqual(expect.objectContaining({ action: 'already-resolved', surgeId: null }));
    expect(await (await service.fetch('/v1/surges?region=DK')).json()).toMatchObject({ items: [{ status: 'cleared' }] });

    // The resolved first of all: neither start starts a surge.
    expect(await action(await post('alertmanager', edgeTraffic('resolved', 'SE', EDGE_EARLIER_START), bearer))).toMatchObject({ action: 'nothing-active' });
    expect(await action(await post('alertmanager', edgeTraffic('firing', 'SE', EDGE_FIRST_START), bearer))).toMatchObject({ action: 'already-resolved' });
    expect(await action(await post('alertmanager', edgeTraffic('firing', 'SE', EDGE_EARLIER_START), bearer))).toMatchObject({ action: 'already-resolved' });
    expect(await (await service.fetch('/v1/surges?region=SE')).json()).toMatchObject({ items: [] });
  });

  it("clears the surge of a Grafana alert whose resolved carries an earlier start than its firing's", async () => {
    const grafana = (status: 'firing' | 'resolved', startsAt: string) => ({
      receiver: 'holdfast',
      status,
      orgId: 1,
      groupKey: '{}/{holdfast="traffic"}:{alertname="EdgeTraffic"}',
      alerts: [
        {
          status,
          labels: { alertname: 'EdgeTraffic', holdfast: 'traffic', region: 'LU' },
          annotations: {},
          startsAt,
          endsAt: status === 'resolved' ? '2026-06-14T23:30:00Z' : '0001-01-01T00:00:00Z',
          fingerprint: '9c1e5a3b7d2f4e60',
          values: { A: 4.2 },
          valueString: '',
        },
      ],
    });
    const action = async (response: Response) => ((await response.json()) as { alerts: { action: string; surgeId: string | null }[] }).alerts[0];
    const started = await action(await post('grafana', grafana('firing', '2026-06-14T23:00:00Z'), basic));
    expect(started.action).toBe('started');
    expect(await action(await post('grafana', grafana('firing', '2026-06-14T22:59:30Z'), basic))).toMatchObject({ action: 'updated', surgeId: started.surgeId });
    expect(await action(await post('grafana', grafana('resolved', '2026-06-14T22:59:30Z'), basic))).toMatchObject({ action: 'cleared', surgeId: started.surgeId });
    await expectEventually(() => expect(eventsIn('LU').map((e) => e.type)).toEqual(['surge.started', 'surge.updated', 'surge.cleared']));
  });

  it('drops an alert sent again in another group (a second route, a regrouping after an Alertmanager reload) as the duplicate it is', async () => {
    const action = async (response: Response) => ((await response.json()) as { alerts: { action: string; surgeId: string | null }[] }).alerts[0];
    const regrouped = <T extends { groupKey: string }>(payload: T): T => ({ ...payload, groupKey: '{}/{region=~".+"}:{alertname="RegionalTrafficHigh", region="UG"}' });
    const started = await action(await post('alertmanager', alertmanagerPayload('firing', { region: 'UG' }, { summary: 'Requests in UG at 4x' }), bearer));
    expect(started.action).toBe('started');
    expect(await action(await post('alertmanager', regrouped(alertmanagerPayload('firing', { region: 'UG' }, { summary: 'Requests in UG at 4x' })), bearer))).toEqual(
      expect.objectContaining({ action: 'duplicate', surgeId: null }),
    );
    expect(await action(await post('alertmanager', regrouped(alertmanagerPayload('resolved', { region: 'UG' }, { summary: 'Requests in UG at 4x' })), bearer))).toEqual(
      expect.objectContaining({ action: 'cleared', surgeId: started.surgeId }),
    );
    expect(await action(await post('alertmanager', alertmanagerPayload('resolved', { region: 'UG' }, { summary: 'Requests in UG at 4x' }), bearer))).toEqual(
      expect.objectContaining({ action: 'duplicate', surgeId: null }),
    );
    await expectEventually(() => expect(eventsIn('UG').map((e) => e.type)).toEqual(['surge.started', 'surge.cleared']));
  });

  it('applies an alert sent twice in one notification in its order, as if sent one after the other', async () => {
    const firing = alertmanagerPayload('firing', { region: 'ZM' });
    const resolved = alertmanagerPayload('resolved', { region: 'ZM' });
    const other = alertmanagerPayload('firing', { region: 'ZW' });
    const response = await post('alertmanager', { ...firing, alerts: [firing.alerts[0], other.alerts[0], resolved.alerts[0], firing.alerts[0]] }, bearer);
    expect(response.status).toBe(200);
    const { alerts } = (await response.json()) as { alerts: { region: string; action: string }[] };
    expect(alerts.map(({ region, action }) => `${region} ${action}`)).toEqual(['ZM started', 'ZW started', 'ZM cleared', 'ZM duplicate']);
    await expectEventually(() => expect(eventsIn('ZM').map((e) => e.type)).toEqual(['surge.started', 'surge.cleared']));
  });

  it("leaves no surge active when an alert's firing and its resolved arrive at the same moment (HA peers)", async () => {
    const regions = ['AO', 'BJ', 'BW', 'BF', 'CM', 'CV', 'TD', 'KM', 'CG', 'GA', 'GM', 'GH', 'GN', 'ML', 'MR', 'NE'];
    const answers = await Promise.all(
      regions.flatMap((region) => [post('alertmanager', alertmanagerPayload('firing', { region }), bearer), post('alertmanager', alertmanagerPayload('resolved', { region }), bearer)]),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    for (const region of regions) {
      const listed = (await (await service.fetch(`/v1/surges?region=${region}`)).json()) as { items: { status: string }[] };
      expect(listed.items.filter((surge) => surge.status === 'active'), region).toEqual([]);
    }
  });

  it('answers an alert without a region label with a problem naming the labels looked for, and applies nothing of it', async () => {
    const payload = alertmanagerPayload('firing', { cluster: 'eu-1' });
    const response = await post('alertmanager', payload, bearer);
    expect(response.status).toBe(422);
    const problem = (await response.json()) as { code: string; detail?: string; labelsLookedFor: string[]; errors: { path: string }[] };
    expect(problem).toMatchObject({ code: 'missing-region-label', labelsLookedFor: ['region', 'country'], errors: [{ path: 'alerts.0.labels' }] });
  });

  it('takes the alerts of a notification that name their region when others in its group do not, and names those', async () => {
    // Grouped by alertname, a group mixes regions, and may hold an alert whose rule has no region label.
    const payload = alertmanagerPayload('firing', { region: 'BD' });
    const unlabelled = { ...payload.alerts[0], labels: { alertname: 'RegionalTrafficHigh', cluster: 'eu-1' }, fingerprint: 'fp-cluster' };
    const unknown = { ...payload.alerts[0], labels: { alertname: 'RegionalTrafficHigh', country: 'Atlantis' }, fingerprint: 'fp-atlantis' };
    const response = await post('alertmanager', { ...payload, alerts: [unlabelled, payload.alerts[0], unknown] }, bearer);
    expect(response.status).toBe(422);
    const problem = (await response.json()) as { code: string; detail: string; errors: { path: string }[]; alerts: { region: string; action: string }[] };
    expect(problem).toMatchObject({
      code: 'missing-region-label',
      errors: [{ path: 'alerts.0.labels' }, { path: 'alerts.2.labels.country', message: 'unknown region' }],
      alerts: [{ region: 'BD', action: 'started' }],
    });
    expect(problem.detail).toContain('The other 1 alert(s) of the notification were taken');
    await expectEventually(() => expect(eventsIn('BD').map((e) => e.type)).toEqual(['surge.started']));
  });

  it('warns of an alert it refuses, naming the sender, the alert, its label and why, once for the same alert and reason however often it comes again', async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const refusalWarnings = () => warned.mock.calls.filter(([, message]) => String(message).startsWith('Refused '));
    const europe = edgeTraffic('firing', 'Europe', EDGE_FIRST_START);
    // Alertmanager notifies the group again at each group_interval it changed in, and each repeat_interval.
    for (let sent = 0; sent < 3; sent++) expect((await post('alertmanager', europe, bearer)).status).toBe(422);
    expect(refusalWarnings()).toEqual([
      [
        { sender: 'alertmanager', status: 'firing', alertname: 'EdgeTraffic', fingerprint: 'fp-EdgeTraffic-traffic-Europe', reason: 'unknown-region', label: 'region', value: 'Europe', refusals: 1 },
        'Refused firing alert EdgeTraffic (fingerprint fp-EdgeTraffic-traffic-Europe) from alertmanager: it names region "Europe" in label region, which is not an ISO 3166-1 alpha-2 code or a custom region from HOLDFAST_CUSTOM_REGIONS. It starts no surge and clears none (answered 422, which alertmanager does not retry); warned of once every 10 minutes for this alert and reason',
      ],
    ]);

    // Another alert beside it, refused for another reason, is warned of; the same alert from Grafana too.
    const unlabelled = { ...europe.alerts[0], labels: { alertname: 'EdgeTraffic', holdfast: 'traffic', cluster: 'eu-1' }, fingerprint: 'fp-EdgeTraffic-eu-1' };
    expect((await post('alertmanager', { ...europe, alerts: [europe.alerts[0], unlabelled] }, bearer)).status).toBe(422);
    const grafana = { receiver: 'holdfast', status: 'firing', orgId: 1, groupKey: europe.groupKey, alerts: [europe.alerts[0]] };
    expect((await post('grafana', grafana, basic)).status).toBe(422);
    expect((await post('grafana', grafana, basic)).status).toBe(422);
    expect(refusalWarnings().slice(1)).toEqual([
      [
        { sender: 'alertmanager', status: 'firing', alertname: 'EdgeTraffic', fingerprint: 'fp-EdgeTraffic-eu-1', reason: 'missing-region-label', labelsLookedFor: ['region', 'country'], refusals: 1 },
        expect.stringMatching(/^Refused firing alert EdgeTraffic \(fingerprint fp-EdgeTraffic-eu-1\) from alertmanager: it carries none of the region labels looked for \(region, country\): add one/),
      ],
      [expect.objectContaining({ sender: 'grafana', fingerprint: 'fp-EdgeTraffic-traffic-Europe', reason: 'unknown-region' }), expect.stringContaining('(answered 422, which grafana does not retry)')],
    ]);
  });

  it("starts no surge from the notifier's own hold alerts routed back to it, which would keep their holds alive, and names the other alerts at their own index", async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn');
    const payload = alertmanagerPayload('firing', { region: 'MN' });
    // As the notifier posts them (services/notifier, postable-alert.ts): one a held region, and the test alert with no region.
    const hold = { ...payload.alerts[0], labels: { alertname: 'MaintenanceHold', region: 'MN', hold: '01a24cb0-0000-7000-8000-000000000001' }, fingerprint: 'fp-own-hold' };
    const test = { ...payload.alerts[0], labels: { alertname: 'MaintenanceHoldTest', subscription: '01a24cb0-0000-7000-8000-000000000002' }, fingerprint: 'fp-own-test' };
    const unlabelled = { ...payload.alerts[0], labels: { alertname: 'RegionalTrafficHigh', cluster: 'eu-1' }, fingerprint: 'fp-own-cluster' };
    const response = await post('alertmanager', { ...payload, alerts: [hold, test, unlabelled] }, bearer);
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({
      code: 'missing-region-label',
      errors: [{ path: 'alerts.2.labels' }],
      alerts: [
        { fingerprint: 'fp-own-hold', region: 'MN', action: 'holdfast-hold-alert', surgeId: null },
        { fingerprint: 'fp-own-test', region: '', action: 'holdfast-hold-alert', surgeId: null },
      ],
    });
    expect(warned.mock.calls.map(([, message]) => message)).toContainEqual(expect.stringMatching(/^alertmanager sent 2 of Holdfast's own hold alert\(s\) .*: they start no surge\. Route alertname=~"MaintenanceHold\|MaintenanceHoldTest" to another receiver/));
    const held = await post('alertmanager', { ...payload, alerts: [hold] }, bearer);
    expect(await held.json()).toMatchObject({ alerts: [{ action: 'holdfast-hold-alert' }] });
    expect((await service.fetch('/v1/surges?region=MN')).status).toBe(200);
    expect(((await (await service.fetch('/v1/surges?region=MN')).json()) as { items: unknown[] }).items).toEqual([]);
    expect(eventsIn('MN')).toEqual([]);
  });

  it('refuses an alert whose startsAt cannot be read, naming it and the field, and takes the others of the notification', async () => {
    const payload = alertmanagerPayload('firing', { region: 'LK' });
    const unreadable = { ...payload.alerts[0], labels: { alertname: 'RegionalTrafficHigh', region: 'MV' }, startsAt: '2026-06-14 21:00', fingerprint: 'fp-MV' };
    const unset = { ...payload.alerts[0], labels: { alertname: 'RegionalTrafficHigh', region: 'PK' }, startsAt: '0001-01-01T00:00:00Z', fingerprint: 'fp-PK' };
    // Before, taken: its surge.started said year 0000, which no instant may now, and which PostgreSQL cannot be given as text.
    const yearZero = { ...payload.alerts[0], labels: { alertname: 'RegionalTrafficHigh', region: 'NP' }, startsAt: '0000-06-01T00:00:00Z', fingerprint: 'fp-NP' };
    // Before, refused with its whole notification (400 invalid-body): the other alerts were lost.
    const { startsAt: _left, ...absent } = { ...payload.alerts[0], labels: { alertname: 'RegionalTrafficHigh', region: 'BT' }, fingerprint: 'fp-BT' };
    const response = await post('alertmanager', { ...payload, alerts: [payload.alerts[0], unreadable, unset, yearZero, absent] }, bearer);
    expect(response.status).toBe(422);
    const problem = (await response.json()) as { code: string; detail: string; errors: { path: string; message: string }[]; alerts: { region: string; action: string }[] };
    expect(problem).toMatchObject({
      code: 'unreadable-starts-at',
      errors: [
        { path: 'alerts.1.startsAt', message: 'not an RFC 3339 instant with its offset' },
        { path: 'alerts.2.startsAt', message: 'required' },
        { path: 'alerts.3.startsAt', message: 'before the year 0001 once converted to UTC' },
        { path: 'alerts.4.startsAt', message: 'required' },
      ],
      alerts: [{ region: 'LK', action: 'started' }],
    });
    expect(problem.detail).toContain('Alert 1 (RegionalTrafficHigh, fingerprint fp-MV) has startsAt "2026-06-14 21:00", which is not an RFC 3339 instant');
    expect(problem.detail).toContain('Alert 2 (RegionalTrafficHigh, fingerprint fp-PK) has no startsAt');
    expect(problem.detail).toContain('Alert 3 (RegionalTrafficHigh, fingerprint fp-NP) has startsAt "0000-06-01T00:00:00Z", which falls before the year 0001');
    expect(problem.detail).toContain('Alert 4 (RegionalTrafficHigh, fingerprint fp-BT) has no startsAt');
    for (const region of ['MV', 'PK', 'NP', 'BT']) expect(await (await service.fetch(`/v1/surges?region=${region}`)).json()).toMatchObject({ items: [] });
    await expectEventually(() => expect(eventsIn('LK').map((e) => e.type)).toEqual(['surge.started']));
  });

  it('refuses an alert whose text holds half of a surrogate pair alone with a 400 naming the field, where jsonb refused it with a 500', async () => {
    const payload = alertmanagerPayload('firing', { region: 'KH' });
    // JSON.stringify writes the lone half as the escape \ud800, as a sender's JSON may.
    const response = await post('alertmanager', { ...payload, alerts: [{ ...payload.alerts[0], fingerprint: 'fp-KH-\ud800' }] }, bearer);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid-body', errors: [{ path: 'alerts.0.fingerprint', message: expect.stringContaining('half of a UTF-16 surrogate pair alone') }] });
    expect(await (await service.fetch('/v1/surges?region=KH')).json()).toMatchObject({ items: [] });
  });

  it('lets no resolved whose startsAt cannot be read mark as over a firing that started before it arrived', async () => {
    const resolved = alertmanagerPayload('resolved', { region: 'BT' });
    resolved.alerts[0].startsAt = 'now';
    expect((await post('alertmanager', resolved, bearer)).status).toBe(422);
    const firing = await post('alertmanager', alertmanagerPayload('firing', { region: 'BT' }), bearer);
    expect(((await firing.json()) as { alerts: { action: string }[] }).alerts[0].action).toBe('started');
  });

  it('clears the surge of a resolved alert without a readable endsAt when the notification is received, and says so', async () => {
    const action = async (response: Response) => ((await response.json()) as { alerts: { action: string; surgeId: string | null }[] }).alerts[0];
    for (const region of ['MN', 'MM']) expect(await action(await post('alertmanager', alertmanagerPayload('firing', { region }), bearer))).toMatchObject({ action: 'started' });
    const unset = alertmanagerPayload('resolved', { region: 'MN' });
    unset.alerts[0].endsAt = '0001-01-01T00:00:00Z';
    const unreadable = alertmanagerPayload('resolved', { region: 'MM' });
    unreadable.alerts[0].endsAt = 'soon';
    for (const payload of [unset, unreadable]) expect(await action(await post('alertmanager', payload, bearer))).toMatchObject({ action: 'cleared' });
    await expectEventually(() => expect(['MN', 'MM'].map((region) => eventsIn(region).map((e) => e.type))).toEqual([['surge.started', 'surge.cleared'], ['surge.started', 'surge.cleared']]));
    expect(eventsIn('MN')[1].data).toMatchObject({
      clearedAt: '2026-06-14T23:31:00.000Z',
      reason: 'RegionalTrafficHigh resolved in alertmanager (it gave no endsAt: cleared when the notification was received)',
    });
    expect(eventsIn('MM')[1].data).toMatchObject({
      clearedAt: '2026-06-14T23:31:00.000Z',
      reason: 'RegionalTrafficHigh resolved in alertmanager (its endsAt "soon" is not an RFC 3339 instant: cleared when the notification was received)',
    });
  });

  it('judges a resolved without a readable endsAt by its startsAt alone, as it did every resolved logged before endsAt was kept', async () => {
    const action = async (response: Response) => ((await response.json()) as { alerts: { action: string; surgeId: string | null }[] }).alerts[0];
    const at = (status: 'firing' | 'resolved', startsAt: string) => {
      const payload = alertmanagerPayload(status, { region: 'MU' });
      payload.alerts[0].startsAt = startsAt;
      if (status === 'resolved') payload.alerts[0].endsAt = '0001-01-01T00:00:00Z';
      return payload;
    };
    expect(await action(await post('alertmanager', at('firing', '2026-06-14T21:00:00Z'), bearer))).toMatchObject({ action: 'started' });
    expect(await action(await post('alertmanager', at('resolved', '2026-06-14T21:00:00Z'), bearer))).toMatchObject({ action: 'cleared' });
    // Its end unknown (and cleared as of its receipt, 23:31), a firing of a later start is a later firing.
    expect(await action(await post('alertmanager', at('firing', '2026-06-14T21:30:00Z'), bearer))).toMatchObject({ action: 'started' });
  });

  it("takes an alert whose text holds bidirectional controls, leaving them out of its surge's reasons and keeping the Persian and the marks", async () => {
    const action = async (response: Response) => ((await response.json()) as { alerts: { action: string; surgeId: string | null }[] }).alerts[0];
    // An override and an isolate, as a crafted annotation would reorder the reason on the week page, in Slack or a webhook.
    const labels = { region: 'AF', alertname: 'Regional\u202eTrafficHigh' };
    const annotations = { summary: 'ترافیک افغانستان ۴ برابر\u200f \u202bshown reversed\u202c \u2067isolated' };
    const firing = await action(await post('alertmanager', alertmanagerPayload('firing', labels, annotations), bearer));
    expect(firing).toMatchObject({ action: 'started' });
    // Sent again, it is the duplicate it was: its notification is told apart by the text as sent.
    expect(await action(await post('alertmanager', alertmanagerPayload('firing', labels, annotations), bearer))).toMatchObject({ action: 'duplicate' });
    const resolved = alertmanagerPayload('resolved', labels, annotations);
    resolved.alerts[0].endsAt = 'soon\u202e';
    expect(await action(await post('alertmanager', resolved, bearer))).toMatchObject({ action: 'cleared' });
    await expectEventually(() => expect(eventsIn('AF').map((e) => e.type)).toEqual(['surge.started', 'surge.cleared']));
    const reasonStarted = 'RegionalTrafficHigh firing in alertmanager: ترافیک افغانستان ۴ برابر\u200f shown reversed isolated';
    expect(eventsIn('AF')[0].data).toMatchObject({ surgeId: firing.surgeId, reason: reasonStarted });
    const reasonCleared = 'RegionalTrafficHigh resolved in alertmanager (its endsAt "soon" is not an RFC 3339 instant: cleared when the notification was received)';
    expect(eventsIn('AF')[1].data).toMatchObject({ reason: reasonCleared });
    const listed = (await (await service.fetch('/v1/surges?region=AF')).json()) as { items: unknown[] };
    expect(listed.items).toEqual([expect.objectContaining({ reason: reasonStarted, clearedReason: reasonCleared })]);
  });

  it('says when the sender left alerts out of a notification (max_alerts): in the answer, a warning naming the group and receiver, and a metric', async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const truncated = { ...alertmanagerPayload('firing', { region: 'SN' }), truncatedAlerts: 3 };
    const response = await post('alertmanager', truncated, bearer);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: 1, truncatedAlerts: 3, alerts: [expect.objectContaining({ region: 'SN', action: 'started' })] });
    const warning = warned.mock.calls.find(([, message]) => String(message).includes('left 3 alert(s)'));
    expect(warning?.[0]).toMatchObject({ sender: 'alertmanager', receiver: 'holdfast', groupKey: truncated.groupKey, truncatedAlerts: 3 });
    expect(warning?.[1]).toContain('Set max_alerts of receiver holdfast to 0 (no limit)');

    // A notification whose other alerts are refused says so in its problem too.
    const unlabelled = { ...truncated, truncatedAlerts: 2, alerts: [{ ...truncated.alerts[0], labels: { alertname: 'RegionalTrafficHigh' }, fingerprint: 'fp-unlabelled' }] };
    const refused = await post('alertmanager', unlabelled, bearer);
    expect(refused.status).toBe(422);
    const problem = (await refused.json()) as { truncatedAlerts: number; detail: string };
    expect(problem.truncatedAlerts).toBe(2);
    expect(problem.detail).toContain("alertmanager left 2 more alert(s) out of the notification (truncatedAlerts): raise the receiver's max_alerts, or set it to 0.");

    // Grafana's webhook says the same of its Max alerts.
    const grafana = { receiver: 'holdfast', status: 'firing', orgId: 1, groupKey: '{}/{}:{alertname="SenegalTraffic"}', truncatedAlerts: 1, alerts: [{ ...truncated.alerts[0], fingerprint: 'fp-grafana-SN' }] };
    expect(await (await post('grafana', grafana, basic)).json()).toMatchObject({ truncatedAlerts: 1 });
    const metrics = await (await service.fetch('/metrics')).text();
    expect(metrics).toMatch(/holdfast_analyzer_alerts_truncated_total\{[^}]*sender="alertmanager"[^}]*\} 5\n/);
    expect(metrics).toMatch(/holdfast_analyzer_alerts_truncated_total\{[^}]*sender="grafana"[^}]*\} 1\n/);
  });

  it("counts a group's cut once, not again each time its notification is re-sent (repeat_interval, retries), and again once it changes", async () => {
    const truncatedCounted = async () => {
      const metrics = await (await service.fetch('/metrics')).text();
      return Number(/holdfast_analyzer_alerts_truncated_total\{[^}]*sender="alertmanager"[^}]*\} (\d+)\n/.exec(metrics)?.[1] ?? 0);
    };
    const cut = (truncatedAlerts: number) => ({ ...alertmanagerPayload('firing', { region: 'GW' }), groupKey: '{}:{alertname="RegionalTrafficHigh", region="GW"}', truncatedAlerts });
    const before = await truncatedCounted();
    for (let sent = 0; sent < 3; sent++) expect(await (await post('alertmanager', cut(2), bearer)).json()).toMatchObject({ truncatedAlerts: 2 });
    expect(await truncatedCounted()).toBe(before + 2);
    // More alerts joined the group: a new cut. Then the group fitted, and was cut again.
    for (const truncatedAlerts of [4, 4, 0, 4]) expect((await post('alertmanager', cut(truncatedAlerts), bearer)).status).toBe(200);
    expect(await truncatedCounted()).toBe(before + 2 + 4 + 4);
  });

  it("starts and clears the surge of an alert stamped ahead of Holdfast's clock when it is received, saying so beyond the senders' skew", async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const action = async (response: Response) => ((await response.json()) as { alerts: { action: string; surgeId: string | null }[] }).alerts[0];
    const at = (status: 'firing' | 'resolved', region: string, startsAt: string, endsAt?: string) => {
      const payload = alertmanagerPayload(status, { region });
      payload.alerts[0].startsAt = startsAt;
      if (endsAt) payload.alerts[0].endsAt = endsAt;
      return payload;
    };
    // The clock reads 23:31: six hours ahead is a sender's clock (or a rule's timestamp) gone wrong; a hold from then would leave the windows running now.
    expect(await action(await post('alertmanager', at('firing', 'SL', '2026-06-15T05:30:00Z'), bearer))).toMatchObject({ action: 'started' });
    // Within the five minutes senders' clocks may drift, a fast clock: the alert fired, and resolved, by the time it was sent.
    expect(await action(await post('alertmanager', at('firing', 'LR', '2026-06-14T23:34:00Z'), bearer))).toMatchObject({ action: 'started' });
    expect(await action(await post('alertmanager', at('resolved', 'LR', '2026-06-14T23:34:00Z', '2026-06-14T23:35:00Z'), bearer))).toMatchObject({ action: 'cleared' });
    // The alert keeps its startsAt for telling its notifications apart: sent again it is a duplicate, and its resolved clears it.
    expect(await action(await post('alertmanager', at('firing', 'SL', '2026-06-15T05:30:00Z'), bearer))).toMatchObject({ action: 'duplicate' });
    expect(await action(await post('alertmanager', at('resolved', 'SL', '2026-06-15T05:30:00Z', '2026-06-15T06:30:00Z'), bearer))).toMatchObject({ action: 'cleared' });

    await expectEventually(() => expect(eventsIn('SL').map((e) => e.type)).toEqual(['surge.started', 'surge.cleared']));
    expect(eventsIn('SL')[0].data).toMatchObject({
      startedAt: '2026-06-14T23:31:00.000Z',
      reason: "RegionalTrafficHigh firing in alertmanager (its startsAt 2026-06-15T05:30:00Z is 359 minutes ahead of Holdfast's clock: started when the notification was received)",
    });
    expect(eventsIn('SL')[1].data).toMatchObject({
      clearedAt: '2026-06-14T23:31:00.000Z',
      reason: "RegionalTrafficHigh resolved in alertmanager (its endsAt 2026-06-15T06:30:00Z is 419 minutes ahead of Holdfast's clock: cleared when the notification was received)",
    });
    await expectEventually(() => expect(eventsIn('LR').map((e) => e.type)).toEqual(['surge.started', 'surge.cleared']));
    expect(eventsIn('LR').map((e) => e.data)).toEqual([
      expect.objectContaining({ startedAt: '2026-06-14T23:31:00.000Z', reason: 'RegionalTrafficHigh firing in alertmanager' }),
      expect.objectContaining({ startedAt: '2026-06-14T23:31:00.000Z', clearedAt: '2026-06-14T23:31:00.000Z', reason: 'RegionalTrafficHigh resolved in alertmanager' }),
    ]);
    expect(warned.mock.calls.map(([, message]) => message)).toEqual(
      expect.arrayContaining([expect.stringContaining("RegionalTrafficHigh firing in alertmanager, but its startsAt 2026-06-15T05:30:00Z is 359 minutes ahead of Holdfast's clock")]),
    );
  });

  it('takes Grafana contact point notifications with basic credentials and the configured region label', async () => {
    const grafana = (status: 'firing' | 'resolved') => ({
      receiver: 'holdfast',
      status,
      orgId: 1,
      groupKey: '{}/{}:{alertname="NepalTraffic"}',
      title: `[${status.toUpperCase()}] NepalTraffic`,
      state: status === 'firing' ? 'alerting' : 'ok',
      message: 'traffic',
      version: '1',
      alerts: [{ status, labels: { alertname: 'NepalTraffic', country: 'NP', severity: 'critical' }, annotations: {}, startsAt: '2026-06-14T21:00:00Z', endsAt: status === 'resolved' ? '2026-06-14T22:00:00Z' : '0001-01-01T00:00:00Z', fingerprint: 'abc123', values: { A: 4.2 }, valueString: '' }],
    });
    expect((await post('grafana', grafana('firing'), basic)).status).toBe(200);
    expect((await post('grafana', grafana('resolved'), basic)).status).toBe(200);
    await expectEventually(() => expect(eventsIn('NP').map((e) => e.type)).toEqual(['surge.started', 'surge.cleared']));
    expect(eventsIn('NP')[0].data).toMatchObject({ source: 'alert', severity: 'critical' });
  });
});
