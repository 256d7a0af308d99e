import type { SurgeDecision } from '../detection';

/** What the expected value is the expected value of, by how much of the profile it rests on (evidence.support). */
const EXPECTED_FOR: Record<SurgeDecision['evidence']['support'], string> = {
  'hour-of-week': 'for this local hour of the week',
  'hour-of-day': 'for this local hour of the day (the hour of the week not learned well enough yet)',
  global: 'over the whole series (its hours not learned well enough yet)',
  none: 'with nothing learned yet',
};

/** A detector surge's reason in a sentence: what rose (or fell) to what, against what it was expected to be. */
export function reasonOf(decision: SurgeDecision): string {
  const { region, metric, evidence, direction } = decision;
  const ratio = evidence.baseline > 0 ? ` (${(evidence.observed / evidence.baseline).toFixed(1)}x)` : '';
  return `${metric} in ${region} ${direction === 'up' ? 'rose' : 'fell'} to ${round(evidence.observed)} against an expected ${round(evidence.baseline)}${ratio} ${EXPECTED_FOR[evidence.support]}; z-score ${evidence.zScore.toFixed(1)}`;
}

const round = (value: number): string => (Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(3));
