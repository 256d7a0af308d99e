import { readFileSync } from 'node:fs';

// /proc counts process times in clock ticks, 100 a second.
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command's closing parenthesis (the state is [0]); throws where there is no such process. */
const statFields = (pid: number | undefined): string[] => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');

/**
 * CPU time a process has used so far (user and system, all its threads), in milliseconds, from
 * /proc; 0 where there is no /proc. Clock ticks are 10 ms, so spans of a second or more are meant.
 */
export function processCpuMs(pid: number | undefined): number {
  try {
    // utime and stime, the 14th and 15th fields of stat.
    const fields = statFields(pid);
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** How long ago a process started, in seconds, from /proc; undefined where there is no /proc or no such process. */
export function processAgeSeconds(pid: number | undefined): number | undefined {
  try {
    // starttime, the 22nd field of stat, in ticks since boot.
    const startedTicks = Number(statFields(pid)[19]);
    const uptimeSeconds = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Number.isFinite(startedTicks) && Number.isFinite(uptimeSeconds) ? Math.max(0, uptimeSeconds - startedTicks / TICKS_PER_SECOND) : undefined;
  } catch {
    return undefined;
  }
}
