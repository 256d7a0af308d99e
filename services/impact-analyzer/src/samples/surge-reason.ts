import { DEFAULT_SURGE_THRESHOLDS, type SurgeDecision } from '../detection';

/** What the expected value is the expected value of, by how much of the profile it rests on (evidence.support). */
const EXPECTED_FOR: Record<SurgeDecision['evidence']['support'], string> = {
  'hour-of-week': 'for this local hour of the week',
  'hour-of-day': 'for this local hour of the day (the hour of the week not learned well enough yet)',
  global: 'over the whole series (its hours not learned well enough yet)',
  none: 'with nothing learned yet',
};

/**
 * A region's sensitivity divides both start thresholds alike (detection-policy.ts), so their ratio tells which evidence
 * makes the score: the accumulated (CUSUM) one when its share of its threshold is at least the spike's of its own.
 */
const SPIKE_PER_CUMULATIVE = DEFAULT_SURGE_THRESHOLDS.spikeScore / DEFAULT_SURGE_THRESHOLDS.cusumThreshold;

/**
 * A detector surge's reason in a sentence: what rose (or fell) to what, against what it was expected to be (and what that
 * was when the surge started, if the evidence still carries that sample and the level has moved since), then what decided
 * it: a spike's z-score, or for a sustained shift the samples past the expected level and the evidence they built, whose
 * latest z-score alone may read as no surge at all.
 */
export function reasonOf(decision: SurgeDecision): string {
  const { region, metric, evidence, direction } = decision;
  const ratio = evidence.baseline > 0 ? `${(evidence.observed / evidence.baseline).toFixed(1)}x` : null;
  const started = evidence.samples.find((sample) => Date.parse(sample.at) === Date.parse(decision.startedAt));
  const then = started && started !== evidence.samples.at(-1) && round(started.expected) !== round(evidence.baseline) ? `${round(started.expected)} when it started` : null;
  const aside = [ratio, then].filter((part) => part !== null).join('; ');
  const expected = `against an expected ${round(evidence.baseline)}${aside ? ` (${aside})` : ''} ${EXPECTED_FOR[evidence.support]}`;
  return `${metric} in ${region} ${direction === 'up' ? 'rose' : 'fell'} to ${round(evidence.observed)} ${expected}; ${decidedBy(decision)}`;
}

function decidedBy({ direction, evidence }: SurgeDecision): string {
  const zScore = `z-score ${evidence.zScore.toFixed(1)}`;
  const deviation = direction === 'up' ? evidence.zScore : -evidence.zScore;
  if (evidence.score <= 0 || evidence.cumulative * SPIKE_PER_CUMULATIVE < deviation) return zScore;
  const past = evidence.samples.filter((sample) => (direction === 'up' ? sample.zScore > 0 : sample.zScore < 0)).length;
  // The score is the cumulative evidence over the threshold this region needs, so their quotient is that threshold.
  const needed = Number((evidence.cumulative / evidence.score).toFixed(1));
  return `sustained: ${past} of the last ${evidence.samples.length} samples ${direction === 'up' ? 'above' : 'below'} the expected level, cumulative evidence ${evidence.cumulative.toFixed(1)} against ${needed} needed (this sample's ${zScore})`;
}

const round = (value: number): string => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3));
