/** One field that is wrong, as the problem document's `errors` list names it. */
export interface FieldProblem {
  path: string;
  code?: string;
  message: string;
}

/**
 * A refusal a person can act on: a stable code, the HTTP status it leaves with, and a message
 * that says what to change. Services subclass or throw it; the problem-details filter renders it.
 */
export class DomainError extends Error {
  override readonly name: string = 'DomainError';

  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly extensions: { errors?: FieldProblem[]; [member: string]: unknown } = {},
  ) {
    // A refusal (4xx) is the caller's to fix and is never logged, so its stack would be captured for
    // nothing: that capture was the largest single cost of the gate's 423 answer.
    const stackTraceLimit = Error.stackTraceLimit;
    if (status < 500) Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = stackTraceLimit;
  }
}
