import { describe, expect, it } from 'vitest';
import type { SurgeDecision } from '../detection';
import { reasonOf } from './surge-reason';

const decision = (support: SurgeDecision['evidence']['support']) =>
  ({
    region: 'KE',
    metric: 'requests',
    direction: 'up',
    evidence: { observed: 6100, baseline: 1188, scale: 60, support, zScore: 81.9, cumulative: 4, score: 20, samples: [] },
  }) as unknown as SurgeDecision;

describe("a detector surge's reason", () => {
  it('says what the expected value is of, as the evidence\'s support does: the hour of the week only when it rests on it', () => {
    expect(reasonOf(decision('hour-of-week'))).toBe('requests in KE rose to 6100 against an expected 1188 (5.1x) for this local hour of the week; z-score 81.9');
    expect(reasonOf(decision('hour-of-day'))).toBe(
      'requests in KE rose to 6100 against an expected 1188 (5.1x) for this local hour of the day (the hour of the week not learned well enough yet); z-score 81.9',
    );
    expect(reasonOf(decision('global'))).toContain('against an expected 1188 (5.1x) over the whole series (its hours not learned well enough yet);');
  });
});
