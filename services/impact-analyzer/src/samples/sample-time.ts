/**
 * The zero times pipelines write for a time they never set: Go's `time.Time{}` and the Unix epoch
 * (`new Date(0)`, a timestamp field left at 0). Such a sample is no measurement of that instant.
 */
const UNSET_TIMES: ReadonlyMap<number, string> = new Map([
  [Date.parse('0001-01-01T00:00:00Z'), "Go's zero time"],
  [0, 'the Unix epoch'],
]);

/**
 * Why a sample's time cannot be taken, or undefined when it can. A sample stamped ahead of the
 * analyzer's clock (a sender's clock set wrong, a year typed wrong) would become its series' last
 * sample, and every sample after it, up to that time, would be judged late: the region's detection
 * would stop without a word. So one further ahead than `maxAheadMs` is refused. One stamped with a
 * zero time is refused too: it would be dropped as late by a series under way, or start a new
 * series' history in year 1 or 1970, while its pipeline heard only that it was accepted.
 */
export function sampleTimeRefusal(at: string, nowMs: number, maxAheadMs: number): string | undefined {
  const atMs = Date.parse(at);
  const unset = UNSET_TIMES.get(atMs);
  if (unset !== undefined) {
    return `at ${at} is ${unset}, which a pipeline writes for a time it never set: stamp each sample with the instant it measures`;
  }
  const aheadMs = atMs - nowMs;
  if (aheadMs <= maxAheadMs) return undefined;
  return `at ${at} is ${Math.round(aheadMs / 1000)} s ahead of the analyzer's clock (${new Date(nowMs).toISOString()}); samples more than SAMPLE_MAX_AHEAD_SECONDS (${maxAheadMs / 1000}) ahead are refused, as one would make every later sample of its series late: check the sender's clock`;
}
