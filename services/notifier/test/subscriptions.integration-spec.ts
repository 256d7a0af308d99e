import { everyPage, expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifierService } from '../src/app.module';
import { HttpReceiver } from './support/http-receiver';
import { api, json } from './support/notifier-fixtures';

interface Problem {
  status: number;
  code: string;
  errors?: { path: string; message: string }[];
}

describe('notifier /v1/subscriptions', () => {
  let service: ServiceUnderTest<ReturnType<typeof notifierService.configFromEnvironment>>;
  let receiver: HttpReceiver;
  let notifier: ReturnType<typeof api>;
  // Still unless a spec moves it, so subscriptions can be made in one millisecond.
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    service = await startServiceUnderTest(notifierService, { clock, environment: { NOTIFIER_OUTBOUND_ALLOW: receiver.allowEntry, NOTIFIER_WORKER_POLL_MS: '50' } });
    notifier = api(service);
  });

  afterAll(async () => {
    await service?.close();
    await receiver?.close();
  });

  it('names every wrong field of a subscription', async () => {
    const response = await notifier.call('POST', '/v1/subscriptions', { channel: 'pager', target: 'ftp://x', filters: { eventTypes: ['hold.exploded'] } });
    expect(response.status).toBe(400);
    const problem = await json<Problem>(response);
    expect(problem.errors?.map((error) => error.path).sort()).toEqual(['channel', 'filters.eventTypes.0', 'ownerTeam', 'target']);
    // A team no key could be issued for owns no window: a filter naming one would never match.
    const strangeTeams = await json<Problem>(await notifier.call('POST', '/v1/subscriptions', { channel: 'webhook', target: receiver.url, ownerTeam: 'Ops Team', filters: { teams: ['network-ops', 'Network Ops'] } }));
    expect(strangeTeams.errors?.map((error) => error.path).sort()).toEqual(['filters.teams.1', 'ownerTeam']);
  });

  it('refuses what parses but cannot work: a bad signing secret, an unknown region, a private target, a secret for Slack, credentials in a target, a receiver secret no header can carry', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ channel: 'webhook', target: receiver.url, secret: 'hunter2' }, 'secret', /whsec_/],
      [{ channel: 'webhook', target: receiver.url, filters: { regions: ['XX'] } }, 'filters.regions', /Unknown region XX/],
      [{ channel: 'webhook', target: 'http://10.0.0.8/hook' }, 'target', /private address/],
      [{ channel: 'slack', target: 'https://hooks.slack.com/services/T/B/x', secret: 'token' }, 'secret', /incoming-webhook URL/],
      // Stored and listed in clear, unlike a secret: refused, with what to use instead.
      [{ channel: 'alertmanager', target: 'https://ops:hunter2@alertmanager.example.com' }, 'target', /must not carry a user name or password .*give "Basic " and the base64 of user:password as secret/],
      // A secret that would break the Authorization header, or credentials not in the form a header takes, are told at once, not at the first delivery.
      [{ channel: 'alertmanager', target: 'https://alertmanager.example.com', secret: 'ops:hunter2' }, 'secret', /^must be a token \(sent as a Bearer token\), or "Basic " followed by the base64 of user:password/],
      [{ channel: 'grafana', target: 'https://grafana.example.com', secret: 'glsa_token\r\nX-Injected: yes' }, 'secret', /^must be a token/],
      [{ channel: 'webhook', target: 'https://ops@hooks.example.com/holdfast' }, 'target', /the receiver checks the signature/],
      // The API path is joined onto a Grafana or Alertmanager base URL's path: a query or fragment would swallow it.
      [{ channel: 'grafana', target: 'https://grafana.example.com/?orgId=1' }, 'target', /^must be Grafana's base URL, without a query or fragment: .*the organisation is the token's/],
      [{ channel: 'grafana', target: 'https://grafana.example.com/gf#x' }, 'target', /^must be Grafana's base URL, without a query or fragment/],
      [{ channel: 'alertmanager', target: 'https://alertmanager.example.com/amq?org=1' }, 'target', /^must be Alertmanager's base URL, without a query or fragment: .*takes no query/],
      [{ channel: 'alertmanager', target: 'https://alertmanager.example.com/am#x' }, 'target', /^must be Alertmanager's base URL, without a query or fragment/],
      // A name is resolved when the subscription is made, so one that only reaches refused addresses is told at once.
      [{ channel: 'webhook', target: 'http://localhost:1/hook' }, 'target', /^is refused: localhost resolves to an address refused here: 127\.0\.0\.1 is a loopback address/],
    ];
    for (const [body, path, message] of cases) {
      const response = await notifier.call('POST', '/v1/subscriptions', { ownerTeam: 'edge', ...body });
      expect(response.status).toBe(422);
      const problem = await json<Problem>(response);
      expect(problem).toMatchObject({ code: 'invalid-subscription', errors: [{ path, message: expect.stringMatching(message) }] });
    }
  });

  it('takes a host name that resolves to an allowed address, and one that does not resolve yet', async () => {
    const port = new URL(receiver.url).port;
    for (const target of [`http://localhost:${port}/hook`, 'https://hooks.holdfast-receiver.invalid/hook']) {
      const response = await notifier.call('POST', '/v1/subscriptions', { ownerTeam: 'edge', channel: 'webhook', target });
      expect(response.status, target).toBe(201);
      // Gone again, so the listings of the tests after see only their own.
      expect((await notifier.call('DELETE', `/v1/subscriptions/${(await json<{ id: string }>(response)).id}`)).status).toBe(204);
    }
  });

  it('returns a secret only when it is created, and never the Slack URL', async () => {
    // A country's code in either case, kept in upper case, as the planner and the analyzer take it.
    const webhook = await notifier.subscribe({ channel: 'webhook', target: `${receiver.url}/a`, filters: { regions: ['ir', 'NP'], eventTypes: ['hold.placed'] } });
    const slack = await notifier.subscribe({ channel: 'slack', target: 'https://hooks.slack.com/services/T000/B000/XXXXSECRET' });
    expect(webhook.secret).toMatch(/^whsec_/);
    expect(slack.secret).toBeUndefined();

    const listed = await (await notifier.call('GET', '/v1/subscriptions')).text();
    expect(listed).not.toContain(webhook.secret?.slice(6));
    expect(listed).not.toContain('XXXXSECRET');
    expect(JSON.parse(listed).items).toMatchObject([
      { id: webhook.id, channel: 'webhook', hasSecret: true, filters: { regions: ['IR', 'NP'], eventTypes: ['hold.placed'], teams: [], windowIds: [] } },
      { id: slack.id, channel: 'slack', target: 'https://hooks.slack.com/…', hasSecret: true },
    ]);
    // By team, and a mistyped filter is refused rather than read as "every team".
    const ofTeam = async (team: string) => ((await (await notifier.call('GET', `/v1/subscriptions?ownerTeam=${team}`)).json()) as { items: { id: string }[] }).items.map((item) => item.id);
    expect(await ofTeam('edge')).toEqual([webhook.id, slack.id]);
    expect(await ofTeam('storage')).toEqual([]);
    const mistyped = await notifier.call('GET', '/v1/subscriptions?owner=edge');
    expect(mistyped.status).toBe(400);
    expect(await mistyped.json()).toMatchObject({ code: 'invalid-query', errors: [{ path: 'owner' }] });
    // At rest too: the table holds AES-GCM sealed text only.
    const stored = JSON.stringify(await service.app.get(DataSource).query('SELECT * FROM subscription'));
    expect(stored).not.toContain('XXXXSECRET');
    expect(stored).not.toContain(webhook.secret?.slice(6));
  });

  it('updates, test-sends and deletes a subscription', async () => {
    const { id } = await notifier.subscribe({ channel: 'webhook', target: `${receiver.url}/old` });
    const updated = await notifier.call('PATCH', `/v1/subscriptions/${id}`, { target: `${receiver.url}/new`, filters: { teams: ['core'] }, description: 'on-call hook' });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ target: `${receiver.url}/new`, filters: { teams: ['core'], regions: [] }, description: 'on-call hook' });
    expect((await notifier.call('PATCH', `/v1/subscriptions/${id}`, {})).status).toBe(400);

    const test = await notifier.call('POST', `/v1/subscriptions/${id}/test`);
    expect(test.status).toBe(202);
    const { deliveryId } = await json<{ deliveryId: string }>(test);
    await expectEventually(async () => expect(await (await notifier.call('GET', `/v1/deliveries/${deliveryId}`)).json()).toMatchObject({ status: 'delivered', eventType: 'notifier.test' }));
    expect(receiver.requests.at(-1)).toMatchObject({ path: '/new' });
    expect(JSON.parse(receiver.requests.at(-1)?.body ?? '{}')).toMatchObject({ type: 'notifier.test', data: { subscriptionId: id } });

    expect((await notifier.call('DELETE', `/v1/subscriptions/${id}`)).status).toBe(204);
    expect(await json<Problem>(await notifier.call('GET', `/v1/subscriptions/${id}`))).toMatchObject({ status: 404, code: 'subscription-not-found' });
    // Its history stays.
    expect((await notifier.call('GET', `/v1/deliveries/${deliveryId}`)).status).toBe(200);
  });

  it("gives a subscription its version as a strong ETag, the one creating it gives (with its Location) included, and answers a change whose If-Match names another 412", async () => {
    const created = await notifier.call('POST', '/v1/subscriptions', { ownerTeam: 'edge', channel: 'webhook', target: `${receiver.url}/tagged` });
    expect(created.status).toBe(201);
    // Express's body hash (W/"...") was the ETag here, which no If-Match could name.
    expect(created.headers.get('etag')).toBe('"1"');
    const { id, version } = await json<{ id: string; version: number }>(created);
    expect(version).toBe(1);
    expect(created.headers.get('location')).toBe(`/v1/subscriptions/${id}`);
    const read = await notifier.call('GET', `/v1/subscriptions/${id}`);
    expect(read.headers.get('etag')).toBe('"1"');

    const renamed = await notifier.call('PATCH', `/v1/subscriptions/${id}`, { description: 'tagged' }, { 'if-match': created.headers.get('etag')! });
    expect(renamed.status).toBe(200);
    expect(renamed.headers.get('etag')).toBe('"2"');
    expect(await renamed.json()).toMatchObject({ version: 2, description: 'tagged' });
    // The one it gave before is stale now: 412, naming the version and ETag it is at, and nothing changed.
    const stale = await notifier.call('PATCH', `/v1/subscriptions/${id}`, { description: 'lost update' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({
      code: 'precondition-failed',
      currentVersion: 2,
      detail: `Subscription ${id} is at version 2 (ETag "2"), not "1" as If-Match says: read it again (GET /v1/subscriptions/${id}) for its new ETag, then reapply your change.`,
    });
    expect(await (await notifier.call('GET', `/v1/subscriptions/${id}`)).json()).toMatchObject({ version: 2, description: 'tagged' });
    expect(await json<Problem>(await notifier.call('PATCH', `/v1/subscriptions/${id}`, { description: 'x' }, { 'if-match': 'W/"1f-Kx3mV0"' }))).toMatchObject({ status: 400, code: 'invalid-version' });
    // Weak, as a compressing proxy passes it on; and without If-Match a change applies whatever the version, as before.
    expect((await notifier.call('PATCH', `/v1/subscriptions/${id}`, { enabled: false }, { 'if-match': 'W/"2"' })).headers.get('etag')).toBe('"3"');
    expect(await (await notifier.call('PATCH', `/v1/subscriptions/${id}`, { enabled: true })).json()).toMatchObject({ version: 4 });

    const rotated = await notifier.call('POST', `/v1/subscriptions/${id}/secret/rotate`, undefined, { 'if-match': '"4"' });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('etag')).toBe('"5"');
    expect((await notifier.call('POST', `/v1/subscriptions/${id}/secret/rotate`, undefined, { 'if-match': '"4"' })).status).toBe(412);

    expect(await json<Problem>(await notifier.call('DELETE', `/v1/subscriptions/${id}`, undefined, { 'if-match': '"4"' }))).toMatchObject({ status: 412, code: 'precondition-failed' });
    expect((await notifier.call('DELETE', `/v1/subscriptions/${id}`, undefined, { 'if-match': '"5"' })).status).toBe(204);
  });

  it('refuses a second subscription sending the same events to the same receiver for the team, naming the first; another team, other filters or one turned off are no such second', async () => {
    const webhook = { ownerTeam: 'twice', channel: 'webhook', target: `${receiver.url}/twice`, filters: { eventTypes: ['hold.placed', 'hold.released'], regions: ['IR', 'NP'] } };
    const first = await notifier.subscribe(webhook);
    // A setup script run again, its filters listed in another order: every event would reach the receiver twice.
    const again = await notifier.call('POST', '/v1/subscriptions', { ...webhook, filters: { regions: ['NP', 'IR'], eventTypes: ['hold.released', 'hold.placed'] } });
    expect(again.status).toBe(409);
    const problem = await json<Problem & { detail: string; subscriptionId: string }>(again);
    expect(problem).toMatchObject({ code: 'subscription-exists', subscriptionId: first.id });
    expect(problem.detail).toMatch(new RegExp(`^Subscription ${first.id} \\(made \\S+ by [^)]+\\) already sends these events to this receiver for this team: a second would deliver each one twice\\. Use it \\(GET /v1/subscriptions/${first.id}\\); a lost webhook secret is replaced with POST /v1/subscriptions/${first.id}/secret/rotate`));
    expect(((await json<{ items: { id: string }[] }>(await notifier.call('GET', '/v1/subscriptions?ownerTeam=twice'))).items).map((item) => item.id)).toEqual([first.id]);

    expect((await notifier.call('POST', '/v1/subscriptions', { ...webhook, ownerTeam: 'twice-other' })).status).toBe(201);
    expect((await notifier.call('POST', '/v1/subscriptions', { ...webhook, filters: { ...webhook.filters, regions: ['IR'] } })).status).toBe(201);
    expect((await notifier.call('POST', '/v1/subscriptions', { ...webhook, enabled: false })).status).toBe(201);
    expect((await notifier.call('PATCH', `/v1/subscriptions/${first.id}`, { enabled: false })).status).toBe(200);
    const second = await notifier.subscribe(webhook);
    // Turned on again, or changed into the same, the first would be a second one sending the same events.
    expect(await json<Problem & { subscriptionId: string }>(await notifier.call('PATCH', `/v1/subscriptions/${first.id}`, { enabled: true }))).toMatchObject({
      status: 409,
      code: 'subscription-exists',
      subscriptionId: second.id,
    });
    const narrower = await notifier.subscribe({ ...webhook, filters: { ...webhook.filters, regions: ['NP'] } });
    expect((await notifier.call('PATCH', `/v1/subscriptions/${narrower.id}`, { filters: webhook.filters })).status).toBe(409);
    expect((await notifier.call('PATCH', `/v1/subscriptions/${narrower.id}`, { description: 'only NP' })).status).toBe(200);

    // A Slack receiver is its whole URL, sealed: another channel's webhook on the same host is no second.
    const slack = { ownerTeam: 'twice', channel: 'slack', target: `${receiver.url}/services/T1/B1/one` };
    await notifier.subscribe(slack);
    expect(await json<Problem>(await notifier.call('POST', '/v1/subscriptions', slack))).toMatchObject({ status: 409, code: 'subscription-exists' });
    expect((await notifier.call('POST', '/v1/subscriptions', { ...slack, target: `${receiver.url}/services/T1/B2/two` })).status).toBe(201);
  });

  it('takes another spelling of a receiver URL for the same receiver (scheme and host case, a zero-led port, an escaped letter, a fragment), keeping each target as written', async () => {
    const webhook = { ownerTeam: 'spelled', channel: 'webhook', target: `${receiver.url}/ops`, filters: { teams: ['r3-ops'] } };
    const first = await notifier.subscribe(webhook);
    const spellings = [`${receiver.url}/ops#x`, `HTTP://127.0.0.1:${receiver.port}/ops`, `http://127.0.0.1:0${receiver.port}/ops`, `${receiver.url}/%6Fps`, `${receiver.url}/./ops`];
    for (const target of spellings) {
      expect(await json<Problem & { subscriptionId: string }>(await notifier.call('POST', '/v1/subscriptions', { ...webhook, target })), target).toMatchObject({
        status: 409,
        code: 'subscription-exists',
        subscriptionId: first.id,
      });
    }
    // Pointed at the first's receiver, written another way, another subscription would be a second one too.
    const elsewhere = await notifier.subscribe({ ...webhook, target: `${receiver.url}/ops/` });
    for (const target of spellings) {
      expect(await json<Problem>(await notifier.call('PATCH', `/v1/subscriptions/${elsewhere.id}`, { target })), target).toMatchObject({ status: 409, code: 'subscription-exists' });
    }
    // Another path, or another port, is another receiver; a target is kept and shown as it was written.
    const written = `HTTP://127.0.0.1:0${receiver.port}/%6Fps?Team=r3#ops`;
    expect(await json<{ target: string }>(await notifier.call('POST', '/v1/subscriptions', { ...webhook, target: written }))).toMatchObject({ target: written });
    expect((await notifier.call('POST', '/v1/subscriptions', { ...webhook, target: `${receiver.url}/Ops` })).status).toBe(201);

    // A Slack receiver, its whole URL sealed, is compared the same way.
    const slack = { ownerTeam: 'spelled', channel: 'slack', target: `${receiver.url}/services/T1/B1/one` };
    const slackFirst = await notifier.subscribe(slack);
    expect(await json<Problem & { subscriptionId: string }>(await notifier.call('POST', '/v1/subscriptions', { ...slack, target: `HTTP://127.0.0.1:${receiver.port}/services/T1/B1/%6Fne#x` }))).toMatchObject({
      status: 409,
      code: 'subscription-exists',
      subscriptionId: slackFirst.id,
    });
  });

  it('takes a Grafana or Alertmanager base URL with a trailing slash for the same receiver, and refuses a PATCH giving one a query', async () => {
    for (const channel of ['grafana', 'alertmanager']) {
      const first = await notifier.subscribe({ ownerTeam: 'slashed', channel, target: `${receiver.url}/g` });
      for (const target of [`${receiver.url}/g/`, `${receiver.url}/g//`]) {
        expect(await json<Problem & { subscriptionId: string }>(await notifier.call('POST', '/v1/subscriptions', { ownerTeam: 'slashed', channel, target })), `${channel} ${target}`).toMatchObject({
          status: 409,
          code: 'subscription-exists',
          subscriptionId: first.id,
        });
      }
      const patched = await notifier.call('PATCH', `/v1/subscriptions/${first.id}`, { target: `${receiver.url}/g?orgId=1` });
      expect(await json<Problem>(patched)).toMatchObject({ status: 422, code: 'invalid-subscription', errors: [{ path: 'target', message: expect.stringContaining('without a query or fragment') }] });
    }
  });

  it('pages through subscriptions oldest first, each once, those made in one millisecond included; a cursor it did not give out is a 400', async () => {
    const subscribeAt = async (instant: string, count: number): Promise<string[]> => {
      clock.set(instant);
      const ids: string[] = [];
      for (let made = 0; made < count; made++) ids.push((await notifier.subscribe({ ownerTeam: 'paging', channel: 'webhook', target: `${receiver.url}/paged/${instant}/${made}` })).id);
      return ids;
    };
    // The later ones are made first, so the order is seen to be by time before id.
    const later = await subscribeAt('2026-06-14T21:00:01Z', 2);
    const earlier = await subscribeAt('2026-06-14T21:00:00Z', 3);
    await notifier.subscribe({ ownerTeam: 'other', channel: 'webhook', target: `${receiver.url}/paged` });

    const pages = await everyPage<{ id: string; createdAt: string }>((cursor) => notifier.call('GET', `/v1/subscriptions?ownerTeam=paging&limit=2${cursor ? `&cursor=${cursor}` : ''}`));
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    const paged = pages.flat();
    expect(paged.map((subscription) => subscription.id)).toEqual([...[...earlier].sort(), ...[...later].sort()]);
    expect(paged.map((subscription) => subscription.createdAt)).toEqual([...Array<string>(3).fill('2026-06-14T21:00:00.000Z'), ...Array<string>(2).fill('2026-06-14T21:00:01.000Z')]);

    const forged = await notifier.call('GET', '/v1/subscriptions?cursor=bm90LWEtY3Vyc29y');
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ code: 'invalid-cursor', errors: [{ path: 'cursor' }] });
    const tooMany = await notifier.call('GET', '/v1/subscriptions?limit=1001');
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ code: 'invalid-query', errors: [{ path: 'limit' }] });
  });
});
