import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, specIo, standInService } from '../testing/stand-in-service';

const SUBSCRIPTION = '0190e0c8-0000-7000-8000-00000000000a';
const delivery = (id: string, waitingOn: unknown) => ({
  id,
  subscriptionId: SUBSCRIPTION,
  channel: 'webhook',
  eventType: 'hold.placed',
  status: 'pending',
  targetKey: 'https://hooks.example.com:443',
  attempts: 3,
  lastError: 'connect ECONNREFUSED',
  recordedAt: '2026-12-07T00:00:00.000Z',
  deliveredAt: null,
  attemptLog: [],
  waitingOn,
});

describe('holdfast deliveries list', () => {
  afterEach(closeStandIns);

  it('says of a delivery waiting for its circuit probe by when the answer is due', async () => {
    const probing = { cause: 'circuit-probe', openedAt: '2026-12-07T00:01:00.000Z', nextTryAt: '2026-12-07T00:02:05.000Z', reason: 'the probe is out' };
    const notifier = await standInService(() => ({ body: { items: [delivery('0190e0c8-0000-7000-8000-0000000000d3', probing)], nextCursor: null } }));
    const { io, said } = specIo();
    expect(await run(['deliveries', '--notifier-url', notifier.url], io)).toBe(ExitCode.ok);
    expect(said.out).toContain('pending (circuit probe out, answer by 00:02:05 UTC)');
  });

  it("says of a delivery held by its target's open circuit when the next try is, and nothing more of one that is not", async () => {
    const waiting = { cause: 'open-circuit', openedAt: '2026-12-07T00:01:00.000Z', nextTryAt: '2026-12-07T00:02:00.000Z', reason: 'the circuit is open' };
    const notifier = await standInService(() => ({ body: { items: [delivery('0190e0c8-0000-7000-8000-0000000000d1', waiting), delivery('0190e0c8-0000-7000-8000-0000000000d2', null)], nextCursor: null } }));
    const { io, said } = specIo();
    expect(await run(['deliveries', '--notifier-url', notifier.url], io)).toBe(ExitCode.ok);
    const [first, second] = said.out.split('\n').slice(2);
    expect(first).toContain('pending (circuit open, next try 00:02:00 UTC)');
    expect(second).toMatch(/ pending +3 /);
  });

  it('says of a delivery queued behind an earlier one of its key which one, how that one stands and until when', async () => {
    const earlier = '0190e0c8-0000-7000-8000-0000000000d5';
    const behindSending = { cause: 'earlier-delivery', deliveryId: earlier, deliveryStatus: 'sending', nextTryAt: '2026-12-07T14:03:10.000Z', reason: 'waits for the earlier one' };
    const behindPending = { ...behindSending, deliveryStatus: 'pending', nextTryAt: '2026-12-07T14:05:00.000Z' };
    const notifier = await standInService(() => ({
      body: { items: [delivery('0190e0c8-0000-7000-8000-0000000000d6', behindSending), delivery('0190e0c8-0000-7000-8000-0000000000d7', behindPending)], nextCursor: null },
    }));
    const { io, said } = specIo();
    expect(await run(['deliveries', '--notifier-url', notifier.url], io)).toBe(ExitCode.ok);
    const [first, second] = said.out.split('\n').slice(2);
    expect(first).toContain(`pending (waits for delivery ${earlier}: sending, lease ends 14:03:10 UTC)`);
    expect(second).toContain(`pending (waits for delivery ${earlier}: pending, next try 14:05:00 UTC)`);
  });

  it('says to whom each went, by its subscription, and how to turn on one it waits for from the CLI', async () => {
    const waiting = { ...delivery('0190e0c8-0000-7000-8000-0000000000d4', null), status: 'dead', lastError: `not sent: subscription ${SUBSCRIPTION} is turned off; it is sent once the subscription is turned on (PATCH {"enabled": true})` };
    const notifier = await standInService(() => ({ body: { items: [waiting], nextCursor: null } }));
    const { io, said } = specIo();
    expect(await run(['deliveries', '--notifier-url', notifier.url], io)).toBe(ExitCode.ok);
    const [header, , row] = said.out.split('\n');
    expect(header).toMatch(/^DELIVERY +SUBSCRIPTION +EVENT +CHANNEL +STATUS /);
    expect(row).toMatch(new RegExp(`^0190e0c8-0000-7000-8000-0000000000d4 +${SUBSCRIPTION} +hold\\.placed +webhook +dead `));
    expect(row).toMatch(new RegExp(`it is sent once the subscription is turned on \\(holdfast subscriptions update ${SUBSCRIPTION} --enabled true\\)$`));
  });
});
