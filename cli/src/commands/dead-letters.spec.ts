import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode, type CliIo } from '../cli-io';
import { run } from '../main';

function cliIo() {
  const said = { out: '', err: '' };
  const io: CliIo = {
    out: (text) => (said.out += text),
    err: (text) => (said.err += text),
    env: { HOLDFAST_KEY: 'spec-key' },
    sleep: async () => undefined,
    now: () => Date.parse('2026-06-14T20:00:00Z'),
    readFile: () => '',
  };
  return { io, said };
}

/** A stand-in service on loopback that records each request's path and query and answers with `items`. */
async function serviceAnswering(items: unknown[]): Promise<{ url: string; server: Server; asked: string[] }> {
  const asked: string[] = [];
  const server = createServer((request, response) => {
    asked.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ items }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server, asked };
}

const letter = {
  consumerGroup: 'impact-analyzer.samples',
  topic: 'traffic.samples.v1',
  partition: 3,
  offset: '1207',
  eventId: '0190e0c8-0000-7000-8000-000000000001',
  reason: 'refused by the handler: unknown region dc-ir-1: use an ISO 3166-1 alpha-2 country code',
  deadLetteredAt: '2026-06-14T19:58:12.345Z',
};

describe('holdfast dead-letters', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it("asks the analyzer by default, passing the filters, and shows where each message was and why", async () => {
    const analyzer = await serviceAnswering([letter]);
    server = analyzer.server;
    const { io, said } = cliIo();
    expect(await run(['dead-letters', '--topic', 'traffic.samples.v1', '--since', '2026-06-14T00:00:00Z', '--limit', '5', '--analyzer-url', analyzer.url], io)).toBe(ExitCode.ok);
    const asked = new URL(analyzer.asked[0], analyzer.url);
    expect(asked.pathname).toBe('/v1/dead-letters');
    expect(Object.fromEntries(asked.searchParams)).toEqual({ topic: 'traffic.samples.v1', since: '2026-06-14T00:00:00Z', limit: '5' });
    expect(said.out).toMatch(/^DEAD-LETTERED \(UTC\) +TOPIC +PARTITION +OFFSET +EVENT +CONSUMER GROUP +REASON$/m);
    expect(said.out).toContain('traffic.samples.v1');
    expect(said.out).toContain('1207');
    expect(said.out).toContain('refused by the handler: unknown region dc-ir-1');
  });

  it('shortens a long reason in the table, saying so, and prints it whole with --json', async () => {
    const long = { ...letter, reason: `contract violation: ${'traffic.sample payload field metric: is required but missing; '.repeat(6)}` };
    const analyzer = await serviceAnswering([long]);
    server = analyzer.server;
    const table = cliIo();
    expect(await run(['dead-letters', '--analyzer-url', analyzer.url], table.io)).toBe(ExitCode.ok);
    expect(table.said.out).toContain('…');
    expect(table.said.out).not.toContain(long.reason);
    expect(table.said.out).toContain('--json prints them whole');
    const json = cliIo();
    expect(await run(['dead-letters', '--json', '--analyzer-url', analyzer.url], json.io)).toBe(ExitCode.ok);
    expect(JSON.parse(json.said.out)).toEqual({ items: [long] });
  });

  it('asks the service --service names, and says when it has none', async () => {
    const notifier = await serviceAnswering([]);
    server = notifier.server;
    const { io, said } = cliIo();
    expect(await run(['dead-letters', '--service', 'notifier', '--notifier-url', notifier.url], io)).toBe(ExitCode.ok);
    expect(notifier.asked).toEqual(['/v1/dead-letters']);
    expect(said.out).toBe('no dead letters at the notifier\n');
  });

  it('refuses a service it does not know, naming the ones it does', async () => {
    const { io, said } = cliIo();
    expect(await run(['dead-letters', '--service', 'gateway'], io)).toBe(ExitCode.usage);
    expect(said.err).toContain('--service must be one of analyzer, planner, notifier, not gateway');
  });
});
