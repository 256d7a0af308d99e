/**
 * "Now", injected. Holds, cool-downs, horizons and slot proposals depend on it, so no service code
 * reads the system time directly: tests replace this provider with a clock they set.
 */
export abstract class Clock {
  abstract now(): Date;

  nowMs(): number {
    return this.now().getTime();
  }
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
