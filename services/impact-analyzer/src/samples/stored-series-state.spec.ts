import { describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_CONFIG, initialSeriesState, parseSeriesState, stepSeriesRun, type SeriesState } from '../detection';
import { PACKED_BUCKETS_BYTES, packSeriesState, unpackSeriesState } from './stored-series-state';

const STEP = 5 * 60_000;
const learned = (): SeriesState => {
  const samples = Array.from({ length: 500 }, (_, i) => ({ region: 'IR', metric: 'requests', at: new Date(Date.UTC(2026, 5, 1) + i * STEP).toISOString(), value: 1000 + 333.3 * Math.sin(i / 7) }));
  return stepSeriesRun(initialSeriesState('IR', 'requests'), samples, { config: DEFAULT_DETECTION_CONFIG, zone: 'Asia/Tehran' }).state;
};

describe('stored series state', () => {
  it('round-trips every double of the baseline exactly, the buckets out of the jsonb part', () => {
    const state = learned();
    const packed = packSeriesState(state);
    expect(packed.buckets).toHaveLength(PACKED_BUCKETS_BYTES);
    expect(JSON.stringify(packed.state)).not.toContain('hourOfWeek');
    const stored = { state: JSON.parse(JSON.stringify(packed.state)), buckets: Buffer.from(packed.buckets) };
    expect(parseSeriesState(unpackSeriesState(stored))).toEqual(state);
  });

  it('reads a row written before the buckets had their own column as it is', () => {
    const state = learned();
    expect(parseSeriesState(unpackSeriesState({ state: JSON.parse(JSON.stringify(state)), buckets: null }))).toEqual(state);
  });

  it('refuses buckets of the wrong size rather than misreading them', () => {
    expect(() => unpackSeriesState({ state: {}, buckets: Buffer.alloc(8) })).toThrow(/8 bytes, expected 4632/);
  });
});
