import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Long synchronous work (a feed's 5,000 events, a large hold's window events) cut into turns: once
 * `perTurn` units of it are done, the event loop runs before the next, so the gate and every other
 * request are answered in between instead of after it.
 */
export class EventLoopTurns {
  private done = 0;

  constructor(private readonly perTurn: number) {}

  /** Call before each piece of `units`: lets the event loop run first when the turn is full. */
  async before(units = 1): Promise<void> {
    if (this.done >= this.perTurn) {
      this.done = 0;
      await nextTurn();
    }
    this.done += units;
  }
}
