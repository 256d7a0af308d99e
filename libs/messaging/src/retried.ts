import { backOff } from 'exponential-backoff';

export interface Backoff {
  startingDelayMs: number;
  maxDelayMs: number;
}

/** The delays the consumers and the outbox relay wait between attempts. */
export const DEFAULT_BACKOFF: Backoff = { startingDelayMs: 100, maxDelayMs: 5_000 };

/**
 * `work` until it succeeds or `shouldRetry` (given the error and the attempt that failed, from 1)
 * says stop, waiting between attempts with exponential-backoff's full-jitter delays. The first
 * attempt runs directly and the library is entered only once one has failed: wrapped around every
 * call, it kept what `work` holds (a consumer's whole slice of events and Kafka messages) alive
 * through two young-generation collections, so V8 promoted all of it to the old generation
 * (docs/performance-journal.md, "Garbage collection and the retry wrapper").
 */
export async function retried<R>(work: () => Promise<R>, backoff: Backoff, shouldRetry: (error: unknown, attempt: number) => boolean | Promise<boolean>): Promise<R> {
  try {
    return await work();
  } catch (error) {
    if (!(await shouldRetry(error, 1))) throw error;
  }
  return backOff(work, {
    numOfAttempts: Number.MAX_SAFE_INTEGER,
    startingDelay: backoff.startingDelayMs,
    maxDelay: backoff.maxDelayMs,
    jitter: 'full',
    // The direct attempt was the first: the library's first is a retry, so it waits its delay first.
    delayFirstAttempt: true,
    retry: (error, attempt) => shouldRetry(error, attempt + 1),
  });
}
