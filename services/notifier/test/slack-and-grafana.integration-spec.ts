import { createEvent, EventExamples } from '@holdfast/contracts';
import type { EventPublisher } from '@holdfast/messaging';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifierService } from '../src/app.module';
import { HttpReceiver } from './support/http-receiver';
import { api, attemptsSettled, connectPublisher, holdPlaced, holdReleased, NOTIFIER_USER_AGENT } from './support/notifier-fixtures';

describe('notifier Slack and Grafana channels send exactly the documented requests', () => {
  let service: ServiceUnderTest<ReturnType<typeof notifierService.configFromEnvironment>>;
  let publisher: EventPublisher;
  let notifier: ReturnType<typeof api>;
  let slack: HttpReceiver;
  let grafana: HttpReceiver;
  const clock = new ManualClock('2026-06-14T21:00:10Z');
  // Grafana's search answers none found: every hold.placed looks for an annotation an earlier attempt made.
  const noneFound = { status: 200, headers: { 'content-type': 'application/json' }, body: '[]' };
  const changes = (request: { method: string }) => request.method !== 'GET';

  beforeAll(async () => {
    slack = await HttpReceiver.start(() => ({ status: 200, body: 'ok' }));
    grafana = await HttpReceiver.start((request) =>
      request.method === 'GET'
        ? noneFound
        : request.method === 'POST'
          ? { status: 200, headers: { 'content-type': 'application/json' }, body: '{"message":"Annotation added","id":17}' }
          : { status: 200, body: '{"message":"Annotation patched"}' },
    );
    service = await startServiceUnderTest(notifierService, {
      clock,
      environment: {
        NOTIFIER_OUTBOUND_ALLOW: `${slack.allowEntry},${grafana.allowEntry}`,
        NOTIFIER_PLANNER_URL: 'https://planner.example.org',
        NOTIFIER_WORKER_POLL_MS: '50',
      },
    });
    notifier = api(service);
    publisher = await connectPublisher(service.config.kafka);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
    await slack?.close();
    await grafana?.close();
  });

  it('Slack: what is held, why, until when, the local time in each region and the explanation link', async () => {
    await notifier.subscribe({ channel: 'slack', target: `${slack.url}/services/T1/B2/secret`, filters: { regions: ['IR'] } });
    const hold = holdPlaced(['IR', 'NP'], { reason: 'Surge in IR: requests at 5x the usual <Sunday> evening' });
    const [windowId] = hold.data.windowIds;
    await publisher.publish(hold);

    await expectEventually(() => expect(slack.requests).toHaveLength(1));
    const [request] = slack.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/services/T1/B2/secret', headers: { 'content-type': 'application/json', 'user-agent': NOTIFIER_USER_AGENT } });
    expect(JSON.parse(request.body)).toEqual({
      text: 'Maintenance held in IR, NP: Surge in IR: requests at 5x the usual &lt;Sunday&gt; evening (until released)',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Maintenance held in IR, NP' } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: `*What*\n1 window: …${windowId.slice(-8)}` },
            { type: 'mrkdwn', text: '*Why*\nSurge in IR: requests at 5x the usual &lt;Sunday&gt; evening' },
            { type: 'mrkdwn', text: '*Until*\nuntil released' },
            // 21:00 UTC on Sunday 14 June 2026 is 00:30 in Tehran (UTC+3:30 since Iran dropped summer time) and 02:45 in Kathmandu.
            { type: 'mrkdwn', text: '*Local time*\n*IR* from Mon 15 Jun 00:30 Asia/Tehran (UTC+03:30)\n*NP* from Mon 15 Jun 02:45 Asia/Kathmandu (UTC+05:45)' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `<https://planner.example.org/calendar?window=${windowId}|Why is it held?> · hold ${hold.data.holdId}` }] },
      ],
    });
  });

  it('Slack: names the held windows and their teams, with the planner\'s local times, when the hold event carries them', async () => {
    await notifier.subscribe({ channel: 'slack', target: `${slack.url}/services/T1/B2/core`, filters: { teams: ['core'] } });
    const hold = holdPlaced(['NP'], { until: '2026-06-15T01:00:00Z' });
    const [windowId] = hold.data.windowIds;
    const occurrence = {
      number: 1,
      startsAt: '2026-06-14T21:30:00Z',
      endsAt: '2026-06-14T22:30:00Z',
      status: 'held' as const,
      localTimes: [{ region: 'NP', zone: 'Asia/Kathmandu', startsAtLocal: '2026-06-15T03:15', endsAtLocal: '2026-06-15T04:15', offset: '+05:45' }],
    };
    const enriched = createEvent(
      'hold.placed',
      {
        ...hold.data,
        windows: [{ windowId, title: 'Core router upgrade', ownerTeam: 'core', priority: 'important', surgePolicy: 'hold', notifyOnly: false, occurrences: [occurrence] }],
        periodLocalTimes: [{ region: 'NP', zone: 'Asia/Kathmandu', fromLocal: '2026-06-15T02:45', untilLocal: '2026-06-15T06:45', offset: '+05:45' }],
      },
      { source: 'notifier-spec' },
    );
    await publisher.publish(enriched);

    await expectEventually(() => expect(slack.requests.filter((request) => request.path === '/services/T1/B2/core')).toHaveLength(1));
    const body = JSON.parse(slack.requests.find((request) => request.path === '/services/T1/B2/core')?.body ?? '{}');
    expect(body.blocks[1].fields).toEqual([
      { type: 'mrkdwn', text: '*What*\nCore router upgrade (team core, Mon 15 Jun 03:15 → 04:15 Asia/Kathmandu (UTC+05:45))' },
      { type: 'mrkdwn', text: `*Why*\n${hold.data.reason}` },
      { type: 'mrkdwn', text: '*Until*\nuntil Mon 15 Jun 01:00 UTC' },
      { type: 'mrkdwn', text: '*Local time*\n*NP* Mon 15 Jun 02:45 → 06:45 Asia/Kathmandu (UTC+05:45)' },
    ]);
  });

  it("Slack: a hold's Lord Howe window by its planned zone's clock, not Sydney's, and its release's local time in the zones its period is stated in", async () => {
    const path = '/services/T1/B2/tz-review';
    await notifier.subscribe({ channel: 'slack', target: `${slack.url}${path}`, filters: { teams: ['tz-review'] } });
    const hold = holdPlaced(['AU'], { from: '2026-06-14T12:00:00Z' });
    const [windowId] = hold.data.windowIds;
    // 02:00-03:00 on Lord Howe Island (UTC+10:30 in the southern winter), listed by the planner in AU's principal zone, Sydney's 01:30-02:30.
    const run = {
      number: 1,
      startsAt: '2026-06-14T15:30:00Z',
      endsAt: '2026-06-14T16:30:00Z',
      status: 'held' as const,
      localTimes: [{ region: 'AU', zone: 'Australia/Sydney', startsAtLocal: '2026-06-15T01:30', endsAtLocal: '2026-06-15T02:30', offset: '+10:00' }],
    };
    const window = { windowId, title: 'LH winter 0200', ownerTeam: 'tz-review', priority: 'routine' as const, surgePolicy: 'hold' as const, notifyOnly: false, plannedZone: 'Australia/Lord_Howe', occurrences: [run] };
    const placed = createEvent('hold.placed', { ...hold.data, windows: [window], periodLocalTimes: [{ region: 'AU', zone: 'Australia/Sydney', fromLocal: '2026-06-14T22:00', offset: '+10:00' }] }, { source: 'notifier-spec' });
    const released = createEvent(
      'hold.released',
      {
        ...holdReleased(hold).data,
        windows: [{ ...window, occurrences: [{ ...run, status: 'needs-reschedule' as const }] }],
        periodLocalTimes: [{ region: 'AU', zone: 'Australia/Sydney', fromLocal: '2026-06-14T22:00', untilLocal: '2026-06-15T09:30', offset: '+10:00', untilOffset: '+10:00' }],
      },
      { source: 'notifier-spec' },
    );
    await publisher.publish(placed, released);

    const sent = () => slack.requests.filter((request) => request.path === path).map((request) => JSON.parse(request.body).blocks[1].fields);
    await expectEventually(() => expect(sent()).toHaveLength(2));
    const lordHoweRun = '*What*\nLH winter 0200 (team tz-review, Mon 15 Jun 02:00 → 03:00 Australia/Lord_Howe (UTC+10:30))';
    expect(sent().map((fields) => [fields[0].text, fields[3].text])).toEqual([
      [lordHoweRun, '*Local time*\n*AU* from Sun 14 Jun 22:00 Australia/Sydney (UTC+10:00)'],
      [lordHoweRun, '*Local time*\n*AU* released Mon 15 Jun 09:30 Australia/Sydney (UTC+10:00)'],
    ]);
  });

  it('Grafana: an annotation from the hold start with region/window/hold tags, whose end is set on release', async () => {
    const { id } = await notifier.subscribe({ channel: 'grafana', target: grafana.url, secret: 'glsa_service_account_token', filters: { regions: ['DE'] } });
    const hold = holdPlaced(['DE']);
    const [windowId] = hold.data.windowIds;
    await publisher.publish(hold, holdReleased(hold, '2026-06-14T23:30:00Z'));

    await expectEventually(() => expect(grafana.requests).toHaveLength(3));
    const [looked, created, patched] = grafana.requests;
    expect(looked).toMatchObject({ method: 'GET', path: `/api/annotations?type=annotation&tags=holdfast&tags=hold&tags=hold%3A${hold.data.holdId}&tags=subscription%3A${id}&limit=100` });
    expect(created).toMatchObject({ method: 'POST', path: '/api/annotations', headers: { authorization: 'Bearer glsa_service_account_token', 'content-type': 'application/json' } });
    expect(JSON.parse(created.body)).toEqual({
      time: Date.parse('2026-06-14T21:00:00Z'),
      tags: ['holdfast', 'hold', 'region:DE', `window:${windowId}`, `hold:${hold.data.holdId}`, `subscription:${id}`],
      text: `Maintenance held in DE: ${hold.data.reason} (until released). https://planner.example.org/calendar?window=${windowId}`,
    });
    expect(patched).toMatchObject({ method: 'PATCH', path: '/api/annotations/17', headers: { authorization: 'Bearer glsa_service_account_token' } });
    expect(JSON.parse(patched.body)).toEqual({ timeEnd: Date.parse('2026-06-14T23:30:00Z') });
    expect([looked, created, patched].map((request) => request.headers['user-agent'])).toEqual([NOTIFIER_USER_AGENT, NOTIFIER_USER_AGENT, NOTIFIER_USER_AGENT]);
  });

  it('Grafana: an extended hold moves the end of its one annotation instead of adding another, and the release ends that one', async () => {
    const before = grafana.requests.length;
    grafana.reply = (request) =>
      request.method === 'GET'
        ? noneFound
        : request.method === 'POST'
          ? { status: 200, headers: { 'content-type': 'application/json' }, body: '{"message":"Annotation added","id":23}' }
          : { status: 200, body: '{"message":"Annotation patched"}' };
    await notifier.subscribe({ channel: 'grafana', target: grafana.url, filters: { regions: ['AT'] } });
    const hold = holdPlaced(['AT'], { until: '2026-06-14T23:00:00Z' });
    const extension = (until: string | null) => createEvent('hold.placed', { ...hold.data, until, extended: true, windowIds: [] }, { source: 'notifier-spec' });
    await publisher.publish(hold, extension('2026-06-15T01:00:00Z'), extension(null), holdReleased(hold, '2026-06-15T00:30:00Z'));

    await expectEventually(() => expect(grafana.requests.slice(before).filter(changes)).toHaveLength(4));
    const sent = grafana.requests.slice(before).filter(changes).map((request) => [request.method, request.path, JSON.parse(request.body)]);
    expect(sent).toEqual([
      ['POST', '/api/annotations', expect.objectContaining({ time: Date.parse('2026-06-14T21:00:00Z'), timeEnd: Date.parse('2026-06-14T23:00:00Z') })],
      ['PATCH', '/api/annotations/23', { timeEnd: Date.parse('2026-06-15T01:00:00Z') }],
      // Open-ended again: back to a point at its start until the release ends it.
      ['PATCH', '/api/annotations/23', { timeEnd: Date.parse('2026-06-14T21:00:00Z') }],
      ['PATCH', '/api/annotations/23', { timeEnd: Date.parse('2026-06-15T00:30:00Z') }],
    ]);
  });

  it('Grafana: an annotation deleted in Grafana is created again by the extension, and the release ends the new one', async () => {
    const before = grafana.requests.length;
    let nextId = 40;
    grafana.reply = (request) => {
      if (request.method === 'GET') return noneFound;
      if (request.method === 'POST') return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Annotation added', id: nextId++ }) };
      // Annotation 40 was deleted by someone in Grafana; 41 is the one created again.
      return request.path === '/api/annotations/40' ? { status: 404, body: '{"message":"Annotation not found"}' } : { status: 200, body: '{"message":"Annotation patched"}' };
    };
    await notifier.subscribe({ channel: 'grafana', target: grafana.url, filters: { regions: ['CH'] } });
    const hold = holdPlaced(['CH'], { until: '2026-06-14T23:00:00Z' });
    const extension = createEvent('hold.placed', { ...hold.data, until: '2026-06-15T01:00:00Z', extended: true, windowIds: [] }, { source: 'notifier-spec' });
    await publisher.publish(hold, extension, holdReleased(hold, '2026-06-15T00:30:00Z'));

    await expectEventually(() => expect(grafana.requests.slice(before).filter(changes)).toHaveLength(4));
    const sent = grafana.requests.slice(before).filter(changes).map((request) => [request.method, request.path, JSON.parse(request.body)]);
    expect(sent).toEqual([
      ['POST', '/api/annotations', expect.objectContaining({ time: Date.parse('2026-06-14T21:00:00Z'), timeEnd: Date.parse('2026-06-14T23:00:00Z') })],
      ['PATCH', '/api/annotations/40', { timeEnd: Date.parse('2026-06-15T01:00:00Z') }],
      ['POST', '/api/annotations', expect.objectContaining({ time: Date.parse('2026-06-14T21:00:00Z'), timeEnd: Date.parse('2026-06-15T01:00:00Z') })],
      ['PATCH', '/api/annotations/41', { timeEnd: Date.parse('2026-06-15T00:30:00Z') }],
    ]);
  });

  it("Grafana: a placement never adopts a window's annotation that carries its hold's tag from the same start", async () => {
    const before = grafana.requests.length;
    const hold = holdPlaced(['CZ']);
    // window.held of a run starting with the hold, delivered first (another topic): tagged with the hold too.
    const annotations = [{ id: 90, time: Date.parse(hold.data.from), tags: ['holdfast', 'window', 'region:CZ', `hold:${hold.data.holdId}`] }];
    grafana.reply = (request) => {
      if (request.method === 'GET') {
        // As Grafana answers: the annotations carrying every tag asked for.
        const asked = new URL(request.path, 'http://grafana').searchParams.getAll('tags');
        return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(annotations.filter((annotation) => asked.every((tag) => annotation.tags.includes(tag)))) };
      }
      return request.method === 'POST' ? { status: 200, body: '{"message":"Annotation added","id":91}' } : { status: 200, body: '{"message":"Annotation patched"}' };
    };
    await notifier.subscribe({ channel: 'grafana', target: grafana.url, filters: { regions: ['CZ'] } });
    await publisher.publish(hold);

    await expectEventually(() => expect(grafana.requests.length - before).toBe(2));
    expect(grafana.requests.slice(before).map((request) => [request.method, request.path.replace(/\?.*/, '')])).toEqual([
      ['GET', '/api/annotations'],
      ['POST', '/api/annotations'],
    ]);
  });

  it('Grafana: a placement retried after Grafana made its annotation but returned no id finds that one by its hold tag instead of adding another', async () => {
    const before = grafana.requests.length;
    const hold = holdPlaced(['PL'], { until: '2026-06-14T23:00:00Z' });
    let made: object[] = [];
    grafana.reply = (request) => {
      if (request.method === 'GET') return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(made) };
      if (request.method !== 'POST') return { status: 200, body: '{"message":"Annotation patched"}' };
      // A proxy in front of Grafana that drops the body: the annotation exists, its id is not told.
      made = [{ id: 61, time: Date.parse(hold.data.from), timeEnd: Date.parse('2026-06-14T23:00:00Z'), tags: JSON.parse(request.body).tags }];
      return { status: 200, body: '' };
    };
    const { id } = await notifier.subscribe({ channel: 'grafana', target: grafana.url, filters: { regions: ['PL'] } });
    await publisher.publish(hold, holdReleased(hold, '2026-06-14T22:30:00Z'));
    const [retry] = await expectEventually(async () => {
      const placements = (await notifier.deliveries(`subscriptionId=${id}&status=pending`)).filter((delivery) => delivery.eventType === 'hold.placed');
      expect(placements).toMatchObject([{ attempts: 1, lastError: 'Grafana created the annotation but returned no id' }]);
      return placements;
    });
    await attemptsSettled(notifier, clock);
    clock.set(retry.nextAttemptAt);

    await expectEventually(() => expect(grafana.requests.length - before).toBe(5));
    expect(grafana.requests.slice(before).map((request) => [request.method, request.path.replace(/\?.*/, '')])).toEqual([
      ['GET', '/api/annotations'],
      ['POST', '/api/annotations'],
      ['GET', '/api/annotations'],
      ['PATCH', '/api/annotations/61'],
      ['PATCH', '/api/annotations/61'],
    ]);
    expect(JSON.parse(grafana.requests.at(-1)!.body)).toEqual({ timeEnd: Date.parse('2026-06-14T22:30:00Z') });
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}&status=delivered`)).toHaveLength(2));
  });

  it("Grafana: two subscriptions to one Grafana organisation each keep their own hold annotation; one's late placement never moves the other's", async () => {
    const hold = holdPlaced(['SE']);
    // Grafana as it answers: annotations kept with the token that made them, a search answering those carrying every tag asked for.
    const annotations: { id: number; time: number; timeEnd?: number; tags: string[]; madeBy: string; patchedBy: string[] }[] = [];
    let restarting = true;
    grafana.reply = (request) => {
      const token = String(request.headers.authorization);
      if (request.method === 'GET') {
        const asked = new URL(request.path, 'http://grafana').searchParams.getAll('tags');
        return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(annotations.filter((annotation) => asked.every((tag) => annotation.tags.includes(tag)))) };
      }
      if (request.method === 'POST') {
        // The second team's first attempt meets Grafana restarting: it is retried after the first team's release.
        if (token === 'Bearer glsa_second_team' && restarting) {
          restarting = false;
          return { status: 503, body: 'Grafana is restarting' };
        }
        const made = { id: 200 + annotations.length, ...(JSON.parse(request.body) as { time: number; timeEnd?: number; tags: string[] }), madeBy: token, patchedBy: [] as string[] };
        annotations.push(made);
        return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Annotation added', id: made.id }) };
      }
      const patched = annotations.find((annotation) => request.path === `/api/annotations/${annotation.id}`)!;
      Object.assign(patched, JSON.parse(request.body), { patchedBy: [...patched.patchedBy, token] });
      return { status: 200, body: '{"message":"Annotation patched"}' };
    };
    const first = await notifier.subscribe({ channel: 'grafana', target: grafana.url, secret: 'glsa_first_team', filters: { regions: ['SE'] } });
    // A team told only where holds start: nothing of its own would put right a release end it moved.
    const second = await notifier.subscribe({ channel: 'grafana', target: grafana.url, secret: 'glsa_second_team', filters: { regions: ['SE'], eventTypes: ['hold.placed'] } });
    await publisher.publish(hold, holdReleased(hold, '2026-06-14T23:30:00Z'));
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${first.id}&status=delivered`)).toHaveLength(2));
    const [retry] = await expectEventually(async () => {
      const pending = await notifier.deliveries(`subscriptionId=${second.id}&status=pending`);
      expect(pending).toMatchObject([{ eventType: 'hold.placed', attempts: 1 }]);
      return pending;
    });
    await attemptsSettled(notifier, clock);
    clock.set(retry.nextAttemptAt);

    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${second.id}&status=delivered`)).toHaveLength(1));
    expect(annotations.map(({ madeBy, time, timeEnd, patchedBy }) => ({ madeBy, time, timeEnd, patchedBy }))).toEqual([
      { madeBy: 'Bearer glsa_first_team', time: Date.parse(hold.data.from), timeEnd: Date.parse('2026-06-14T23:30:00Z'), patchedBy: ['Bearer glsa_first_team'] },
      // Sent after the release, which this team is not told of: ended at the release all the same.
      { madeBy: 'Bearer glsa_second_team', time: Date.parse(hold.data.from), timeEnd: Date.parse('2026-06-14T23:30:00Z'), patchedBy: [] },
    ]);
    expect(annotations.map((annotation) => annotation.tags.at(-1))).toEqual([`subscription:${first.id}`, `subscription:${second.id}`]);
  });

  it('Grafana: a dead placement replayed after its release went out ends its annotation at the release, not at the planned end', async () => {
    const before = grafana.requests.length;
    let nextId = 80;
    let permitted = false;
    grafana.reply = (request) => {
      if (request.method === 'GET') return noneFound;
      // The token could not write annotations when the hold was placed; its team has fixed that since.
      if (!permitted) {
        permitted = true;
        return { status: 403, body: '{"message":"You\'ll need additional permissions to perform this action."}' };
      }
      return request.method === 'POST' ? { status: 200, body: JSON.stringify({ message: 'Annotation added', id: nextId++ }) } : { status: 200, body: '{"message":"Annotation patched"}' };
    };
    const { id } = await notifier.subscribe({ channel: 'grafana', target: grafana.url, filters: { regions: ['LT'] } });
    const hold = holdPlaced(['LT'], { until: '2026-06-15T04:00:00Z' });
    await publisher.publish(hold, holdReleased(hold, '2026-06-14T23:30:00Z'));
    const [dead] = await expectEventually(async () => {
      expect(await notifier.deliveries(`subscriptionId=${id}&status=delivered`)).toMatchObject([{ eventType: 'hold.released' }]);
      const placements = await notifier.deliveries(`subscriptionId=${id}&status=dead`);
      expect(placements).toMatchObject([{ eventType: 'hold.placed' }]);
      return placements;
    });

    expect((await notifier.call('POST', `/v1/deliveries/${dead.id}/replay`)).status).toBe(202);

    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}&status=delivered`)).toHaveLength(2));
    const sent = grafana.requests.slice(before).filter(changes).map((request) => [request.method, request.path, JSON.parse(request.body)]);
    expect(sent).toEqual([
      ['POST', '/api/annotations', expect.objectContaining({ time: Date.parse(hold.data.from), timeEnd: Date.parse('2026-06-15T04:00:00Z') })],
      // The release found no annotation of the hold: a point at its time.
      ['POST', '/api/annotations', expect.objectContaining({ time: Date.parse('2026-06-14T23:30:00Z') })],
      ['POST', '/api/annotations', expect.objectContaining({ time: Date.parse(hold.data.from), timeEnd: Date.parse('2026-06-14T23:30:00Z') })],
    ]);
  });

  it("Grafana: a subscription moved to another Grafana never moves an annotation there by the id its hold's annotation had in the old one", async () => {
    const before = grafana.requests.length;
    // Two Grafana instances behind one proxy, each under its own path; the old one is retired once the hold is annotated there.
    let retired = false;
    grafana.reply = (request) => {
      if (request.method === 'GET') return noneFound;
      if (request.path.startsWith('/eu/')) {
        if (retired) return { status: 503, body: 'retired' };
        retired = true;
        return { status: 200, body: '{"message":"Annotation added","id":7}' };
      }
      // In the new Grafana, 7 is someone else's annotation.
      return request.method === 'POST' ? { status: 200, body: '{"message":"Annotation added","id":12}' } : { status: 200, body: '{"message":"Annotation patched"}' };
    };
    const { id } = await notifier.subscribe({ channel: 'grafana', target: `${grafana.url}/eu`, filters: { regions: ['LV'] } });
    const hold = holdPlaced(['LV']);
    await publisher.publish(hold);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}&status=delivered`)).toHaveLength(1));
    expect((await notifier.call('PATCH', `/v1/subscriptions/${id}`, { target: `${grafana.url}/us` })).status).toBe(200);

    await publisher.publish(holdReleased(hold, '2026-06-14T23:30:00Z'));
    await expectEventually(async () => {
      // Past the retry of a release sent to the old Grafana by a worker that read the subscription within the second before;
      // only while it waits for that retry, never past the lease of an attempt in flight.
      const release = (await notifier.deliveries(`subscriptionId=${id}`)).find((delivery) => delivery.eventType === 'hold.released');
      if (release?.status === 'pending' && Date.parse(release.nextAttemptAt) > clock.nowMs()) clock.advance(2_000);
      expect(await notifier.deliveries(`subscriptionId=${id}&status=delivered`)).toHaveLength(2);
    });
    const moved = grafana.requests.slice(before).filter((request) => request.path.startsWith('/us/'));
    expect(moved.map((request) => [request.method, request.path, JSON.parse(request.body)])).toEqual([
      ['POST', '/us/api/annotations', expect.objectContaining({ time: Date.parse('2026-06-14T23:30:00Z'), tags: expect.arrayContaining([`hold:${hold.data.holdId}`]) })],
    ]);
  });

  it('Grafana: a hold released before its start ends its annotation where it starts, never before', async () => {
    const before = grafana.requests.length;
    grafana.reply = (request) =>
      request.method === 'GET' ? noneFound : request.method === 'POST' ? { status: 200, body: '{"message":"Annotation added","id":71}' } : { status: 200, body: '{"message":"Annotation patched"}' };
    await notifier.subscribe({ channel: 'grafana', target: grafana.url, filters: { regions: ['HU'] } });
    const hold = holdPlaced(['HU'], { from: '2026-06-15T02:00:00Z', until: '2026-06-15T04:00:00Z' });
    await publisher.publish(hold, holdReleased(hold, '2026-06-14T23:30:00Z'));

    await expectEventually(() => expect(grafana.requests.slice(before).filter(changes)).toHaveLength(2));
    const [created, ended] = grafana.requests.slice(before).filter(changes);
    expect(JSON.parse(created.body)).toMatchObject({ time: Date.parse('2026-06-15T02:00:00Z') });
    expect(ended.path).toBe('/api/annotations/71');
    expect(JSON.parse(ended.body)).toEqual({ timeEnd: Date.parse('2026-06-15T02:00:00Z') });
  });

  it("Grafana: a target kept from before with a query and a fragment is annotated under its base URL's path, not where the text joined onto it led", async () => {
    const before = grafana.requests.length;
    grafana.reply = (request) =>
      request.method === 'GET' ? noneFound : request.method === 'POST' ? { status: 200, body: '{"message":"Annotation added","id":83}' } : { status: 200, body: '{"message":"Annotation patched"}' };
    const { id } = await notifier.subscribe({ channel: 'grafana', target: `${grafana.url}/gf`, filters: { regions: ['SI'] } });
    // Refused now when subscribing, such a target may have been taken before.
    await service.app.get(DataSource).query('UPDATE subscription SET target = $2 WHERE id = $1', [id, `${grafana.url}/gf?orgId=1#x`]);
    const hold = holdPlaced(['SI']);
    await publisher.publish(hold, holdReleased(hold, '2026-06-14T23:30:00Z'));

    await expectEventually(() => expect(grafana.requests.slice(before)).toHaveLength(3));
    expect(grafana.requests.slice(before).map((request) => [request.method, request.path.split('?')[0]])).toEqual([
      ['GET', '/gf/api/annotations'],
      ['POST', '/gf/api/annotations'],
      ['PATCH', '/gf/api/annotations/83'],
    ]);
  });

  it('Slack: a lost and a restored signal, for the subscribed region only, in order', async () => {
    await notifier.subscribe({ channel: 'slack', target: `${slack.url}/services/T1/B2/signals`, filters: { eventTypes: ['signal.lost', 'signal.restored'], regions: ['BR'] } });
    const lost = createEvent('signal.lost', { ...EventExamples['signal.lost'], region: 'BR', reason: 'No http_requests_per_second sample from BR for 11 minutes (allowed: 10)' }, { source: 'notifier-spec' });
    const elsewhere = createEvent('signal.lost', { ...EventExamples['signal.lost'], region: 'AR' }, { source: 'notifier-spec' });
    const restored = createEvent('signal.restored', { ...EventExamples['signal.restored'], region: 'BR', reason: 'Samples of http_requests_per_second from BR are arriving again' }, { source: 'notifier-spec' });
    await publisher.publish(elsewhere);
    await publisher.publish(lost);
    await publisher.publish(restored);

    const signals = () => slack.requests.filter((request) => request.path === '/services/T1/B2/signals').map((request) => JSON.parse(request.body) as { text: string; blocks: { fields?: { text: string }[] }[] });
    await expectEventually(() => expect(signals()).toHaveLength(2));
    const [lostMessage, restoredMessage] = signals();
    expect(lostMessage.text).toBe('Signal lost in BR: No http_requests_per_second sample from BR for 11 minutes (allowed: 10) (until samples return; maintenance is not held for it)');
    // 15:06 UTC is 12:06 in São Paulo (UTC-3, no summer time since 2019).
    expect(lostMessage.blocks[1].fields?.map((field) => field.text)).toEqual([
      '*What*\nno http_requests_per_second samples since Mon 15 Jun 14:55 UTC (11 min silent)',
      '*Why*\nNo http_requests_per_second sample from BR for 11 minutes (allowed: 10)',
      '*Until*\nuntil samples return; maintenance is not held for it',
      '*Local time*\n*BR* from Mon 15 Jun 12:06 America/Sao_Paulo (UTC-03:00)',
    ]);
    expect(restoredMessage.text).toBe('Signal restored in BR: Samples of http_requests_per_second from BR are arriving again (lost Mon 15 Jun 15:06 UTC, restored Mon 15 Jun 15:20 UTC)');
    // A moment, said as what happened then; and the link opens the region's week, no hold being in question.
    expect(restoredMessage.blocks[1].fields?.[3].text).toBe('*Local time*\n*BR* restored Mon 15 Jun 12:20 America/Sao_Paulo (UTC-03:00)');
    expect(JSON.stringify(restoredMessage.blocks[2])).toContain('calendar?region=BR|Open the week page>');
  });
});
