import { readFileSync } from 'node:fs';

/**
 * CPU time a process has used so far (user and system, all its threads), in milliseconds, from
 * /proc; 0 where there is no /proc. Clock ticks are 10 ms, so spans of a second or more are meant.
 */
export function processCpuMs(pid: number | undefined): number {
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th, in clock ticks (100 a second).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** How long ago a process started, in seconds, from /proc; undefined where there is no /proc or no such process. */
export function processAgeSeconds(pid: number | undefined): number | undefined {
  try {
    // The 22nd field, starttime, is in clock ticks since boot (100 a second); the 20th after the parenthesis.
    const startedTicks = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[19]);
    const uptimeSeconds = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Number.isFinite(startedTicks) && Number.isFinite(uptimeSeconds) ? Math.max(0, uptimeSeconds - startedTicks / 100) : undefined;
  } catch {
    return undefined;
  }
}
