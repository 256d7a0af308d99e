import { TOPIC_RETENTION_DAYS } from '@holdfast/contracts';

/**
 * The zero times pipelines write for a time they never set: Go's `time.Time{}` and the Unix epoch
 * (`new Date(0)`, a timestamp field left at 0). Such a sample is no measurement of that instant.
 */
const UNSET_TIMES: ReadonlyMap<number, string> = new Map([
  [Date.parse('0001-01-01T00:00:00Z'), "Go's zero time"],
  [0, 'the Unix epoch'],
]);

const DAY_MS = 86_400_000;

/** How far from the analyzer's clock a sample's time may lie: SAMPLE_MAX_AHEAD_SECONDS and SAMPLE_MAX_AGE_DAYS. */
export interface SampleTimeBounds {
  sampleMaxAheadMs: number;
  sampleMaxAgeMs: number;
}

/**
 * Why a sample's time cannot be taken, or undefined when it can. A sample stamped ahead of the
 * analyzer's clock (a sender's clock set wrong, a year typed wrong) would become its series' last
 * sample, and every sample after it, up to that time, would be judged late: the region's detection
 * would stop without a word. So one further ahead than `sampleMaxAheadMs` is refused. One stamped with a
 * zero time, or older than `sampleMaxAgeMs` (a clock or year set wrong the other way, seconds read as
 * milliseconds, which lands in January 1970), is refused too: a series under way would drop it as
 * late, and a new one would begin its history then, while its pipeline heard only that it was accepted.
 * `atMs` is `at` parsed, for a caller that has parsed it already. `takenMs`, when the analyzer took
 * the sample before now, is what its age is judged against: a sample only grows older while it waits.
 */
export function sampleTimeRefusal(at: string, nowMs: number, bounds: SampleTimeBounds, atMs = Date.parse(at), takenMs = nowMs): string | undefined {
  const unset = UNSET_TIMES.get(atMs);
  if (unset !== undefined) {
    return `at ${at} is ${unset}, which a pipeline writes for a time it never set: stamp each sample with the instant it measures`;
  }
  const aheadMs = atMs - nowMs;
  if (aheadMs > bounds.sampleMaxAheadMs) {
    return `at ${at} is ${Math.round(aheadMs / 1000)} s ahead of the analyzer's clock (${new Date(nowMs).toISOString()}); samples more than SAMPLE_MAX_AHEAD_SECONDS (${bounds.sampleMaxAheadMs / 1000}) ahead are refused, as one would make every later sample of its series late: check the sender's clock`;
  }
  const ageMs = takenMs - atMs;
  if (ageMs > bounds.sampleMaxAgeMs) {
    const asOf = takenMs === nowMs ? "the analyzer's clock" : 'the analyzer took it';
    return `at ${at} is ${Math.floor(ageMs / DAY_MS)} days before ${asOf} (${new Date(takenMs).toISOString()}); samples older than SAMPLE_MAX_AGE_DAYS (${bounds.sampleMaxAgeMs / DAY_MS}) are refused, as a time that old is more likely set wrong than a backfill: check the sender's clock and how it writes times (seconds read as milliseconds land in 1970), or raise SAMPLE_MAX_AGE_DAYS for a longer backfill`;
  }
  return undefined;
}

/**
 * The instant a sample's age is judged as of. One this service's own intake took (HTTP, Prometheus,
 * `ownSource`) carries it as its event's time, the instant that intake judged the sample on the same
 * clock: one answered accepted is not refused as too old for having waited in the log (a backlog
 * after a restart, a busy batch). No further back than the topic keeps messages, since any producer
 * can name that source: a spoof moves the check by days at most. An outside producer's event time
 * (ce_time, or its Kafka timestamp) is stamped by the clock that may have stamped the sample wrong,
 * which the age check is for: judged now.
 */
export function sampleTakenAt(event: { source: string; time: string }, nowMs: number, ownSource: string): number {
  if (event.source !== ownSource) return nowMs;
  return Math.max(Math.min(Date.parse(event.time), nowMs), nowMs - TOPIC_RETENTION_DAYS * DAY_MS);
}
