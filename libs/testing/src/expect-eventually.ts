import { setTimeout as sleep } from 'node:timers/promises';

export interface ExpectEventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Prefixed to the last assertion error on timeout, e.g. 'the hold is placed'. */
  message?: string;
}

// Captured before any test can install fake timers, so a frozen clock never freezes the polling.
const now = performance.now.bind(performance);

/**
 * Runs `assertion` until it stops throwing and returns its result. On timeout, throws the last
 * assertion error (diff intact) with the elapsed time and attempts added to its message.
 */
export async function expectEventually<T>(
  assertion: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 50, message }: ExpectEventuallyOptions = {},
): Promise<Awaited<T>> {
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await assertion();
    } catch (error) {
      const elapsed = now() - started;
      if (elapsed >= timeoutMs) throw withElapsed(error, `${message ? `${message}: ` : ''}still failing after ${Math.round(elapsed)} ms (${attempt} attempts)`);
      await sleep(Math.min(intervalMs, timeoutMs - elapsed));
    }
  }
}

function withElapsed(error: unknown, context: string): Error {
  if (error instanceof Error) {
    error.message = `${context}: ${error.message}`;
    return error;
  }
  return new Error(`${context}: ${String(error)}`, { cause: error });
}
