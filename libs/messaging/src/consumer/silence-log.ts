/** Silences shorter than this are a consumer's ordinary rhythm (a fetch wait is 500 ms): not kept. */
const NOTED_SILENCE_MS = 1_000;
/** Kept this long: the longest window any reader asks about (GATE_MAX_SURGE_SILENCE_SECONDS is at most 3,600 s). */
const KEPT_FOR_MS = 3_600_000;
/** At most this many kept; past it the shortest goes, the longer ones being what readers ask about. */
const KEPT_AT_MOST = 256;

interface Silence {
  endedAtMs: number;
  lengthMs: number;
}

/**
 * The times a consumer went unheard (the broker answering none of its fetches or heartbeats) and
 * was heard again, on a monotonic clock. Being heard again does not mean being caught up: what
 * other services wrote meanwhile waits in their outboxes until their own producers reach the
 * broker again, seconds later.
 */
export class SilenceLog {
  private readonly silences: Silence[] = [];

  /** The consumer was heard at `nowMs` after nothing since `lastHeardMs`. */
  heard(lastHeardMs: number, nowMs: number): void {
    const lengthMs = nowMs - lastHeardMs;
    if (lengthMs < NOTED_SILENCE_MS) return;
    while (this.silences.length > 0 && nowMs - this.silences[0].endedAtMs > KEPT_FOR_MS) this.silences.shift();
    if (this.silences.length >= KEPT_AT_MOST) {
      const shortest = this.silences.reduce((found, silence, index) => (silence.lengthMs < this.silences[found].lengthMs ? index : found), 0);
      this.silences.splice(shortest, 1);
    }
    this.silences.push({ endedAtMs: nowMs, lengthMs });
  }

  /** How long ago (at `nowMs`) the latest silence longer than `longerThanMs` ended; undefined when none is kept. */
  heardAgainForMs(longerThanMs: number, nowMs: number): number | undefined {
    for (let index = this.silences.length - 1; index >= 0; index--) {
      const silence = this.silences[index];
      if (silence.lengthMs > longerThanMs) return nowMs - silence.endedAtMs;
    }
    return undefined;
  }
}
