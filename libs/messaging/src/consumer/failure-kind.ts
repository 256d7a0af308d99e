/**
 * Whether an error means the database or the network is away, or the transaction lost a race
 * (deadlock, serialization failure), rather than that this event cannot be handled. Such failures
 * are retried for as long as they last: dead-lettering a good event because PostgreSQL restarted,
 * or because a concurrent transaction won, would lose it.
 */
export function isInfrastructureFailure(error: unknown): boolean {
  const candidates = [error, (error as { driverError?: unknown })?.driverError, (error as { cause?: unknown })?.cause];
  return candidates.some((candidate) => {
    if (!candidate || typeof candidate !== 'object') return false;
    const code = String((candidate as { code?: unknown }).code ?? '');
    const message = String((candidate as { message?: unknown }).message ?? '');
    const routine = (candidate as { routine?: unknown }).routine;
    return (
      // 55000 covers more than connections: only its refusal of a database closed to them (ALTER DATABASE ...
      // ALLOW_CONNECTIONS false, a restore under way), told by the routine, which lc_messages does not translate.
      (code === '55000' && routine === 'CheckMyDatabase') ||
      // PostgreSQL classes 08 (connection exception), 57P (operator intervention), 53 (insufficient resources),
      // 40001 (serialization failure) and 40P01 (deadlock detected): the same transaction passes when run again.
      /^(08|57P|53|40001$|40P01$)/.test(code) ||
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code) ||
      /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)|is not currently accepting connections/i.test(message)
    );
  });
}

/** Thrown by a handler for an event that can never succeed, so it goes to the dead-letter topic without retries. */
export class UnprocessableEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnprocessableEventError';
  }
}
