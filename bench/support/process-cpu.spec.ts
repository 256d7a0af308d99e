import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listeningPid, processAgeSeconds, processCpuMs } from './process-cpu';

describe('a process as /proc shows it', () => {
  it.runIf(process.platform === 'linux')('gives this process the age Node counts from its own start, and a child just spawned an age of about nothing', async () => {
    expect(processAgeSeconds(process.pid)).toBeCloseTo(process.uptime(), 0);
    // Alive until killed: it waits on its stdin, which stays open.
    const child = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      expect(processAgeSeconds(child.pid)).toBeLessThan(1);
      expect(processAgeSeconds(child.pid)).toBeLessThan(processAgeSeconds(process.pid)!);
    } finally {
      child.kill();
    }
  });

  it.runIf(process.platform === 'linux')('finds the process listening on a port, and none once it has stopped listening', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      expect(listeningPid(port)).toBe(process.pid);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(listeningPid(port)).toBeUndefined();
  });

  it('knows nothing of a process that is not there', () => {
    expect(processAgeSeconds(2 ** 22 + 1)).toBeUndefined();
    expect(processCpuMs(2 ** 22 + 1)).toBe(0);
  });
});
