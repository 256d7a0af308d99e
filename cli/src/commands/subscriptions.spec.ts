import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, keyedStandInService, newRunKey, specIo, standInService, type Answer, type Asked } from '../testing/stand-in-service';

const ID = '0190e0c8-0000-7000-8000-00000000000a';
const DELIVERY = '0190e0c8-0000-7000-8000-00000000000d';
const GONE = 'http://127.0.0.1:8443 answered 410 Gone at 2026-06-14T19:00:00.000Z (delivery 0190e0c8-0000-7000-8000-00000000000c): the receiver takes no more deliveries.';

const subscription = {
  id: ID,
  channel: 'webhook',
  target: 'https://hooks.example.org/holdfast',
  ownerTeam: 'network-ops',
  hasSecret: true,
  description: null,
  enabled: false,
  disabledReason: GONE,
  filters: { eventTypes: ['hold.placed'], regions: ['IR', 'NP'], teams: [], windowIds: [] },
  createdBy: 'team:network-ops',
  createdAt: '2026-06-01T08:00:00.000Z',
  updatedAt: '2026-06-14T19:00:00.000Z',
};

const attempt = (statusCode: number | null, outcome: string, error: string | null) => ({ number: 1, startedAt: '2026-06-14T20:00:00.120Z', durationMs: 35, statusCode, error, outcome });
const delivery = (attemptLog: unknown[]) => ({ id: DELIVERY, subscriptionId: ID, targetKey: 'https://hooks.example.org:443', status: attemptLog.length ? 'delivered' : 'pending', attemptLog });

