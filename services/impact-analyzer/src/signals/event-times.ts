import type { Clock } from '@holdfast/service-kit';

/**
 * The `time` of the events one transaction writes, on the injected clock: a signal event (signal.lost,
 * signal.restored) is stamped no earlier than the events before it, and those after it a millisecond later
 * at least. region.signals.v1 and region.surges.v1 are two topics, so a reader of both orders a signal event
 * and the surges it starts or ends by `time` alone, which a transaction stamps within a millisecond.
 */
export class EventTimes {
  private floorMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly clock: Clock) {}

  /** The time of a signal event: what the transaction writes after it is stamped later. */
  signal(): Date {
    const time = this.next();
    this.floorMs = time.getTime() + 1;
    return time;
  }

  /** The time of any other event written now. */
  next(): Date {
    return new Date(Math.max(this.clock.nowMs(), this.floorMs));
  }
}
