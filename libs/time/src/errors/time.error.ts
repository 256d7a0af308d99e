import { CodedError } from '@holdfast/contracts';

/** Stable codes so callers (HTTP problem details, CLI) can branch without parsing messages. */
export const TimeErrorCode = {
  UnknownZone: 'unknown-zone',
  InvalidLocalTime: 'invalid-local-time',
  InvalidRange: 'invalid-range',
  InvalidRecurrence: 'invalid-recurrence',
  RecurrenceTooLarge: 'recurrence-too-large',
  InvalidLocalHours: 'invalid-local-hours',
  InvalidBaseline: 'invalid-baseline',
  InvalidSlotSearch: 'invalid-slot-search',
} as const;
export type TimeErrorCode = (typeof TimeErrorCode)[keyof typeof TimeErrorCode];

export class TimeError extends CodedError<TimeErrorCode> {
  override readonly name = 'TimeError';
}
