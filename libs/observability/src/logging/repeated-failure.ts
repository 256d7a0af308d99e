/** How often a failure that keeps repeating is logged at its own level. */
export const REPEATED_FAILURE_LOG_EVERY_MS = 30_000;

/** What RepeatedFailure logs with: a Nest Logger (pino underneath) or a messaging logger. */
export interface FailureLogger {
  debug(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * A failure that repeats for as long as a dependency is away (every poll, every relay round): the
 * first of a run is logged at its level and then one every REPEATED_FAILURE_LOG_EVERY_MS, the rest
 * at debug, and the run's end gets a line of its own. A 60 s PostgreSQL restart otherwise put 120
 * warnings from the notifier's delivery worker and 60 errors from each outbox relay in the log.
 */
export class RepeatedFailure {
  private run: { sinceMs: number; loggedMs: number; unlogged: number } | undefined;

  constructor(
    private readonly everyMs = REPEATED_FAILURE_LOG_EVERY_MS,
    // Monotonic: a service's test clock must not stall it.
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /**
   * Records a failure: `loud` when this one is to be logged at its level, and `failures`, how many
   * there were since the last loud one, this one included (what a loud line stands for).
   */
  failed(): { loud: boolean; failingForMs: number; failures: number } {
    const now = this.nowMs();
    const run = (this.run ??= { sinceMs: now, loggedMs: Number.NEGATIVE_INFINITY, unlogged: 0 });
    const loud = now - run.loggedMs >= this.everyMs;
    const failures = run.unlogged + 1;
    if (loud) run.loggedMs = now;
    run.unlogged = loud ? 0 : failures;
    return { loud, failingForMs: Math.round(now - run.sinceMs), failures };
  }

  /** Logs this failure at `level` when it is loud (saying how often that is), otherwise at debug. */
  log(logger: FailureLogger, level: 'warn' | 'error', fields: object, message: string): void {
    const { loud, failingForMs } = this.failed();
    if (loud) logger[level]({ ...fields, failingForMs }, `${message} (logged every ${this.everyMs / 1000} s while it fails)`);
    else logger.debug({ ...fields, failingForMs }, message);
  }

  /** Ends a run of failures with a line saying so and how long it lasted; says nothing when none was running. */
  succeeded(say: (fields: object, message: string) => void, fields: object, message: string): void {
    const failedForMs = this.recovered();
    if (failedForMs !== undefined) say({ ...fields, failedForMs }, message);
  }

  /** Ends a run of failures: how long it lasted, or undefined when nothing was failing. */
  recovered(): number | undefined {
    if (!this.run) return undefined;
    const failedForMs = Math.round(this.nowMs() - this.run.sinceMs);
    this.run = undefined;
    return failedForMs;
  }
}
