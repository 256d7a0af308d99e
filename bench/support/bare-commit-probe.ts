import { performance } from 'node:perf_hooks';
import { Client } from 'pg';

/** One durable commit: when it was sent (performance.now()) and how long PostgreSQL took to answer. */
export interface TimedCommit {
  startedAt: number;
  ms: number;
}

/** Commits running in the background; `stop` ends them and resolves every one taken. */
export interface BackgroundCommits {
  stop(): Promise<TimedCommit[]>;
}

/** Commits on a connection of their own, one at a time or every so often in the background. */
export interface BareCommitProbe {
  /** One single-row INSERT in its own transaction; resolves its time in milliseconds. */
  commit(): Promise<number>;
  /** Commits every `intervalMs` until `stop` is called, which resolves every commit taken. */
  every(intervalMs: number): BackgroundCommits;
  close(): Promise<void>;
}

/**
 * The floor of every durable commit on this PostgreSQL: a one-row INSERT committed on its own,
 * which, as a surge's and a hold's transactions do, waits until its WAL record is flushed to disk
 * (synchronous_commit as the server has it). A storage stall holds up every commit in flight at
 * that moment, the services' included, so the probe run in the background shows when one happened.
 */
export async function openBareCommitProbe(databaseUrl: string): Promise<BareCommitProbe> {
  const client = new Client({ connectionString: databaseUrl, application_name: 'bench-bare-commit' });
  await client.connect();
  await client.query('CREATE TABLE IF NOT EXISTS bench_commit_probe (id bigserial PRIMARY KEY, committed_at timestamptz NOT NULL DEFAULT clock_timestamp())');
  const timed = async (): Promise<TimedCommit> => {
    const startedAt = performance.now();
    await client.query('INSERT INTO bench_commit_probe DEFAULT VALUES');
    return { startedAt, ms: performance.now() - startedAt };
  };
  // The background loop, if one runs: close() stops it before ending the connection under it.
  let background: BackgroundCommits | undefined;
  return {
    commit: async () => (await timed()).ms,
    every: (intervalMs) => {
      const taken: TimedCommit[] = [];
      let stopping = false;
      // One commit at a time: a stall shows as one long commit, not a queue of them.
      const loop = (async () => {
        while (!stopping) {
          const commit = await timed();
          taken.push(commit);
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - commit.ms)));
        }
      })();
      // A failed commit ends the loop; stop() rethrows it, and until then it is not an unhandled rejection.
      loop.catch(() => undefined);
      background = {
        stop: async () => {
          stopping = true;
          await loop;
          return taken;
        },
      };
      return background;
    },
    close: async () => {
      await background?.stop().catch(() => undefined);
      await client.end();
    },
  };
}

/** The longest commit of `commits` that was in flight at some moment of [from, to] (performance.now() times), or 0. */
export function longestCommitDuring(commits: readonly TimedCommit[], from: number, to: number): number {
  let longest = 0;
  for (const commit of commits) if (commit.startedAt <= to && commit.startedAt + commit.ms >= from) longest = Math.max(longest, commit.ms);
  return longest;
}
