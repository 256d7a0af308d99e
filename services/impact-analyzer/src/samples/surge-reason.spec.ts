import { describe, expect, it } from 'vitest';
import type { DecidingSample, SurgeDecision } from '../detection';
import { reasonOf } from './surge-reason';

const decision = (support: SurgeDecision['evidence']['support']) =>
  ({
    region: 'KE',
    metric: 'requests',
    direction: 'up',
    evidence: { observed: 6100, baseline: 1188, scale: 60, support, zScore: 81.9, cumulative: 4, score: 20, samples: [] },
  }) as unknown as SurgeDecision;

/** Samples five minutes apart from 2026-12-06T21:25Z, each `[value, expected]`, its z-score against a spread of 1000. */
const samplesOf = (...pairs: [number, number][]): DecidingSample[] =>
  pairs.map(([value, expected], index) => ({ at: new Date(Date.parse('2026-12-06T21:25:00Z') + index * 300_000).toISOString(), value, expected, zScore: (value - expected) / 1000 }));

/** BR's surge as the reviewer saw it updated: 1.7x its expected level, the latest sample's z-score 1.5, the CUSUM at 24.1 (4.0 of the 6 it needs). */
const sustained = (change: { direction?: 'up' | 'down'; startedAt?: string; cumulative?: number; score?: number; zScore?: number; samples?: DecidingSample[] } = {}) =>
  ({
    region: 'BR',
    metric: 'requests',
    direction: change.direction ?? 'up',
    startedAt: change.startedAt ?? '2026-12-06T21:25:00.000Z',
    evidence: {
      observed: 17812,
      baseline: 10409,
      scale: 4935,
      support: 'hour-of-week',
      zScore: change.zScore ?? 1.5,
      cumulative: change.cumulative ?? 24.1,
      score: change.score ?? 24.1 / 6,
      samples: change.samples ?? samplesOf([17000, 10300], [17200, 10320], [17400, 10350], [17500, 10370], [17700, 10390], [17812, 10409]),
    },
  }) as unknown as SurgeDecision;

describe("a detector surge's reason", () => {
  it('says what the expected value is of, as the evidence\'s support does: the hour of the week only when it rests on it', () => {
    expect(reasonOf(decision('hour-of-week'))).toBe('requests in KE rose to 6100 against an expected 1188 (5.1x) for this local hour of the week; z-score 81.9');
    expect(reasonOf(decision('hour-of-day'))).toBe(
      'requests in KE rose to 6100 against an expected 1188 (5.1x) for this local hour of the day (the hour of the week not learned well enough yet); z-score 81.9',
    );
    expect(reasonOf(decision('global'))).toContain('against an expected 1188 (5.1x) over the whole series (its hours not learned well enough yet);');
  });

  it('says a surge the accumulated evidence decided is sustained, how many samples stood above the expected level and how much evidence it took, not only a z-score that reads as no surge', () => {
    expect(reasonOf(sustained({ startedAt: '2026-12-06T19:00:00.000Z' }))).toBe(
      'requests in BR rose to 17812 against an expected 10409 (1.7x) for this local hour of the week; sustained: 6 of the last 6 samples above the expected level, cumulative evidence 24.1 against 6 needed (this sample\'s z-score 1.5)',
    );
  });

  it('counts the samples on the surge\'s side of the expected level and gives the evidence a region\'s sensitivity asks for', () => {
    // Sensitivity 2 halves both start thresholds: 3 of evidence are needed, and a z-score of 2 (half the spike's 4) is no spike.
    const sensitive = sustained({ startedAt: '2026-12-06T19:00:00.000Z', cumulative: 7.5, score: 2.5, zScore: 2, samples: samplesOf([9000, 10300], [17200, 10320], [17400, 10350]) });
    expect(reasonOf(sensitive)).toContain('; sustained: 2 of the last 3 samples above the expected level, cumulative evidence 7.5 against 3 needed (this sample\'s z-score 2.0)');
    const collapse = sustained({ direction: 'down', startedAt: '2026-12-06T19:00:00.000Z', zScore: -1.5, samples: samplesOf([4000, 10300], [11000, 10320], [4100, 10350]) });
    expect(reasonOf(collapse)).toContain(' fell to 17812 ');
    expect(reasonOf(collapse)).toContain('; sustained: 2 of the last 3 samples below the expected level, cumulative evidence 24.1 against 6 needed');
  });

  it('says what the expected level was when the surge started, when the evidence still carries that sample and the level has moved since', () => {
    const moved = sustained({ samples: samplesOf([9000, 5783], [17200, 8000], [17812, 10409]) });
    expect(reasonOf(moved)).toContain('rose to 17812 against an expected 10409 (1.7x; 5783 when it started) for this local hour of the week;');
    // Started before the samples the evidence carries: nothing is said of the level then.
    expect(reasonOf(sustained({ startedAt: '2026-12-06T19:00:00.000Z', samples: samplesOf([9000, 5783], [17812, 10409]) }))).toContain('against an expected 10409 (1.7x) for');
    // Started on the latest sample (a surge.started): its level is the one given.
    expect(reasonOf(sustained({ startedAt: '2026-12-06T21:30:00.000Z', samples: samplesOf([9000, 5783], [17812, 10409]) }))).toContain('against an expected 10409 (1.7x) for');
  });
});
