import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from './cli-io';
import { run } from './main';
import { closeStandIns, newRunKey, specIo, standInService, UUID, type Answer } from './testing/stand-in-service';

const HOLD = '0190e0c8-0000-7000-8000-0000000000b1';
const WINDOW = '0190e0c8-0000-7000-8000-0000000000a1';
const released = { id: HOLD, regions: ['IR'], reason: 'election night', source: 'manual', placedAt: '2026-06-14T18:00:00.000Z', from: '2026-06-14T18:00:00.000Z', until: null, active: false, releasedAt: '2026-06-14T21:00:00.000Z' };
const release = ['holds', 'release', HOLD, '--reason', 'count over'];
const unavailable: Answer = { status: 503, headers: { 'retry-after': '5' }, body: { status: 503, title: 'Service Unavailable', detail: 'PostgreSQL is unavailable', code: 'dependency-unavailable' } };

/** A planner answering each request with the next of `answers`, the last one from then on; the region catalog a command reads after is not there. */
async function plannerAnswering(...answers: Answer[]) {
  let answered = 0;
  const planner = await standInService((asked) => (asked.url === '/v1/regions' ? { status: 404, body: { status: 404, title: 'Not Found' } } : answers[Math.min(answered++, answers.length - 1)]));
  return { url: planner.url, get asked() {
    return planner.asked.filter(({ url }) => url !== '/v1/regions');
  } };
}

