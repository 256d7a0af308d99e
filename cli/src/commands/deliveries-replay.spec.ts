import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, specIo, standInService } from '../testing/stand-in-service';

const SUBSCRIPTION = '0190e0c8-0000-7000-8000-00000000000a';
const DELIVERY = '0190e0c8-0000-7000-8000-00000000000d';

describe('holdfast deliveries replay', () => {
  afterEach(closeStandIns);

  /** Replays with a notifier that answers each bulk replay with `replayed` (its subscription `enabled` or not), and says what it was asked and what the CLI printed. */
  const replay = async (args: string[], replayed = 3, enabled = true) => {
    const notifier = await standInService(({ method, url }) =>
      method === 'GET'
        ? { body: { id: SUBSCRIPTION, channel: 'webhook', enabled, disabledReason: enabled ? null : 'http://127.0.0.1:8443 answered 410 Gone at 2026-06-14T19:00:00.000Z' } }
        : { status: 202, body: url === '/v1/deliveries/replay' ? { replayed } : { id: DELIVERY, status: 'pending' } },
    );
    const { io, said } = specIo();
    const code = await run(['deliveries', 'replay', ...args, '--notifier-url', notifier.url], io);
    return { code, said, asked: notifier.asked.map(({ method, url, body }) => ({ method, url, body })) };
  };

  it('replays one delivery by its id, as before', async () => {
    const { code, said, asked } = await replay([DELIVERY]);
    expect(code).toBe(ExitCode.ok);
    expect(asked).toEqual([{ method: 'POST', url: `/v1/deliveries/${DELIVERY}/replay`, body: undefined }]);
    expect(said.out).toBe(`replaying delivery ${DELIVERY}\n`);
  });

  it('replays every dead delivery with --dead, saying how many the notifier took', async () => {
    const { code, said, asked } = await replay(['--dead']);
    expect(code).toBe(ExitCode.ok);
    expect(asked).toEqual([{ method: 'POST', url: '/v1/deliveries/replay', body: { status: 'dead' } }]);
    expect(said.out).toBe('replaying 3 dead deliveries\n');
  });

  it("replays one subscription's dead deliveries, or its delivered ones with --status delivered", async () => {
    const dead = await replay(['--dead', '--subscription', SUBSCRIPTION], 1);
    expect(dead.asked[0].body).toEqual({ status: 'dead', subscriptionId: SUBSCRIPTION });
    expect(dead.said.out).toBe(`replaying 1 dead delivery of subscription ${SUBSCRIPTION}\n`);
    const delivered = await replay(['--subscription', SUBSCRIPTION, '--status', 'delivered'], 0);
    expect(delivered.asked[0].body).toEqual({ status: 'delivered', subscriptionId: SUBSCRIPTION });
    expect(delivered.said.out).toBe(`no delivered deliveries of subscription ${SUBSCRIPTION} to replay\n`);
  });

  it('exits 1 when the subscription named is turned off, which a replay leaves out, naming the update that sends what waited or died on a 410', async () => {
    const off = await replay(['--dead', '--subscription', SUBSCRIPTION], 0, false);
    expect(off.code).toBe(ExitCode.error);
    expect(off.asked.map(({ method, url }) => `${method} ${url}`)).toEqual(['POST /v1/deliveries/replay', `GET /v1/subscriptions/${SUBSCRIPTION}`]);
    expect(off.said.out).toBe('');
    expect(off.said.err).toBe(
      `holdfast: subscription ${SUBSCRIPTION} is turned off by the notifier, its receiver having answered 410 Gone (holdfast subscriptions show ${SUBSCRIPTION} says when), and a replay leaves its deliveries out: holdfast subscriptions update ${SUBSCRIPTION} --enabled true turns it on, which sends what waited while it was off and what died on its receiver's 410; this replay then sends what died otherwise\n`,
    );
    // On, none to replay is just that.
    const on = await replay(['--dead', '--subscription', SUBSCRIPTION], 0);
    expect(on.code).toBe(ExitCode.ok);
    expect(on.said.out).toBe(`no dead deliveries of subscription ${SUBSCRIPTION} to replay\n`);
  });

  it("prints the notifier's answer with --json", async () => {
    const { said } = await replay(['--dead', '--json'], 2);
    expect(JSON.parse(said.out)).toEqual({ replayed: 2 });
  });

  it('exits 2 naming the choices when it is not told what to replay, or told two things at once', async () => {
    for (const [args, message] of [
      [[], 'name what to replay: a delivery ID, --dead (every dead delivery) or --subscription ID (its dead deliveries; its delivered ones with --status delivered)'],
      [['--status', 'delivered'], 'name what to replay: a delivery ID, --dead'],
      [[DELIVERY, '--dead'], 'give a delivery ID, or --dead / --subscription ID, not both'],
      [['--dead', '--status', 'delivered'], '--dead replays dead deliveries: replay delivered ones with --subscription ID --status delivered'],
      [['--dead', '--status', 'pending'], '--status must be one of dead, delivered, not pending'],
    ] as const) {
      const { io, said } = specIo();
      expect(await run(['deliveries', 'replay', ...args, '--notifier-url', 'http://127.0.0.1:9'], io), args.join(' ')).toBe(ExitCode.usage);
      expect(said.err).toContain(message);
    }
  });
});
