import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

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

/**
 * The process listening on a TCP port of this machine, from /proc: the socket's inode in
 * /proc/net/tcp and tcp6, then the process holding it. Finds a local broker whatever started it
 * (another checkout's pid file is not this one's); undefined where there is no /proc, nothing
 * listens, or the process is another user's.
 */
export function listeningPid(port: number): number | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let rows: string[];
    try {
      rows = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const row of rows) {
      // local_address is addr:PORT in hex, st 0A is LISTEN, inode the tenth field.
      const fields = row.trim().split(/\s+/);
      if (fields.length > 9 && fields[3] === '0A' && parseInt(fields[1].split(':')[1], 16) === port) inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) return Number(pid);
      } catch {
        // The descriptor closed while it was read.
      }
    }
  }
  return undefined;
}
