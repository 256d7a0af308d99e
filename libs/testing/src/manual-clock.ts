/**
 * A clock a test sets and moves: cool-downs, horizons and expiries advance without sleeping.
 * It has the shape of the service kit's Clock, which is all a service's providers need.
 */
export class ManualClock {
  private current: number;

  constructor(start: Date | string = '2026-06-14T12:00:00Z') {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  nowMs(): number {
    return this.current;
  }

  set(instant: Date | string): void {
    this.current = new Date(instant).getTime();
  }

  advance(milliseconds: number): void {
    this.current += milliseconds;
  }
}
