/**
 * Why a sample's time cannot be taken, or undefined when it can. A sample stamped ahead of the
 * analyzer's clock (a sender's clock set wrong, a year typed wrong) would become its series' last
 * sample, and every sample after it, up to that time, would be judged late: the region's detection
 * would stop without a word. So one further ahead than `maxAheadMs` is refused.
 */
export function aheadOfClock(at: string, nowMs: number, maxAheadMs: number): string | undefined {
  const aheadMs = Date.parse(at) - nowMs;
  if (aheadMs <= maxAheadMs) return undefined;
  return `at ${at} is ${Math.round(aheadMs / 1000)} s ahead of the analyzer's clock (${new Date(nowMs).toISOString()}); samples more than SAMPLE_MAX_AHEAD_SECONDS (${maxAheadMs / 1000}) ahead are refused, as one would make every later sample of its series late: check the sender's clock`;
}
