import { describe, expect, it } from 'vitest';
import { normalisedScore, probationaryLength, scaledSigmoid, scoreFile } from './nab-scorer';

const times = Array.from({ length: 100 }, (_, i) => i * 1000);
const window = { start: 50_000, end: 59_000 };
const at = (...indices: number[]) => times.map((_, i) => (indices.includes(i) ? 1 : 0));

describe('NAB scorer', () => {
  it('weights positions with the scaled sigmoid', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(3)).toBe(-1);
  });

  it('uses 15% of the file, at most 750 rows, as probation', () => {
    expect(probationaryLength(100)).toBe(15);
    expect(probationaryLength(20_000)).toBe(750);
  });

  it('scores a detection at the window start 1, a miss -1 and a lone false positive -0.11', () => {
    expect(scoreFile(times, at(50), [window]).raw).toBeCloseTo(1, 10);
    expect(scoreFile(times, at(), [window]).raw).toBe(-1);
    expect(scoreFile(times, at(30), []).raw).toBeCloseTo(-0.11, 10);
  });

  it('counts only the earliest detection of a window and ignores the probationary period', () => {
    const score = scoreFile(times, at(5, 55, 57), [window]);
    expect(score.raw).toBeCloseTo(scaledSigmoid(-5 / 10) / scaledSigmoid(-1), 10);
    expect(score).toMatchObject({ detections: 2, detectionsInWindows: 2, detectedWindows: 1, delays: [5] });
  });

  it('penalises a false positive less right after a window than far from it', () => {
    const near = scoreFile(times, at(50, 61), [window]).raw;
    const far = scoreFile(times, at(50, 95), [window]).raw;
    expect(near).toBeGreaterThan(far);
  });

  it('normalises over the corpus: null 0, perfect 100', () => {
    const perfect = scoreFile(times, at(50), [window]);
    const none = scoreFile(times, at(), [window]);
    expect(normalisedScore([perfect])).toBeCloseTo(100, 10);
    expect(normalisedScore([none])).toBe(0);
    expect(normalisedScore([perfect, none])).toBeCloseTo(50, 10);
  });

  it('counts a row as a detection when its score reaches the threshold, as NAB sweeps binary scores', () => {
    const binary = at(55);
    expect(scoreFile(times, binary, [window], 1).detectedWindows).toBe(1);
    expect(scoreFile(times, binary, [window], 1.1).detectedWindows).toBe(0);
  });

  it('leaves a window inside the probation out of the null score but not out of the perfect one', () => {
    const early = { start: 2_000, end: 8_000 };
    const score = scoreFile(times, at(), [early, window]);
    expect(score).toMatchObject({ nullScore: -1, perfect: 2, raw: -1 });
  });

  it('charges a false alarm before any window the full false-positive weight', () => {
    expect(scoreFile(times, at(20), [window]).raw).toBeCloseTo(-1 - 0.11, 10);
  });
});
