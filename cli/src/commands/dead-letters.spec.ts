import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, newRunKey, specIo, standInService } from '../testing/stand-in-service';

/** A stand-in service that answers every list with `items`. */
const serviceAnswering = (items: unknown[]) => standInService(() => ({ body: { items } }));

const letter = {
  consumerGroup: 'impact-analyzer.samples',
  topic: 'traffic.samples.v1',
  partition: 3,
  offset: '1207',
  eventId: '0190e0c8-0000-7000-8000-000000000001',
  key: 'dc-ir-1',
  source: 'edge-collector-7',
  body: '{"region":"dc-ir-1","metric":"requests","at":"2026-06-14T19:55:00Z","value":912,"source":"edge"}',
  bodyBytes: 97,
  bodyTruncated: false,
  reason: 'refused by the handler: unknown region dc-ir-1: use an ISO 3166-1 alpha-2 country code',
  deadLetteredAt: '2026-06-14T19:58:12.345Z',
  replayable: true,
  replayedAt: null,
};

/** A stand-in service that answers each replay with the next of `rounds` (and a read of its own route, which says it is the service named, with an empty page). */
const serviceReplaying = (rounds: unknown[]) => {
  let round = 0;
  return standInService(({ method }) => ({ body: method === 'GET' ? { items: [], nextCursor: null } : rounds[round++] }));
};

/** The analyzer, on the URL another service's calls go to: it serves /v1/dead-letters too, but none of that service's own routes. */
const analyzerAnswering = (items: unknown[]) =>
  standInService(({ url }) =>
    url.startsWith('/v1/dead-letters') || url.startsWith('/v1/surges')
      ? { body: url.startsWith('/v1/dead-letters/replay') ? { replayed: [], messages: 0, remaining: 0, unreplayable: 0 } : { items, nextCursor: null } }
      : { status: 404, body: { status: 404, title: 'Not Found', code: 'no-such-route', detail: `No route of this service serves GET ${url.split('?')[0]}.` } },
  );

const replayedLetter = (offset: number) => ({ ...letter, offset: String(offset), replayedAt: '2026-06-14T20:00:00.000Z' });

