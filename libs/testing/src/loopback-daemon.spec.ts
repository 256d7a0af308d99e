import { describe, expect, it } from 'vitest';
import { startLoopbackDaemon } from './loopback-daemon';

describe('startLoopbackDaemon', () => {
  // A daemon that dies as it starts: a bad configuration (an exit code), or the kernel's OOM kill (only a signal).
  it.each([
    ['exits', 'echo "bad alertmanager.yml" >&2; exit 3', /\/bin\/sh exited with 3: bad alertmanager\.yml/],
    ['is killed', 'kill -KILL $$', /\/bin\/sh exited with SIGKILL/],
  ])('says at once that a daemon which %s before it is ready died, and returns', async (_, script, said) => {
    const started = Date.now();
    const failure = startLoopbackDaemon({ binary: '/bin/sh', debianPackage: 'dash', args: () => ['-c', script], files: () => ({}), timeoutMs: 5_000 });
    await expect(failure).rejects.toThrow(said);
    expect(Date.now() - started).toBeLessThan(4_000);
  }, 15_000);
});
