import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, specIo, standInService } from '../testing/stand-in-service';

const SUBSCRIPTION = '0190e0c8-0000-7000-8000-00000000000a';
const DELIVERY = '0190e0c8-0000-7000-8000-00000000000d';

describe('holdfast deliveries replay', () => {
  afterEach(closeStandIns);

  /** Replays with a notifier that answers each bulk replay with `replayed`, and says what it was asked and what the CLI printed. */
  const replay = async (args: string[], replayed = 3) => {
    const notifier = await standInService(({ url }) => ({ status: 202, body: url === '/v1/deliveries/replay' ? { replayed } : { id: DELIVERY, status: 'pending' } }));
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