describe('holdfast dead-letters', () => {
  afterEach(closeStandIns);

  it("asks the analyzer by default, passing the filters, and shows where each message was and why", async () => {
    const analyzer = await serviceAnswering([letter]);
    const { io, said } = specIo();
    expect(await run(['dead-letters', '--topic', 'traffic.samples.v1', '--since', '2026-06-14T00:00:00Z', '--limit', '5', '--analyzer-url', analyzer.url], io)).toBe(ExitCode.ok);
    const asked = new URL(analyzer.asked.at(-1)!.url, analyzer.url);
    expect(asked.pathname).toBe('/v1/dead-letters');
    expect(Object.fromEntries(asked.searchParams)).toEqual({ topic: 'traffic.samples.v1', since: '2026-06-14T00:00:00Z', limit: '5' });
    expect(said.out).toMatch(/^DEAD-LETTERED \(UTC\) +TOPIC +PARTITION +OFFSET +EVENT +SOURCE +KEY +CONSUMER GROUP +REPLAYED \(UTC\) +REASON$/m);
    expect(said.out).toContain('traffic.samples.v1');
    expect(said.out).toContain('1207');
    expect(said.out).toContain('refused by the handler: unknown region dc-ir-1');
  });

  it('shortens a long reason in the table, saying so, and prints it whole with --json', async () => {
    const long = { ...letter, reason: `contract violation: ${'traffic.sample payload field metric: is required but missing; '.repeat(6)}` };
    const analyzer = await serviceAnswering([long]);
    const table = specIo();
    expect(await run(['dead-letters', '--analyzer-url', analyzer.url], table.io)).toBe(ExitCode.ok);
    expect(table.said.out).toContain('…');
    expect(table.said.out).not.toContain(long.reason);
    expect(table.said.out).toContain('--json prints them whole');
    const json = specIo();
    expect(await run(['dead-letters', '--json', '--analyzer-url', analyzer.url], json.io)).toBe(ExitCode.ok);
    expect(JSON.parse(json.said.out)).toEqual({ items: [long], nextCursor: null });
  });

  it('shows who sent each message and its key, a key that is not text as base64, and leaves the bodies to --json, saying so', async () => {
    const avro = { ...letter, offset: '1208', key: { base64: '3q2+7w==' }, body: { base64: 'AAECAw==' }, bodyBytes: 4 };
    const bare = { ...letter, offset: '1209', eventId: null, source: null, body: `{"note":"${'x'.repeat(1015)}`, bodyBytes: 4096, bodyTruncated: true };
    const unkept = { ...letter, offset: '1210', key: null, source: null, body: null, bodyBytes: null, replayable: false };
    const analyzer = await serviceAnswering([letter, avro, bare, unkept]);
    const table = specIo();
    expect(await run(['dead-letters', '--analyzer-url', analyzer.url], table.io)).toBe(ExitCode.ok);
    expect(table.said.out).toMatch(/1207 +0190e0c8-0000-7000-8000-000000000001 +edge-collector-7 +dc-ir-1 +impact-analyzer\.samples /);
    expect(table.said.out).toMatch(/1208 +0190e0c8-\S+ +edge-collector-7 +base64:3q2\+7w== +impact-analyzer\.samples /);
    expect(table.said.out).toMatch(/1209 +- +- +dc-ir-1 +impact-analyzer\.samples /);
    expect(table.said.out).toMatch(/1210 +0190e0c8-\S+ +- +- +impact-analyzer\.samples .* not replayable/);
    expect(table.said.out).not.toContain('"region"');
    expect(table.said.out).toContain("(--json prints each message's body");
    const json = specIo();
    expect(await run(['dead-letters', '--json', '--analyzer-url', analyzer.url], json.io)).toBe(ExitCode.ok);
    expect(JSON.parse(json.said.out)).toEqual({ items: [letter, avro, bare, unkept], nextCursor: null });
  });

  it("shows a producer's terminal controls as escapes, never sent to the terminal, and keeps --json JSON", async () => {
    const hostile = { ...letter, key: 'KE\u001b[31m', source: 'evil\u001b[2J\u001b]0;pwned\u0007 src\u009b', reason: 'refused: \u0001 in the body' };
    const analyzer = await serviceAnswering([hostile]);
    const table = specIo();
    expect(await run(['dead-letters', '--analyzer-url', analyzer.url], table.io)).toBe(ExitCode.ok);
    // eslint-disable-next-line no-control-regex -- control characters are what is looked for
    expect(table.said.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(table.said.out).toContain('evil\\u001b[2J\\u001b]0;pwned\\u0007 src\\u009b');
    expect(table.said.out).toContain('KE\\u001b[31m');
    const json = specIo();
    expect(await run(['dead-letters', '--json', '--analyzer-url', analyzer.url], json.io)).toBe(ExitCode.ok);
    expect(JSON.parse(json.said.out)).toEqual({ items: [hostile], nextCursor: null });
  });

  it('takes `dead-letters list` as every other group takes its list', async () => {
    const analyzer = await serviceAnswering([letter]);
    const { io, said } = specIo();
    expect(await run(['dead-letters', 'list', '--analyzer-url', analyzer.url], io)).toBe(ExitCode.ok);
    expect(said.out).toContain('refused by the handler: unknown region dc-ir-1');
  });

  it('asks the service --service names, and says when it has none', async () => {
    const notifier = await serviceAnswering([]);
    const { io, said } = specIo();
    expect(await run(['dead-letters', '--service', 'notifier', '--notifier-url', notifier.url], io)).toBe(ExitCode.ok);
    // A route of the notifier's own first: no other service serves it.
    expect(notifier.asked.map(({ url }) => url)).toEqual(['/v1/subscriptions?limit=1', '/v1/dead-letters?limit=100']);
    expect(said.out).toBe('no dead letters at the notifier\n');
  });

  it("exits 1 naming the URL and its flag when another service answers where --service's is asked, rather than list its letters under that name", async () => {
    const analyzer = await analyzerAnswering([letter]);
    const listed = specIo();
    expect(await run(['dead-letters', '--service', 'planner', '--planner-url', analyzer.url], listed.io)).toBe(ExitCode.error);
    expect(listed.said.out).toBe('');
    const refusal = (what: string) =>
      `holdfast: the service at ${analyzer.url} is not the maintenance-planner: it has no route GET /v1/holds, which the maintenance-planner serves, and every service serves /v1/dead-letters, so its own would be ${what} as the maintenance-planner's; check --planner-url or HOLDFAST_PLANNER_URL names the maintenance-planner\n`;
    expect(listed.said.err).toBe(refusal('listed'));
    // None to list: said so of the service that answers, not of the one named.
    const empty = await analyzerAnswering([]);
    const none = specIo();
    none.io.env = { ...none.io.env, HOLDFAST_NOTIFIER_URL: empty.url };
    expect(await run(['dead-letters', '--service', 'notifier'], none.io)).toBe(ExitCode.error);
    expect(none.said.err).toContain(`is not the notifier: it has no route GET /v1/subscriptions, which the notifier serves, and every service serves /v1/dead-letters, so its own would be listed as the notifier's; check --notifier-url or HOLDFAST_NOTIFIER_URL names the notifier\n`);
    expect(none.said.out).toBe('');
    const replayed = specIo();
    expect(await run(['dead-letters', 'replay', '--service', 'planner', '--reason', 'x', '--planner-url', analyzer.url], replayed.io)).toBe(ExitCode.error);
    expect(replayed.said.err).toBe(refusal('replayed'));
    // Nothing was replayed: no POST was sent.
    expect(analyzer.asked.filter(({ method }) => method === 'POST')).toEqual([]);
  });

  it('refuses a service it does not know, naming the ones it does', async () => {
    const { io, said } = specIo();
    expect(await run(['dead-letters', '--service', 'gateway'], io)).toBe(ExitCode.usage);
    expect(said.err).toContain('--service must be one of analyzer, planner, notifier, not gateway');
  });

  it('shows whether each letter was replayed, or cannot be', async () => {
    const analyzer = await serviceAnswering([replayedLetter(1207), { ...letter, offset: '1208', replayable: false }]);
    const { io, said } = specIo();
    expect(await run(['dead-letters', '--analyzer-url', analyzer.url], io)).toBe(ExitCode.ok);
    expect(said.out).toMatch(/REPLAYED \(UTC\)/);
    expect(said.out).toMatch(/1207 .* 2026-06-14 20:00/);
    expect(said.out).toMatch(/1208 .* not replayable/);
  });
});

describe('holdfast dead-letters replay', () => {
  afterEach(closeStandIns);

  it('replays every match in rounds, passing the filters, and says how far it got after each', async () => {
    const planner = await serviceReplaying([
      { replayed: [replayedLetter(1), replayedLetter(2)], messages: 2, remaining: 1, unreplayable: 0 },
      { replayed: [replayedLetter(3)], messages: 1, remaining: 0, unreplayable: 0 },
    ]);
    const { io, said } = specIo();
    const argv = ['dead-letters', 'replay', '--service', 'planner', '--topic', 'region.surges.v1', '--reason', 'unknown region', '--since', '2026-06-14T00:00:00Z', '--planner-url', planner.url];
    const before = Date.now();
    expect(await run(argv, io)).toBe(ExitCode.ok);
    // Without --until, every round is bounded by when the command began, so a letter its own replay causes (the cause not fixed) is not sent round after round.
    const until = (planner.asked[1] as { body: { until: string } }).body.until;
    expect(Date.parse(until)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(until)).toBeLessThanOrEqual(Date.now());
    const asked = { method: 'POST', url: '/v1/dead-letters/replay', body: { topic: 'region.surges.v1', since: '2026-06-14T00:00:00Z', until, reasonContains: 'unknown region', limit: 1000 } };
    // A route of the planner's own read first; then each round is the run's next POST, under its own key.
    expect(planner.asked).toEqual([{ method: 'GET', url: '/v1/holds?limit=1', body: undefined }, { ...asked, idempotencyKey: expect.stringMatching(newRunKey('dead-letters replay')) }, { ...asked, idempotencyKey: expect.stringMatching(newRunKey('dead-letters replay', 2)) }]);
    expect(said.out).toBe('replayed 2 dead letters (2 messages); 1 left\nreplayed 3 dead letters (3 messages); 0 left\n');
  });

  it('stops at --limit, saying more match, and names the letters it could not replay', async () => {
    const analyzer = await serviceReplaying([{ replayed: [replayedLetter(1), replayedLetter(2)], messages: 2, remaining: 4, unreplayable: 1 }]);
    const { io, said } = specIo();
    expect(await run(['dead-letters', 'replay', '--everything', '--limit', '2', '--analyzer-url', analyzer.url], io)).toBe(ExitCode.ok);
    expect(analyzer.asked.slice(1)).toEqual([{ method: 'POST', url: '/v1/dead-letters/replay', body: { everything: true, until: expect.any(String), limit: 2 }, idempotencyKey: expect.stringMatching(newRunKey('dead-letters replay')) }]);
    expect(said.out).toContain('4 more match: run again, or raise --limit');
    expect(said.out).toContain('1 matching dead letters kept no message to send');
  });

  it('prints the rounds together with --json', async () => {
    const analyzer = await serviceReplaying([
      { replayed: [replayedLetter(1)], messages: 1, remaining: 1, unreplayable: 0 },
      { replayed: [replayedLetter(2)], messages: 1, remaining: 0, unreplayable: 0 },
    ]);
    const { io, said } = specIo();
    expect(await run(['dead-letters', 'replay', '--topic', 'traffic.samples.v1', '--json', '--analyzer-url', analyzer.url], io)).toBe(ExitCode.ok);
    expect(JSON.parse(said.out)).toEqual({ replayed: [replayedLetter(1), replayedLetter(2)], messages: 2, remaining: 0, unreplayable: 0 });
  });

  it('will not replay everything unless told to', async () => {
    const { io, said } = specIo();
    expect(await run(['dead-letters', 'replay'], io)).toBe(ExitCode.usage);
    expect(said.err).toContain('name what to replay with --topic, --since, --until or --reason');
  });
});
