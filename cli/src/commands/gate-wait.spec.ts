import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, type CliIo } from '../cli-io';
import { run } from '../main';

/** A CLI whose clock moves only when it sleeps, so --wait's deadline is reached in no time. */
function waitingIo() {
  const said = { out: '', err: '', sleptMs: [] as number[] };
  let now = Date.parse('2026-06-14T20:00:00Z');
  const io: CliIo = {
    out: (text) => (said.out += text),
    err: (text) => (said.err += text),
    env: { HOLDFAST_KEY: 'spec-key' },
    sleep: async (ms) => {
      said.sleptMs.push(ms);
      now += ms;
    },
    now: () => now,
    readFile: () => '',
  };
  return { io, said };
}

/** A stand-in planner on loopback answering GET /v1/gate from a script, one answer per request. */
async function plannerAnswering(answers: { status: number; body: unknown; headers?: Record<string, string> }[]): Promise<{ url: string; server: Server }> {
  let asked = 0;
  const server = createServer((_request, response) => {
    const answer = answers[Math.min(asked++, answers.length - 1)];
    response.writeHead(answer.status, { 'content-type': answer.status >= 400 ? 'application/problem+json' : 'application/json', ...answer.headers });
    response.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

const unavailable = {
  status: 503,
  headers: { 'retry-after': '5' },
  body: { type: 'https://holdfast.dev/problems/dependency-unavailable', title: 'Service Unavailable', status: 503, code: 'dependency-unavailable', detail: 'PostgreSQL did not complete this request: it is unreachable, restarting or busy.' },
};

describe('holdfast gate --wait, when the planner cannot answer', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('waits out a 503 as its Retry-After says, failing closed, and exits 0 once the planner allows', async () => {
    const planner = await plannerAnswering([unavailable, unavailable, { status: 200, body: { allowed: true } }]);
    server = planner.server;
    const { io, said } = waitingIo();
    expect(await run(['gate', '--regions', 'IR', '--wait', '--planner-url', planner.url], io)).toBe(ExitCode.ok);
    expect(said.sleptMs).toEqual([5_000, 5_000]);
    expect(said.err).toContain('check 1: the maintenance-planner could not answer: PostgreSQL did not complete this request: it is unreachable, restarting or busy. (dependency-unavailable); next check in 5s');
    expect(said.out).toBe('allowed: nothing holds regions IR now\n');
  });

  it('without --wait, exits 1 on a 503 with the problem named', async () => {
    const planner = await plannerAnswering([unavailable]);
    server = planner.server;
    const { io, said } = waitingIo();
    expect(await run(['gate', '--regions', 'IR', '--planner-url', planner.url], io)).toBe(ExitCode.error);
    expect(said.err).toContain('PostgreSQL did not complete this request');
  });

  it('keeps trying a planner it cannot reach until --timeout, then exits 1 saying so', async () => {
    const planner = await plannerAnswering([unavailable]);
    const { url } = planner;
    await new Promise((resolve) => planner.server.close(resolve));
    const { io, said } = waitingIo();
    expect(await run(['gate', '--regions', 'IR', '--wait', '--timeout', '1m', '--interval', '20s', '--planner-url', url], io)).toBe(ExitCode.error);
    expect(said.sleptMs).toEqual([20_000, 20_000, 20_000]);
    expect(said.err).toContain('check 1: cannot reach the maintenance-planner (ECONNREFUSED)');
    expect(said.err).toContain('gave up after 1m: the maintenance-planner is still unavailable');
    expect(said.err).toMatch(/holdfast: cannot reach the maintenance-planner \(ECONNREFUSED\): check --planner-url/);
  });
});
