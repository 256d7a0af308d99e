import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from './free-port.mjs';

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

  it.runIf(existsSync('/proc/sys/net/ipv4/ip_local_port_range'))('gives ports below the ephemeral range, which outgoing connections cannot take before the port is bound', async () => {
    const ephemeralFrom = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    for (let ask = 0; ask < 50; ask++) expect(await freePort()).toBeLessThan(ephemeralFrom);
  });
});
