// Types for free-port.mjs, so TypeScript specs and the test environment can use it.
/** A free loopback port below the ephemeral range, never one this process was given before. */
export function freePort(): Promise<number>;
