/** Stable codes so callers (HTTP problem details, CLI) can branch without parsing messages. */
export enum TimeErrorCode {
  UnknownZone = 'UNKNOWN_ZONE',
  InvalidLocalTime = 'INVALID_LOCAL_TIME',
  InvalidRange = 'INVALID_RANGE',
  InvalidRecurrence = 'INVALID_RECURRENCE',
  RecurrenceTooLarge = 'RECURRENCE_TOO_LARGE',
  InvalidLocalHours = 'INVALID_LOCAL_HOURS',
  InvalidBaseline = 'INVALID_BASELINE',
  InvalidSlotSearch = 'INVALID_SLOT_SEARCH',
}

export class TimeError extends Error {
  override readonly name = 'TimeError';

  constructor(
    readonly code: TimeErrorCode,
    message: string,
  ) {
    super(message);
  }
}