describe('holdfast subscriptions show, update and test', () => {
  afterEach(closeStandIns);

  /** The CLI against a stand-in notifier; `TZ` sets the zone of "here", `stdin` what is piped in. */
  const holdfast = async (args: string[], answer: (asked: Asked) => Answer, files: Record<string, string> = {}, { TZ = 'UTC', stdin = '' } = {}) => {
    const notifier = await standInService(answer);
    const { io, said } = specIo(files, stdin);
    io.env = { ...io.env, TZ };
    const code = await run([...args, '--notifier-url', notifier.url], io);
    return { code, said, asked: notifier.asked };
  };

  it('shows one turned off by its receiver as such, with the reason the notifier wrote', async () => {
    const { code, said, asked } = await holdfast(['subscriptions', 'show', ID], () => ({ body: subscription }));
    expect(code).toBe(ExitCode.ok);
    expect(asked.map(({ method, url }) => `${method} ${url}`)).toEqual([`GET /v1/subscriptions/${ID}`]);
    expect(said.out).toMatch(/^state: +disabled \(receiver gone: 410\)$/m);
    expect(said.out).toMatch(/^why: +http:\/\/127\.0\.0\.1:8443 answered 410 Gone at .+: the receiver takes no more deliveries\.$/m);
    // The notifier's reason words turning it on for HTTP: the command that does it instead.
    const told = await holdfast(['subscriptions', 'show', ID], () => ({ body: { ...subscription, disabledReason: `${GONE} PATCH {"enabled": true} once it does, which sends this delivery and what it missed since, in order.` } }));
    expect(told.said.out).toContain(`the receiver takes no more deliveries. holdfast subscriptions update ${ID} --enabled true once it does, which sends`);
    expect(said.out).toMatch(/^filters: +event types: hold\.placed\n +regions: IR, NP$/m);
    expect(said.out).toMatch(/^created: +2026-06-01 08:00 UTC by team:network-ops$/m);
  });

  it('changes it from flags over a file, turning it back on, and says its dead deliveries wait for a replay', async () => {
    const files = { 'changes.yaml': 'description: old\ntarget: https://hooks.example.org/v2\n' };
    const { code, said, asked } = await holdfast(
      ['subscriptions', 'update', ID, '--file', 'changes.yaml', '--enabled', 'true', '--description', 'paged on holds'],
      ({ body }) => ({ body: { ...subscription, ...(body as object), disabledReason: null } }),
      files,
    );
    expect(code).toBe(ExitCode.ok);
    expect(asked).toEqual([{ method: 'PATCH', url: `/v1/subscriptions/${ID}`, body: { description: 'paged on holds', target: 'https://hooks.example.org/v2', enabled: true } }]);
    expect(said.out).toMatch(/^state: +enabled$/m);
    expect(said.out).toContain(`what waited while it was off (and any delivery its receiver refused with 410) is sent now, in order; deliveries that died of another failure wait for holdfast deliveries replay --subscription ${ID}\n`);
  });

  it('names the flag beside a field the notifier refuses', async () => {
    const refusal = { status: 400, title: 'Bad Request', code: 'invalid-body', detail: 'The request body is invalid.', errors: [{ path: 'target', message: 'is refused: 10.0.0.8 is a private address' }] };
    const { code, said } = await holdfast(['subscriptions', 'update', ID, '--target', 'http://10.0.0.8/'], () => ({ status: 400, body: refusal }));
    expect(code).toBe(ExitCode.error);
    expect(said.err).toBe('holdfast: The request body is invalid. (invalid-body)\n  target (--target): is refused: 10.0.0.8 is a private address\n');
  });

  it("replaces a webhook's signing secrets at once with one read from standard input, saying every receiver needs it now", async () => {
    const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
    const webhook = { ...subscription, enabled: true, disabledReason: null, previousSecretUntil: null, previousSecrets: [] };
    const { code, said, asked } = await holdfast(['subscriptions', 'update', ID, '--secret', '-'], () => ({ body: webhook }), {}, { stdin: `${SECRET}\nignored\n` });
    expect(code, said.err).toBe(ExitCode.ok);
    expect(asked).toEqual([{ method: 'PATCH', url: `/v1/subscriptions/${ID}`, body: { secret: SECRET } }]);
    expect(said.linesRead).toBe(1);
    expect(said.out).toMatch(/^secret: +set \(never shown\)\nfilters:/m);
    expect(said.out).toContain('signing secret replaced at once: deliveries carry the new signature only, so every receiver needs the new secret now\n');
    const token = await holdfast(['subscriptions', 'update', ID, '--secret', '-', '--json'], () => ({ body: { ...webhook, channel: 'grafana' } }), {}, { stdin: 'glsa_token\n' });
    expect(token.asked[0].body).toEqual({ secret: 'glsa_token' });
    expect(JSON.parse(token.said.out)).toMatchObject({ channel: 'grafana' });
  });

  it("takes a Slack subscription's incoming-webhook URL, its credential, from standard input with --target -", async () => {
    const url = 'https://hooks.slack.com/services/T000/B000/NEWSECRETPART';
    const { code, said, asked } = await holdfast(['subscriptions', 'update', ID, '--target', '-'], () => ({ body: { ...subscription, channel: 'slack', target: 'https://hooks.slack.com/services/T000/B000/…' } }), {}, { stdin: `${url}\n` });
    expect(code, said.err).toBe(ExitCode.ok);
    expect(asked[0].body).toEqual({ target: url });
    expect(said.out).not.toContain('signing secret replaced');
  });

  it('says in help that --secret - replaces every signing secret of a webhook at once', async () => {
    const { io, said } = specIo();
    expect(await run(['subscriptions', 'update', '--help'], io)).toBe(ExitCode.ok);
    expect(said.out).toMatch(/^usage: holdfast subscriptions update ID .*\[--target URL\|-\] \[--secret -\]/m);
    expect(said.out).toContain("--secret - reads its new secret or token from standard input (a webhook's replaces every signing secret at once");
  });

  it('exits 2 when told nothing to change, or --enabled is not true or false', async () => {
    for (const [args, message] of [
      [[], 'give what to change: --enabled true|false, --target URL, --secret -, --description TEXT or --file changes.yaml'],
      [['--enabled', 'yes'], '--enabled must be one of true, false, not yes'],
    ] as const) {
      const { io, said } = specIo();
      expect(await run(['subscriptions', 'update', ID, ...args], io)).toBe(ExitCode.usage);
      expect(said.err).toContain(message);
    }
  });

  /** A notifier taking a test of `subscribed` and answering its delivery with `tried` (the Nth poll's answer, given N). */
  const testOf =
    (tried: (poll: number) => unknown, subscribed: object = subscription) =>
    ({ method, url }: Asked): Answer => {
      if (method === 'POST') return { status: 202, body: { deliveryId: DELIVERY, status: 'pending' } };
      return url === `/v1/subscriptions/${ID}` ? { body: subscribed } : { body: tried(++polls) };
    };
  let polls = 0;
  beforeEach(() => (polls = 0));

  it("test: waits for the worker's first try and prints what the receiver answered, sent to the subscription's target as show gives it", async () => {
    const { code, said, asked } = await holdfast(['subscriptions', 'test', ID], testOf((poll) => delivery(poll < 3 ? [] : [attempt(204, 'delivered', null)])));
    expect(code).toBe(ExitCode.ok);
    expect(asked.map(({ method, url }) => `${method} ${url}`)).toEqual([`POST /v1/subscriptions/${ID}/test`, ...Array(3).fill(`GET /v1/deliveries/${DELIVERY}`), `GET /v1/subscriptions/${ID}`]);
    expect(said.out).toMatch(/^sent: +2026-06-14 20:00 UTC to https:\/\/hooks\.example\.org\/holdfast$/m);
    // A Slack target is its credential: the notifier shows its origin alone, the delivery's target key naming the subscription.
    const slack = { ...subscription, channel: 'slack', target: 'https://hooks.slack.com/…' };
    const slackDelivery = { ...delivery([attempt(200, 'delivered', null)]), targetKey: `https://hooks.slack.com:443 (Slack subscription ${ID})` };
    const toSlack = await holdfast(['subscriptions', 'test', ID], testOf(() => slackDelivery, slack));
    expect(toSlack.said.out).toMatch(/^sent: +2026-06-14 20:00 UTC to https:\/\/hooks\.slack\.com\/…$/m);
    // The JSON stays the delivery as the notifier answers it, with nothing more asked.
    const json = await holdfast(['subscriptions', 'test', ID, '--json'], testOf(() => slackDelivery, slack));
    expect(JSON.parse(json.said.out)).toEqual(slackDelivery);
    expect(json.asked.map(({ url }) => url)).not.toContain(`/v1/subscriptions/${ID}`);
    expect(said.out).toMatch(/^answer: +204 in 35 ms$/m);
    expect(said.out).toMatch(/^outcome: +delivered$/m);
  });

  it('test: says what the receiver answered, to the target key the delivery names, when the subscription is deleted meanwhile', async () => {
    const gone = (asked: Asked): Answer =>
      asked.url === `/v1/subscriptions/${ID}` && asked.method === 'GET'
        ? { status: 404, body: { type: 'https://holdfast.dev/problems/subscription-not-found', title: 'Not Found', status: 404, code: 'subscription-not-found', detail: `No subscription ${ID}.` } }
        : testOf(() => delivery([attempt(204, 'delivered', null)]))(asked);
    const { code, said } = await holdfast(['subscriptions', 'test', ID], gone);
    expect(code).toBe(ExitCode.ok);
    expect(said.out).toMatch(/^sent: +2026-06-14 20:00 UTC to https:\/\/hooks\.example\.org:443$/m);
    expect(said.out).toMatch(/^outcome: +delivered$/m);
  });

  it('test: exits 1 when the receiver refuses it, saying why and how to send it again', async () => {
    const refused = { ...delivery([attempt(400, 'dead', 'webhook receiver answered 400: unknown event type')]), status: 'dead' };
    const { code, said } = await holdfast(['subscriptions', 'test', ID], testOf(() => refused));
    expect(code).toBe(ExitCode.error);
    expect(said.out).toMatch(/^answer: +400 in 35 ms$/m);
    expect(said.out).toMatch(/^error: +webhook receiver answered 400: unknown event type$/m);
    expect(said.out).toContain(`dead: not tried again (holdfast deliveries replay ${DELIVERY} sends it once the receiver is fixed)`);
    const json = await holdfast(['subscriptions', 'test', ID, '--json'], ({ method }) => (method === 'POST' ? { status: 202, body: { deliveryId: DELIVERY } } : { body: refused }));
    expect(json.code).toBe(ExitCode.error);
    expect(JSON.parse(json.said.out)).toEqual(refused);
  });

  it('test: on a 410 says the notifier turned the subscription off, and that turning it on sends the delivery, with no replay to send it twice', async () => {
    const gone = { ...delivery([attempt(410, 'dead', 'webhook receiver answered 410: gone')]), status: 'dead' };
    const { code, said } = await holdfast(['subscriptions', 'test', ID], testOf(() => gone));
    expect(code).toBe(ExitCode.error);
    expect(said.out).toMatch(
      new RegExp(
        `^outcome: +dead: the receiver answered 410 Gone, so the notifier turned subscription ${ID} off; once it takes deliveries again, holdfast subscriptions update ${ID} --enabled true sends them, this one included$`,
        'm',
      ),
    );
  });

  it('test: exits 1 at once with the reason when the notifier settles it unsent (the subscription is off), not at --timeout', async () => {
    const unsent = { ...delivery([]), status: 'dead', lastError: `not sent: subscription ${ID} is turned off; PATCH {"enabled": true}, then replay it` };
    const { code, said } = await holdfast(['subscriptions', 'test', ID], ({ method }) => (method === 'POST' ? { status: 202, body: { deliveryId: DELIVERY } } : { body: unsent }));
    expect(code).toBe(ExitCode.error);
    expect(said.sleptMs).toEqual([]);
    expect(said.err).toBe(`holdfast: test delivery ${DELIVERY} is dead, never tried: ${unsent.lastError}\n`);
  });

  it('test: gives up at --timeout when the worker has not tried it, saying where to follow it', async () => {
    const { code, said } = await holdfast(['subscriptions', 'test', ID, '--timeout', '1s'], ({ method }) => (method === 'POST' ? { status: 202, body: { deliveryId: DELIVERY } } : { body: delivery([]) }));
    expect(code).toBe(ExitCode.error);
    expect(said.err).toBe(`holdfast: test delivery ${DELIVERY} was not tried within 1s (it is pending); holdfast deliveries --subscription ${ID} shows it when it is\n`);
  });

  describe('rotate-secret', () => {
    const SECRET = 'whsec_bmV3IHNlY3JldCBmb3IgdGhlIHJlY2VpdmVy';
    const rotated = (previousSecretUntil: string | null) => ({ ...subscription, enabled: true, disabledReason: null, previousSecretUntil, secret: SECRET });

    it('asks for the overlap in hours and prints the new secret and when the old one stops signing, in UTC and here', async () => {
      const { code, said, asked } = await holdfast(['subscriptions', 'rotate-secret', ID, '--overlap', '1h30m'], () => ({ body: rotated('2026-06-14T21:30:00.000Z') }));
      expect(code).toBe(ExitCode.ok);
      expect(asked).toEqual([{ method: 'POST', url: `/v1/subscriptions/${ID}/secret/rotate`, body: { overlapHours: 1.5 }, idempotencyKey: expect.stringMatching(newRunKey('subscriptions rotate-secret')) }]);
      expect(said.out).toMatch(new RegExp(`^new secret: +${SECRET}\n +shown this once: give it to the receiver, which verifies signatures with it$`, 'm'));
      expect(said.out).toMatch(/^old secret: +signs deliveries beside the new one until 2026-06-14 21:30 UTC\n +\(2026-06-14 \d\d:\d\d \S+(?: \([+-]\d\d:\d\d\))? here\): the receiver should take the new one by then$/m);
    });

    it("shows the old secret's end in TZ's zone, sends a secret given and leaves what is not given to the notifier", async () => {
      const notifier = await standInService(() => ({ body: rotated('2026-06-15T20:00:00.000Z') }));
      const { io, said } = specIo();
      io.env = { ...io.env, TZ: 'Asia/Tehran' };
      expect(await run(['subscriptions', 'rotate-secret', ID, '--secret', SECRET, '--notifier-url', notifier.url], io)).toBe(ExitCode.ok);
      expect(notifier.asked[0].body).toEqual({ secret: SECRET });
      expect(said.out).toContain('(2026-06-15 23:30 Asia/Tehran (+03:30) here)');
      const generated = await holdfast(['subscriptions', 'rotate-secret', ID], () => ({ body: rotated('2026-06-15T20:00:00.000Z') }));
      expect(generated.asked[0].body).toEqual({});
    });

    it('--overlap 0 replaces the secret at once; --json prints the API answer, secret and all', async () => {
      const now = await holdfast(['subscriptions', 'rotate-secret', ID, '--overlap', '0'], () => ({ body: rotated(null) }));
      expect(now.asked[0].body).toEqual({ overlapHours: 0 });
      expect(now.said.out).toMatch(/^old secret: +replaced at once: deliveries carry the new signature only$/m);
      const json = await holdfast(['subscriptions', 'rotate-secret', ID, '--json'], () => ({ body: rotated('2026-06-15T20:00:00.000Z') }));
      expect(JSON.parse(json.said.out)).toEqual(rotated('2026-06-15T20:00:00.000Z'));
    });

    it('exits 2 on an overlap over 168h or not a duration, asking nothing', async () => {
      for (const [overlap, message] of [
        ['169h', '--overlap must be at most 168h (a week), not 169h: a receiver that needs longer is better given the new secret first'],
        ['a day', '--overlap a day is not a duration: write 30m, 90s, 1h30m or a whole number of seconds'],
      ] as const) {
        const { code, said, asked } = await holdfast(['subscriptions', 'rotate-secret', ID, '--overlap', overlap], () => ({ body: rotated(null) }));
        expect(code).toBe(ExitCode.usage);
        expect(said.err).toBe(`holdfast: ${message}\n`);
        expect(asked).toEqual([]);
      }
      const week = await holdfast(['subscriptions', 'rotate-secret', ID, '--overlap', '168h'], () => ({ body: rotated('2026-06-21T20:00:00.000Z') }));
      expect(week.asked[0].body).toEqual({ overlapHours: 168 });
    });

    it('names the end of the secret it replaced, not the last of all, and lists those earlier rotations replaced, in UTC and here', async () => {
      // This rotation kept the old secret 1 h; two earlier ones kept theirs longer, the last ending the latest.
      const kept = [{ until: '2026-06-14T21:00:00.000Z' }, { until: '2026-06-15T18:00:00.000Z' }, { until: '2026-06-15T08:00:00.000Z' }];
      const { code, said } = await holdfast(['subscriptions', 'rotate-secret', ID, '--overlap', '1h'], () => ({ body: { ...rotated('2026-06-15T18:00:00.000Z'), previousSecrets: kept } }), {}, { TZ: 'Asia/Tehran' });
      expect(code, said.err).toBe(ExitCode.ok);
      expect(said.out).toMatch(/^old secret: +signs deliveries beside the new one until 2026-06-14 21:00 UTC\n +\(2026-06-15 00:30 Asia\/Tehran \(\+03:30\) here\): the receiver should take the new one by then$/m);
      expect(said.out).toMatch(
        /^earlier ones: +replaced by earlier rotations, each signs too until its own overlap ends:\n +2026-06-15 18:00 UTC \(2026-06-15 21:30 Asia\/Tehran \(\+03:30\) here\)\n +2026-06-15 08:00 UTC \(2026-06-15 11:30 Asia\/Tehran \(\+03:30\) here\)$/m,
      );
      const one = await holdfast(['subscriptions', 'rotate-secret', ID], () => ({ body: { ...rotated('2026-06-15T20:00:00.000Z'), previousSecrets: [{ until: '2026-06-15T20:00:00.000Z' }] } }));
      expect(one.said.out).not.toContain('earlier ones');
    });

    it('exits 1 when three replaced secrets still sign, saying when the first stops and that --overlap 0 replaces them all', async () => {
      const detail = `Subscription ${ID} already signs with 3 secrets earlier rotations replaced, the most it keeps; the first of them stops signing at 2026-06-15T08:00:00.000Z. Rotate again after then, or with "overlapHours": 0 (or PATCH its secret) to replace every secret at once, as for a leaked one.`;
      const refusal = { type: 'https://holdfast.dev/problems/too-many-signing-secrets', title: 'Conflict', status: 409, code: 'too-many-signing-secrets', detail, firstOverlapEndsAt: '2026-06-15T08:00:00.000Z' };
      const { code, said, asked } = await holdfast(['subscriptions', 'rotate-secret', ID], () => ({ status: 409, body: refusal }), {}, { TZ: 'Asia/Tehran' });
      expect(code).toBe(ExitCode.error);
      expect(asked).toHaveLength(1);
      expect(said.out).toBe('');
      expect(said.err).toBe(
        `holdfast: ${detail} (too-many-signing-secrets)\n  with the CLI: the first of them stops signing at 2026-06-15 08:00 UTC (2026-06-15 11:30 Asia/Tehran (+03:30) here); rotate again after then, or now with --overlap 0, which replaces every secret at once (as for a leaked one): receivers not yet on the new secret then fail verification until they take it\n`,
      );
    });

    it("exits 1 with the notifier's reason and the CLI's way to change a Slack subscription instead", async () => {
      const detail = `Subscription ${ID} is a slack subscription: only a webhook's signing secret is rotated (its deliveries are signed with the old and the new secret for a while). Give its new incoming-webhook URL as target with PATCH /v1/subscriptions/${ID}.`;
      const refusal = { type: 'https://holdfast.dev/problems/secret-not-rotatable', title: 'Unprocessable Entity', status: 422, code: 'secret-not-rotatable', detail, channel: 'slack' };
      const { code, said } = await holdfast(['subscriptions', 'rotate-secret', ID], () => ({ status: 422, body: refusal }));
      expect(code).toBe(ExitCode.error);
      expect(said.err).toBe(`holdfast: ${detail} (secret-not-rotatable)\n  with the CLI: holdfast subscriptions update ${ID} --target - (Slack: its new incoming-webhook URL) or --secret - (its new token), read from standard input\n`);
    });

    it('names --secret beside a secret the notifier refuses', async () => {
      const refusal = { status: 422, title: 'Unprocessable Entity', code: 'invalid-subscription', detail: 'The subscription is invalid.', errors: [{ path: 'secret', message: 'must start with whsec_' }] };
      const { code, said } = await holdfast(['subscriptions', 'rotate-secret', ID, '--secret', 'hunter2'], () => ({ status: 422, body: refusal }));
      expect(code).toBe(ExitCode.error);
      expect(said.err).toBe('holdfast: The subscription is invalid. (invalid-subscription)\n  secret (--secret): must start with whsec_\n');
    });
  });

  it("create: prints a webhook's signing secret the notifier generated, shown this once, and never echoes a secret or token given", async () => {
    const files = { 'webhook.yaml': 'channel: webhook\ntarget: https://hooks.example.org/holdfast\nownerTeam: network-ops\n', 'grafana.yaml': 'channel: grafana\ntarget: https://grafana.example.org\nownerTeam: network-ops\n' };
    // The notifier answers with the secret this once, the one given or a webhook's it generated.
    const answering = ({ body }: Asked) => ({ status: 201, body: { ...subscription, ...(body as object), enabled: true, disabledReason: null, secret: (body as { secret?: string }).secret ?? 'whsec_R2VuZXJhdGVkIGJ5IHRoZSBub3RpZmllcg==' } });
    const generated = await holdfast(['subscriptions', 'create', '--file', 'webhook.yaml'], answering, files);
    expect(generated.code, generated.said.err).toBe(ExitCode.ok);
    expect(generated.said.out).toBe(
      `subscribed: ${ID} (webhook for network-ops)\nsecret: whsec_R2VuZXJhdGVkIGJ5IHRoZSBub3RpZmllcg==\n  shown this once: keep it where the receiver verifies signatures; holdfast subscriptions rotate-secret ${ID} gives a new one if it is lost\n`,
    );
    const token = 'glsa_0123456789abcdefghijklmnopqrstuv_01234567';
    const grafana = await holdfast(['subscriptions', 'create', '--file', 'grafana.yaml', '--secret', '-'], answering, files, { stdin: token });
    expect(grafana.code, grafana.said.err).toBe(ExitCode.ok);
    // A Grafana token is no signing secret: nothing to keep for a receiver, and rotate-secret refuses it.
    expect(grafana.said.out).toBe(`subscribed: ${ID} (grafana for network-ops)\n`);
    const secret = 'whsec_R2l2ZW4gYnkgaXRzIG93bmVyLCBub3QgZWNob2Vk';
    const given = await holdfast(['subscriptions', 'create', '--file', 'webhook.yaml', '--secret', '-'], answering, files, { stdin: secret });
    expect(given.said.out).toBe(`subscribed: ${ID} (webhook for network-ops)\nsigning secret: the one given (not shown); holdfast subscriptions rotate-secret ${ID} gives a new one\n`);
  });

  it('show: says until when each secret rotations replaced still signs, newest first, in UTC and here', async () => {
    const previousSecrets = [{ until: '2026-06-15T20:00:00.000Z' }, { until: '2026-06-16T06:00:00.000Z' }, { until: '2026-06-15T08:00:00.000Z' }];
    const { said } = await holdfast(['subscriptions', 'show', ID], () => ({ body: { ...subscription, previousSecretUntil: '2026-06-16T06:00:00.000Z', previousSecrets } }), {}, { TZ: 'Asia/Tehran' });
    expect(said.out).toMatch(
      new RegExp(
        [
          '^secret: +set \\(never shown\\)',
          ' +the one it replaced also signs until 2026-06-15 20:00 UTC \\(2026-06-15 23:30 Asia/Tehran \\(\\+03:30\\) here\\)',
          ' +the one before it also signs until 2026-06-16 06:00 UTC \\(2026-06-16 09:30 Asia/Tehran \\(\\+03:30\\) here\\)',
          ' +the one before that also signs until 2026-06-15 08:00 UTC \\(2026-06-15 11:30 Asia/Tehran \\(\\+03:30\\) here\\)$',
        ].join('\n'),
        'm',
      ),
    );
    const older = await holdfast(['subscriptions', 'show', ID], () => ({ body: { ...subscription, previousSecretUntil: '2026-06-15T20:00:00.000Z' } }));
    expect(older.said.out).toMatch(/^secret: +set \(never shown\)\n +the one it replaced also signs until 2026-06-15 20:00 UTC \(2026-06-15 20:00 UTC here\)\nfilters:/m);
  });
});