describe('calls sent again when the service could not take them', () => {
  afterEach(closeStandIns);

  it("sends a POST its service could not take again after the pause its Retry-After asks, under the run's one Idempotency-Key, saying so", async () => {
    const planner = await plannerAnswering(unavailable, { status: 200, body: released });
    const { io, said } = specIo();
    expect(await run([...release, '--planner-url', planner.url], io), said.err).toBe(ExitCode.ok);
    expect(planner.asked.map(({ method, url }) => `${method} ${url}`)).toEqual(Array(2).fill(`POST /v1/holds/${HOLD}/release`));
    const [first, again] = planner.asked.map(({ idempotencyKey }) => idempotencyKey);
    expect(first).toMatch(newRunKey('holds release'));
    expect(again).toBe(first);
    expect(said.sleptMs).toEqual([5000]);
    expect(said.err).toBe('holdfast: the maintenance-planner answered 503: PostgreSQL is unavailable; sending it again in 5s (retry 1 of 2)\n');
  });

  it('waits for a first request still being handled (409 idempotency-key-in-flight), then takes its answer', async () => {
    const inFlight: Answer = { status: 409, headers: { 'retry-after': '1' }, body: { status: 409, title: 'Conflict', detail: 'a request with this Idempotency-Key is still being handled', code: 'idempotency-key-in-flight' } };
    const planner = await plannerAnswering(inFlight, { status: 200, body: released, headers: { 'idempotent-replayed': 'true' } });
    const { io, said } = specIo();
    expect(await run([...release, '--planner-url', planner.url, '--idempotency-key', 'deploy-4711'], io), said.err).toBe(ExitCode.ok);
    const [first, again] = planner.asked.map(({ idempotencyKey }) => idempotencyKey);
    expect(first).toMatch(/^deploy-4711\/holds-release\/[0-9a-f]{12}$/);
    expect(again).toBe(first);
    expect(said.sleptMs).toEqual([1000]);
  });

  it('gives up after --retries (2 by default, HOLDFAST_RETRIES), pausing 1s then 2s where no Retry-After is given, and reports the last answer', async () => {
    const proxy: Answer = { status: 504, text: 'upstream timed out', headers: { 'content-type': 'text/plain' } };
    for (const [args, env, asked, slept] of [
      [[], {}, 3, [1000, 2000]],
      [['--retries', '3'], {}, 4, [1000, 2000, 4000]],
      [[], { HOLDFAST_RETRIES: '0' }, 1, []],
      [['--retries', '1'], { HOLDFAST_RETRIES: '0' }, 2, [1000]],
    ] as const) {
      const planner = await plannerAnswering(proxy);
      const { io, said } = specIo();
      io.env = { ...io.env, ...env };
      expect(await run(['holds', 'list', '--planner-url', planner.url, ...args], io)).toBe(ExitCode.error);
      expect(planner.asked, `${args.join(' ')} ${JSON.stringify(env)}`).toHaveLength(asked);
      expect(said.sleptMs).toEqual(slept);
      expect(said.err.endsWith(`holdfast: ${planner.url}/v1/holds?limit=500 answered 504 Gateway Timeout: upstream timed out\n`)).toBe(true);
    }
  });

  it('refuses a --retries or HOLDFAST_RETRIES that is not a whole number from 0 to 10, asking nothing', async () => {
    const planner = await plannerAnswering({ body: { items: [], nextCursor: null } });
    for (const [args, env, message] of [
      [['--retries', 'many'], {}, '--retries many is not a whole number from 0 to 10'],
      [['--retries', '11'], {}, '--retries 11 is not a whole number from 0 to 10'],
      [[], { HOLDFAST_RETRIES: '-1' }, 'HOLDFAST_RETRIES -1 is not a whole number from 0 to 10'],
    ] as const) {
      const { io, said } = specIo();
      io.env = { ...io.env, ...env };
      expect(await run(['holds', 'list', '--planner-url', planner.url, ...args], io)).toBe(ExitCode.usage);
      expect(said.err).toBe(`holdfast: ${message}\n`);
    }
    expect(planner.asked).toEqual([]);
  });

  it('never sends a PATCH again, nor what was answered (a refusal, a hold) or asks for longer than 30s', async () => {
    const cases: [string[], Answer][] = [
      [['windows', 'update', WINDOW, '--version', '3', '--title', 'db upgrade'], unavailable],
      [release, { status: 400, body: { status: 400, title: 'Bad Request', detail: 'reason is too long' } }],
      [release, { status: 429, headers: { 'retry-after': '60' }, body: { status: 429, title: 'Too Many Requests', detail: 'this key sent more than 600 requests in a minute' } }],
      [['gate', '--window', WINDOW], { status: 423, headers: { 'retry-after': '5' }, body: { status: 423, title: 'Locked', detail: 'held', holds: [] } }],
    ];
    for (const [args, answer] of cases) {
      const planner = await plannerAnswering(answer);
      const { io, said } = specIo();
      expect(await run([...args, '--planner-url', planner.url], io)).not.toBe(ExitCode.ok);
      expect(planner.asked, args.join(' ')).toHaveLength(1);
      expect(said.sleptMs).toEqual([]);
      expect(said.err).not.toContain('sending it again');
    }
  });

  it('sends a POST whose connection was cut again, and when it never gets an answer names the key that runs the command again without doing it twice', async () => {
    const planner = await plannerAnswering({ cut: true });
    const { io, said } = specIo();
    expect(await run([...release, '--planner-url', planner.url], io)).toBe(ExitCode.error);
    expect(planner.asked).toHaveLength(3);
    const [sent] = new Set(planner.asked.map(({ idempotencyKey }) => idempotencyKey));
    expect(sent).toMatch(newRunKey('holds release'));
    // The run's key, which the command's own keys are made from.
    const key = sent!.split('/')[0];
    expect(key).toMatch(UUID);
    const lines = said.err.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual([
      `holdfast: no answer from the maintenance-planner at ${planner.url}/v1/holds/${HOLD}/release (UND_ERR_SOCKET); sending it again in 1s (retry 1 of 2)`,
      `holdfast: no answer from the maintenance-planner at ${planner.url}/v1/holds/${HOLD}/release (UND_ERR_SOCKET); sending it again in 2s (retry 2 of 2)`,
    ]);
    expect(lines[2]).toBe(
      `holdfast: cannot reach the maintenance-planner at ${planner.url} (UND_ERR_SOCKET): is it running? check --planner-url or HOLDFAST_PLANNER_URL; then run the command again with --idempotency-key ${key}: what it did, if it did, is answered instead of done twice`,
    );

    // Run again with that key, the planner answers what the first run did.
    const recovered = await plannerAnswering({ status: 200, body: released, headers: { 'idempotent-replayed': 'true' } });
    const again = specIo();
    expect(await run([...release, '--planner-url', recovered.url, '--idempotency-key', key!], again.io), again.said.err).toBe(ExitCode.ok);
    expect(recovered.asked.map(({ idempotencyKey }) => idempotencyKey)).toEqual([sent]);
  });

  it('says a DELETE refused after its first attempt was cut off may have been done by that attempt', async () => {
    const gone: Answer = { status: 404, body: { status: 404, title: 'Not Found', detail: `No subscription ${HOLD}.`, code: 'subscription-not-found' } };
    const notifier = await plannerAnswering({ cut: true }, gone);
    const { io, said } = specIo();
    expect(await run(['subscriptions', 'delete', HOLD, '--notifier-url', notifier.url], io)).toBe(ExitCode.error);
    expect(notifier.asked.map(({ method }) => method)).toEqual(['DELETE', 'DELETE']);
    expect(said.err.trimEnd().split('\n').slice(-3)).toEqual([
      `holdfast: No subscription ${HOLD}. (subscription-not-found)`,
      '  from the CLI: holdfast subscriptions list lists the subscriptions',
      '  an earlier attempt of this call was cut off before its answer came, and may have done it already',
    ]);

    // Refused at once, the 404 is only the 404.
    const once = specIo();
    expect(await run(['subscriptions', 'delete', HOLD, '--notifier-url', (await plannerAnswering(gone)).url], once.io)).toBe(ExitCode.error);
    expect(once.said.err).toBe(`holdfast: No subscription ${HOLD}. (subscription-not-found)\n  from the CLI: holdfast subscriptions list lists the subscriptions\n`);
  });

  it('does not send a call that timed out again (its time is spent) and names the key of a POST among them', async () => {
    const hung = await plannerAnswering({ hang: true });
    const { io, said } = specIo();
    expect(await run([...release, '--planner-url', hung.url, '--request-timeout', '1s', '--idempotency-key', 'deploy-4711'], io)).toBe(ExitCode.error);
    expect(hung.asked).toHaveLength(1);
    expect(said.err).toBe(
      `holdfast: the maintenance-planner at ${hung.url}/v1/holds/${HOLD}/release gave no answer within 1s: it may be overloaded or stuck; try again with --idempotency-key deploy-4711: what it did, if it did, is answered instead of done twice, or give it longer with --request-timeout or HOLDFAST_REQUEST_TIMEOUT\n`,
    );
  }, 10_000);

  it('sends a GET to a service not listening (restarting) again, then says it cannot reach it, with no key to name', async () => {
    const gone = await standInService(() => ({}));
    await gone.close();
    const { io, said } = specIo();
    expect(await run(['holds', 'list', '--planner-url', gone.url], io)).toBe(ExitCode.error);
    expect(said.sleptMs).toEqual([1000, 2000]);
    expect(said.err.trimEnd().split('\n').at(-1)).toBe(`holdfast: cannot reach the maintenance-planner at ${gone.url} (ECONNREFUSED): is it running? check --planner-url or HOLDFAST_PLANNER_URL`);
  });

  it('does not send a call again whose failure will not pass: a port fetch will not use', async () => {
    const { io, said } = specIo();
    expect(await run(['holds', 'list', '--planner-url', 'http://127.0.0.1:9'], io)).toBe(ExitCode.error);
    expect(said.sleptMs).toEqual([]);
    expect(said.err).toBe('holdfast: cannot reach the maintenance-planner at http://127.0.0.1:9 (bad port): is it running? check --planner-url or HOLDFAST_PLANNER_URL\n');
  });
});
