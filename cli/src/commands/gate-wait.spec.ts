import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, specIo, standInService, type Answer, type StandInService } from '../testing/stand-in-service';

/** A stand-in planner answering GET /v1/gate from a script, one answer per request, the last one again after the end. */
function plannerAnswering(answers: Answer[]): Promise<StandInService> {
  let asked = 0;
  return standInService(() => answers[Math.min(asked++, answers.length - 1)]);
}

const unavailable = {
  status: 503,
  headers: { 'retry-after': '5' },
  body: { type: 'https://holdfast.dev/problems/dependency-unavailable', title: 'Service Unavailable', status: 503, code: 'dependency-unavailable', detail: 'PostgreSQL did not complete this request: it is unreachable, restarting or busy.' },
};

describe('holdfast gate --wait, when the planner cannot answer', () => {
  afterEach(closeStandIns);

  it('waits out a 503 as its Retry-After says, failing closed, and exits 0 once the planner allows', async () => {
    const planner = await plannerAnswering([unavailable, unavailable, { status: 200, body: { allowed: true } }]);
    const { io, said } = specIo();
    expect(await run(['gate', '--regions', 'IR', '--wait', '--planner-url', planner.url], io)).toBe(ExitCode.ok);
    expect(said.sleptMs).toEqual([5_000, 5_000]);
    expect(said.err).toContain('check 1: the maintenance-planner could not answer: PostgreSQL did not complete this request: it is unreachable, restarting or busy. (dependency-unavailable); next check in 5s');
    expect(said.out).toBe('allowed: nothing holds regions IR now\n');
  });

  it('without --wait, exits 1 on a 503 with the problem named', async () => {
    const planner = await plannerAnswering([unavailable]);
    const { io, said } = specIo();
    expect(await run(['gate', '--regions', 'IR', '--planner-url', planner.url], io)).toBe(ExitCode.error);
    expect(said.err).toContain('PostgreSQL did not complete this request');
  });

  it('keeps trying a planner it cannot reach until --timeout, then exits 1 saying so', async () => {
    const { url, close } = await plannerAnswering([unavailable]);
    await close();
    const { io, said } = specIo();
    expect(await run(['gate', '--regions', 'IR', '--wait', '--timeout', '1m', '--interval', '20s', '--planner-url', url], io)).toBe(ExitCode.error);
    expect(said.sleptMs).toEqual([20_000, 20_000, 20_000]);
    expect(said.err).toContain(`check 1: cannot reach the maintenance-planner at ${url} (ECONNREFUSED)`);
    expect(said.err).toContain('gave up after 1m: the maintenance-planner is still unavailable');
    expect(said.err).toContain(`holdfast: cannot reach the maintenance-planner at ${url} (ECONNREFUSED): is it running? check --planner-url or HOLDFAST_PLANNER_URL\n`);
  });

  it('waits out a 502 or 504 from a proxy in front of a restarting planner as it does a 503', async () => {
    const proxy = (status: number, statusText: string) => ({ status, text: `<html><body><h1>${status} ${statusText}</h1></body></html>`, headers: { 'content-type': 'text/html' } });
    const planner = await plannerAnswering([proxy(502, 'Bad Gateway'), proxy(504, 'Gateway Time-out'), { status: 200, body: { allowed: true } }]);
    const { io, said } = specIo();
    expect(await run(['gate', '--regions', 'IR', '--wait', '--interval', '10s', '--planner-url', planner.url], io)).toBe(ExitCode.ok);
    expect(said.sleptMs).toEqual([10_000, 10_000]);
    expect(said.err).toContain(`check 1: the maintenance-planner could not answer: ${planner.url}/v1/gate?regions=IR answered 502 Bad Gateway: 502 Bad Gateway; next check in 10s`);
    expect(said.out).toBe('allowed: nothing holds regions IR now\n');
  });

  it('waits out a 429 as its Retry-After says instead of failing the job', async () => {
    const limited = { status: 429, headers: { 'retry-after': '20' }, body: { type: 'https://holdfast.dev/problems/rate-limited', title: 'Too Many Requests', status: 429, code: 'rate-limited', detail: 'More than 1200 requests a minute with this key.' } };
    const planner = await plannerAnswering([limited, { status: 200, body: { allowed: true } }]);
    const { io, said } = specIo();
    expect(await run(['gate', '--regions', 'IR', '--wait', '--planner-url', planner.url], io)).toBe(ExitCode.ok);
    expect(said.sleptMs).toEqual([20_000]);
    expect(said.err).toContain('check 1: the maintenance-planner is rate limiting this key');
  });

  it("checks a held subject again within --interval even when the hold's Retry-After is later", async () => {
    const held = { status: 423, headers: { 'retry-after': '86400' }, body: { type: 'https://holdfast.dev/problems/held', title: 'Locked', status: 423, code: 'held', detail: 'regions IR are held', holds: [] } };
    const planner = await plannerAnswering([held, { status: 200, body: { allowed: true } }]);
    const { io, said } = specIo();
    expect(await run(['gate', '--regions', 'IR', '--wait', '--timeout', '2h', '--interval', '30s', '--planner-url', planner.url], io)).toBe(ExitCode.ok);
    expect(said.sleptMs).toEqual([30_000]);
  });

  it('after waiting out --timeout on a hold, suggests a longer --timeout rather than --wait, which it ran with', async () => {
    const held = { status: 423, headers: { 'retry-after': '172613' }, body: { type: 'https://holdfast.dev/problems/held', title: 'Locked', status: 423, code: 'held', detail: 'regions DE are held', holds: [] } };
    const planner = await plannerAnswering([held]);
    const { io, said } = specIo();
    await run(['gate', '--regions', 'DE', '--wait', '--timeout', '3s', '--interval', '1s', '--planner-url', planner.url], io);
    expect(said.out).toContain('retry after 47h 56m 53s (2026-06-16 19:56 UTC), when the planner suggests asking again, or give --wait a longer --timeout\n');
    expect(said.out).not.toContain('or run with --wait');
  });

  it('exits 2 on an --interval under a second, asking nothing, rather than asking the planner without pause', async () => {
    const planner = await plannerAnswering([{ status: 200, body: { allowed: true } }]);
    for (const interval of ['0', '0s']) {
      const { io, said } = specIo();
      expect(await run(['gate', '--regions', 'IR', '--wait', '--timeout', '1m', '--interval', interval, '--planner-url', planner.url], io)).toBe(ExitCode.usage);
      expect(said.err).toBe(`holdfast: --interval must be at least 1s, not ${interval}\n`);
    }
    expect(planner.asked).toEqual([]);
  });

  it("shows a cleared surge's hold as lasting until its release is due, not until its passed estimate", async () => {
    const hold = { id: '0193a0b0-0000-7000-8000-000000000001', regions: ['IR'], reason: 'Surge in IR', source: 'detector', from: '2026-06-12T20:00:00.000Z', until: '2026-06-12T22:30:00.000Z', releaseDueAt: '2026-06-12T22:55:00.000Z' };
    const held = { status: 423, headers: { 'retry-after': '600' }, body: { type: 'https://holdfast.dev/problems/held', title: 'Locked', status: 423, code: 'held', detail: 'regions IR are held', holds: [hold] } };
    const planner = await plannerAnswering([held]);
    const { io, said } = specIo();
    expect(await run(['gate', '--regions', 'IR', '--planner-url', planner.url], io)).toBe(ExitCode.held);
    expect(said.out).toContain('22:55');
    expect(said.out).not.toContain('22:30');
  });
});
