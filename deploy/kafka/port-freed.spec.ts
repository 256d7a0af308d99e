import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { portFreed } from './local-kafka.mjs';

describe('portFreed, before the local broker starts', () => {
  let server: Server | undefined;
  const listen = async () => {
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  };
  afterEach(async () => {
    await new Promise((resolve) => (server?.listening ? server.close(resolve) : resolve(undefined)));
  });

  it('waits out a program that lets the port go, and says it is waiting', async () => {
    const port = await listen();
    const lines: string[] = [];
    // The program lets the port go once portFreed has found it taken and said it waits.
    const log = (line: string) => {
      lines.push(line);
      server!.close();
    };
    expect(await portFreed('127.0.0.1', port, { log, waitMs: 10_000 })).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^127\\.0\\.0\\.1:${port} is taken and nothing answers there as a broker: waiting up to 10 s`));
  });

  it('gives up on one that keeps it, and answers at once for a free port', async () => {
    const port = await listen();
    expect(await portFreed('127.0.0.1', port, { log: () => undefined, waitMs: 0 })).toBe(false);
    await new Promise((resolve) => server!.close(resolve));
    const lines: string[] = [];
    expect(await portFreed('127.0.0.1', port, { log: (line) => lines.push(line) })).toBe(true);
    expect(lines).toEqual([]);
  });
});
