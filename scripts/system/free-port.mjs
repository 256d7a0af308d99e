// Loopback ports for tests and tools that start a process on one: shared by the end-to-end specs,
// the benches, the demo and the test environment's daemons.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// Ports given out by freePort: free when asked, but perhaps not bound yet by whoever took them.
const givenOut = new Set();

/**
 * The ports freePort chooses from: below the kernel's ephemeral range, which outgoing connections
 * take their source ports from. A port from listen(0) lies inside that range, and a connection
 * opened before its taker bound it could take it (CI saw "port already in use" that way).
 */
function listeningRange() {
  let ephemeralFrom = 32768;
  try {
    ephemeralFrom = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralFrom;
  } catch {
    // No /proc (macOS): its ephemeral range starts at 49152, above the default used here.
  }
  const to = Math.max(ephemeralFrom - 1, 11_023);
  return { from: Math.max(to - 12_000, 10_000), to };
}

const LISTENING_RANGE = listeningRange();

async function bindable(port) {
  return new Promise((answer) => {
    const server = createServer();
    server.once('error', () => answer(false));
    server.listen(port, '127.0.0.1', () => server.close(() => answer(true)));
  });
}

/**
 * A free TCP port on loopback, for tests that run the system beside another copy: chosen at random
 * below the ephemeral range, bound once to see it is free, and never one this process was given
 * before (its first taker may not have bound it yet).
 */
export async function freePort() {
  const { from, to } = LISTENING_RANGE;
  for (let attempt = 1; attempt <= 200; attempt++) {
    const port = from + Math.floor(Math.random() * (to - from + 1));
    if (givenOut.has(port) || !(await bindable(port))) continue;
    givenOut.add(port);
    return port;
  }
  throw new Error(`no free loopback port between ${from} and ${to} after 200 tries: stop what listens there, or run fewer tests at once`);
}
