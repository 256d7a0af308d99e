import { backOff } from 'exponential-backoff';

/** How a service waits at boot for a dependency it cannot start without. */
export interface BootWait {
  /** How long to keep trying while the dependency is not up yet; 0 tries once. */
  waitMs: number;
  /** Told of each failed attempt that will be tried again. */
  onWait: (message: string) => void;
}

/** A duration as the wait lines write it: 0.6 s, 30 s. */
export const inSeconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;

/**
 * Runs `attempt` until it passes, trying again (250 ms to 2 s apart) while `notUpYet` says its
 * failure may pass and `waitMs` lasts, with one line each retry naming `what` and the variable that
 * sets the wait; rejects with the last failure, for the caller to say what to do.
 */
export async function waitUntilUp(
  attempt: () => Promise<void>,
  { waitMs, onWait }: BootWait,
  { what, variable, notUpYet }: { what: string; variable: string; notUpYet: (error: unknown) => boolean },
): Promise<void> {
  const deadline = Date.now() + waitMs;
  await backOff(attempt, {
    numOfAttempts: Number.MAX_SAFE_INTEGER,
    startingDelay: 250,
    maxDelay: 2_000,
    retry: (error: Error, attempts) => {
      if (!notUpYet(error) || Date.now() >= deadline) return false;
      onWait(`${what} is not up yet (${error.message}); trying again (attempt ${attempts + 1}, for up to ${inSeconds(waitMs)} in all: ${variable})`);
      return true;
    },
  });
}
