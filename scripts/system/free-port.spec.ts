import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from './system-runner.mjs';

describe('freePort', () => {
  it('never gives the same port twice, though none of them is bound in between', async () => {
    const ports: number[] = [];
    for (let ask = 0; ask < 100; ask++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('gives a port that can be bound on loopback', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });
});