describe('a command whose answer held a secret shown once, run again under the same Idempotency-Key', () => {
  afterEach(closeStandIns);

  // The services' own advice (AnswerShownOnce), worded for HTTP.
  const SHOWN_ONCE: Record<string, string> = {
    '/v1/subscriptions': 'find the subscription it made in GET /v1/subscriptions, and rotate its secret (POST /v1/subscriptions/{id}/secret/rotate) if the one shown was not stored',
    [`/v1/subscriptions/${ID}/secret/rotate`]: 'the secret it made signs from now on; rotate again with a new Idempotency-Key if it was not stored',
    '/v1/keys': 'find the key it made in GET /v1/keys (by team and name), revoke it if its secret was not stored, and create another with a new Idempotency-Key',
  };
  const created = ({ url, body }: Asked): Answer =>
    url === '/v1/keys'
      ? { status: 201, body: { key: 'hf_0123456789abcdef_secret', keyId: '0123456789abcdef', team: 'network-ops', scopes: ['read'] } }
      : { status: url === '/v1/subscriptions' ? 201 : 200, body: { ...subscription, ...(body as object), enabled: true, disabledReason: null, secret: 'whsec_R2VuZXJhdGVkIGJ5IHRoZSBub3RpZmllcg==' } };

  /** Runs `args` twice under the job's key against a service that does not keep an answer holding a secret; the second run's exit and stderr. */
  const twice = async (args: string[], files: Record<string, string> = {}, stdin = '') => {
    const service = await keyedStandInService(created, ({ url }) => SHOWN_ONCE[url]);
    const again = async () => {
      const { io, said } = specIo(files, stdin);
      io.env = { ...io.env, HOLDFAST_IDEMPOTENCY_KEY: 'deploy-4711' };
      return { code: await run([...args, '--planner-url', service.url, '--notifier-url', service.url], io), said };
    };
    expect((await again()).code).toBe(ExitCode.ok);
    const second = await again();
    expect(service.handled).toHaveLength(1);
    expect(second.code).toBe(ExitCode.error);
    expect(second.said.err).toContain('(answer-shown-once)\n');
    return second.said.err.slice(second.said.err.indexOf('\n') + 1);
  };

  it("subscriptions create: names the list that finds what it made, and for a webhook whose secret the notifier generated, the rotation that replaces it", async () => {
    const files = { 'webhook.yaml': 'channel: webhook\ntarget: https://hooks.example.org/holdfast\nownerTeam: network-ops\n', 'grafana.yaml': 'channel: grafana\ntarget: https://grafana.example.org\nownerTeam: network-ops\n' };
    expect(await twice(['subscriptions', 'create', '--file', 'webhook.yaml'], files)).toBe(
      '  from the CLI: holdfast subscriptions list --team network-ops lists the subscription it made; the signing secret the notifier generated was shown in that answer only: if it was not stored, holdfast subscriptions rotate-secret ID (its id) gives it a new one\n',
    );
    // A token given is its owner's already, and rotate-secret refuses a Grafana subscription.
    expect(await twice(['subscriptions', 'create', '--file', 'grafana.yaml', '--secret', '-'], files, 'glsa_token')).toBe(
      '  from the CLI: holdfast subscriptions list --team network-ops lists the subscription it made; its secret or token is the one given (a Slack channel has none), so nothing shown then is lost and there is nothing to rotate\n',
    );
  });

  it('subscriptions rotate-secret: names the rotation to run with another key', async () => {
    expect(await twice(['subscriptions', 'rotate-secret', ID])).toBe(
      `  from the CLI: the secret it made signs now; if it was not stored, run holdfast subscriptions rotate-secret ${ID} with another --idempotency-key (or HOLDFAST_IDEMPOTENCY_KEY) for a new one\n`,
    );
  });

  it("keys create: names the list that finds the key by its team and name, and how to replace it", async () => {
    expect(await twice(['keys', 'create', '--team', 'network-ops', '--scopes', 'read', '--name', 'ci'])).toBe(
      '  from the CLI: holdfast keys list --team network-ops lists the key it made, named ci; if its secret was not stored, revoke that key (holdfast keys revoke KEY_ID --reason TEXT) and run this command with another --idempotency-key (or HOLDFAST_IDEMPOTENCY_KEY) for a new one\n',
    );
  });
});
