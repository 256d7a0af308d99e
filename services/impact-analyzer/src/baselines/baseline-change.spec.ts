import { describe, expect, it } from 'vitest';
import { changedMaterially } from './baselines.service';

const profile = (fill: (hour: number) => number | null) => Array.from({ length: 168 }, (_, hour) => fill(hour));

describe('a material change of a baseline profile', () => {
  it('is any first profile with a learned hour, and any hour learned for the first time', () => {
    expect(changedMaterially(null, profile(() => null), 0.1)).toBe(false);
    expect(changedMaterially(null, profile((h) => (h === 3 ? 10 : null)), 0.1)).toBe(true);
    expect(changedMaterially({ values: profile((h) => (h < 10 ? 100 : null)) }, profile((h) => (h < 11 ? 100 : null)), 0.1)).toBe(true);
  });

  it('is an hour moving by more than the ratio, judged against the mean for near-zero hours', () => {
    const before = profile((h) => (h === 0 ? 0.5 : 1_000));
    expect(changedMaterially({ values: before }, profile((h) => (h === 0 ? 0.5 : 1_050)), 0.1)).toBe(false);
    expect(changedMaterially({ values: before }, profile((h) => (h === 0 ? 0.5 : h === 5 ? 1_200 : 1_000)), 0.1)).toBe(true);
    // A quiet night hour doubling from 0.5 to 1 is noise next to a profile around 1000.
    expect(changedMaterially({ values: before }, profile((h) => (h === 0 ? 1 : 1_000)), 0.1)).toBe(false);
  });
});
