import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_SURGE_THRESHOLDS, detectionConfig, thresholdsFor } from './detection-config';
import type { SurgeDecision, TrafficSample } from './surge-decision';
import { SurgeDetector } from './surge-detector';

const MINUTE = 60 * 1000;
const STEP = 5 * MINUTE;
const START = Date.UTC(2026, 0, 5);
const utc = { zoneOf: () => 'UTC' };

/** Deterministic noise in [-1, 1], so specs never depend on Math.random. */
const noise = (i: number) => Math.sin(i * 12.9898) * 0.5 + Math.sin(i * 78.233) * 0.5;
const sample = (i: number, value: number, region = 'IR'): TrafficSample => ({ region, metric: 'requests', at: new Date(START + i * STEP), value });
const feed = (detector: SurgeDetector, samples: TrafficSample[]): SurgeDecision[] => samples.flatMap((s) => detector.observe(s));
/** Two days of 5-minute traffic around 1000 requests with a daily swing. */
const normalTraffic = (from: number, to: number, region = 'IR') =>
  Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    return sample(i, 1000 + 300 * Math.sin((2 * Math.PI * i) / 288) + 40 * noise(i), region);
  });

describe('SurgeDetector', () => {
  it('starts, updates and clears a surge, each decision carrying its evidence', () => {
    const detector = new SurgeDetector(utc);
    expect(feed(detector, normalTraffic(0, 2000))).toEqual([]);
    const surge = Array.from({ length: 30 }, (_, k) => sample(2000 + k, 3000 + 400 * k));
    const decisions = feed(detector, [...surge, ...normalTraffic(2030, 2100)]);
    const types = decisions.map((d) => d.type);
    expect(types[0]).toBe('surge.started');
    expect(types.at(-1)).toBe('surge.cleared');
    expect(types.filter((t) => t === 'surge.started')).toHaveLength(1);
    const [started] = decisions;
    expect(started).toMatchObject({ region: 'IR', metric: 'requests', direction: 'up', at: new Date(START + 2000 * STEP).toISOString() });
    expect(started.evidence.observed).toBe(3000);
    expect(started.evidence.baseline).toBeGreaterThan(600);
    expect(started.evidence.baseline).toBeLessThan(1400);
    expect(started.evidence.score).toBeGreaterThanOrEqual(1);
    expect(started.evidence.samples.at(-1)).toMatchObject({ value: 3000, at: started.at });
    expect(['minor', 'major', 'critical']).toContain(started.severity);
    expect(new Set(decisions.map((d) => d.surgeId))).toEqual(new Set([started.surgeId]));
    // The cleared decision comes after the configured cool-down of calm samples.
    const cleared = decisions.at(-1)!;
    expect(Date.parse(cleared.at) - (START + 2029 * STEP)).toBeGreaterThanOrEqual(12 * STEP);
    expect(detector.activeSurges()).toEqual([]);
  });

  it('publishes surge.updated as the surge grows and estimates its end once it decays', () => {
    const detector = new SurgeDetector({ config: detectionConfig({ defaults: { spikeScore: 1000 } }), zoneOf: utc.zoneOf });
    feed(detector, normalTraffic(0, 2000));
    // A slow rise and fall: only the accumulated (CUSUM) evidence decides.
    const shape = [...Array.from({ length: 20 }, (_, k) => 1 + k * 0.03), ...Array.from({ length: 60 }, (_, k) => 1.6 * Math.pow(0.95, k))];
    const decisions = feed(detector, shape.map((f, k) => sample(2000 + k, Math.max(1000, 1300 * f))));
    expect(decisions[0].type).toBe('surge.started');
    expect(decisions.some((d) => d.type === 'surge.updated')).toBe(true);
    const withEnd = decisions.filter((d) => d.type === 'surge.updated' && d.expectedEnd !== null);
    expect(withEnd.length).toBeGreaterThan(0);
    for (const d of withEnd) expect(Date.parse(d.expectedEnd!)).toBeGreaterThan(Date.parse(d.at));
  });

  it('learns without firing while a brand-new region warms up', () => {
    const detector = new SurgeDetector(utc);
    const wild = Array.from({ length: 200 }, (_, i) => sample(i, i % 7 === 0 ? 1e6 : 3, 'new-region'));
    expect(feed(detector, wild)).toEqual([]);
  });

  it('does not fire on blips of a flat series whose deviation is zero', () => {
    const detector = new SurgeDetector(utc);
    const flat = Array.from({ length: 3000 }, (_, i) => sample(i, i % 97 === 0 ? 46 : i % 89 === 0 ? 44 : 45));
    expect(feed(detector, flat)).toEqual([]);
  });

  it('does not fire on single events of a series that is mostly zero', () => {
    const detector = new SurgeDetector(utc);
    const sparse = Array.from({ length: 3000 }, (_, i) => sample(i, i % 13 === 0 ? 1 : 0));
    expect(feed(detector, sparse)).toEqual([]);
  });

  it('fires on a spike of a measured series with small values, many times its own spread', () => {
    const detector = new SurgeDetector(utc);
    const costs = Array.from({ length: 1000 }, (_, i) => ({ ...sample(i, 0.1 + 0.02 * noise(i)), metric: 'cost-per-click' }));
    expect(feed(detector, costs)).toEqual([]);

    const [started] = detector.observe({ ...sample(1000, 1.0), metric: 'cost-per-click' });

    expect(started).toMatchObject({ type: 'surge.started', metric: 'cost-per-click', evidence: { observed: 1.0 } });
  });

  it('does not fire on the routine blips of a measured series that is mostly zero, but on one beyond them', () => {
    const detector = new SurgeDetector(utc);
    const blips = Array.from({ length: 3000 }, (_, i) => sample(i, i % 13 === 0 ? 0.5 : 0));
    expect(feed(detector, blips)).toEqual([]);

    expect(detector.observe(sample(3000, 2))).toMatchObject([{ type: 'surge.started' }]);
  });

  it('ignores late, duplicated and malformed samples', () => {
    const detector = new SurgeDetector(utc);
    feed(detector, normalTraffic(0, 2000));
    const before = JSON.stringify(detector.snapshot());
    expect(detector.observe(sample(1999, 1e9))).toEqual([]);
    expect(detector.observe(sample(10, 1e9))).toEqual([]);
    expect(detector.observe({ region: 'IR', metric: 'requests', at: 'not a date', value: 1e9 })).toEqual([]);
    expect(detector.observe({ region: 'IR', metric: 'requests', at: new Date(START + 3000 * STEP), value: Number.NaN })).toEqual([]);
    expect(detector.observe({ region: '', metric: 'requests', at: new Date(START), value: 1 })).toEqual([]);
    expect(JSON.stringify(detector.snapshot())).toBe(before);
  });

  it('drops accumulated evidence across a long gap instead of raising a surge', () => {
    const detector = new SurgeDetector({ config: detectionConfig({ defaults: { spikeScore: 1000 } }), zoneOf: utc.zoneOf });
    feed(detector, normalTraffic(0, 2000));
    // Moderately high samples, each separated by more than the maximum gap, never accumulate.
    const sparse = Array.from({ length: 20 }, (_, k) => sample(2000 + k * 100, 1400));
    expect(feed(detector, sparse).filter((d) => d.type === 'surge.started')).toEqual([]);
  });

  it('reports collapses only where a region asks for them', () => {
    const drop = (detector: SurgeDetector, region: string) => {
      feed(detector, normalTraffic(0, 2000, region));
      return feed(detector, Array.from({ length: 20 }, (_, k) => sample(2000 + k, 5, region)));
    };
    const config = detectionConfig({ regions: { BR: { directions: ['up', 'down'] } } });
    expect(drop(new SurgeDetector({ config, zoneOf: utc.zoneOf }), 'IR')).toEqual([]);
    expect(drop(new SurgeDetector({ config, zoneOf: utc.zoneOf }), 'BR')[0]).toMatchObject({ type: 'surge.started', direction: 'down' });
  });

  it('applies per-region threshold overrides', () => {
    const config = detectionConfig({ regions: { CALM: { spikeScore: 500, cusumThreshold: 1e6 } } });
    expect(thresholdsFor(config, 'CALM').spikeScore).toBe(500);
    expect(thresholdsFor(config, 'IR').spikeScore).toBe(DEFAULT_SURGE_THRESHOLDS.spikeScore);
    const spike = (region: string) => {
      const detector = new SurgeDetector({ config, zoneOf: utc.zoneOf });
      feed(detector, normalTraffic(0, 2000, region));
      return feed(detector, [sample(2000, 5000, region)]);
    };
    expect(spike('IR')).toHaveLength(1);
    expect(spike('CALM')).toEqual([]);
  });

  it('counts hours in the region zone from the lookup', () => {
    const detector = new SurgeDetector({ zoneOf: (region) => (region === 'IR' ? 'Asia/Tehran' : 'UTC') });
    detector.observe({ region: 'IR', metric: 'requests', at: '2026-01-04T21:00:00Z', value: 7 });
    detector.observe({ region: 'US', metric: 'requests', at: '2026-01-04T21:00:00Z', value: 7 });
    expect(detector.baselineOf('IR', 'requests')).toMatchObject({ zone: 'Asia/Tehran' });
    expect(detector.baselineOf('IR', 'requests')!.values[0]).toBe(7);
    expect(detector.baselineOf('US', 'requests')).toMatchObject({ zone: 'UTC' });
    expect(detector.baselineOf('US', 'requests')!.values[6 * 24 + 21]).toBe(7);
    expect(detector.baselineOf('XX', 'requests')).toBeNull();
  });

  it('continues identically after a snapshot is restored', () => {
    const original = new SurgeDetector(utc);
    feed(original, normalTraffic(0, 2000));
    const restored = SurgeDetector.restore(JSON.parse(JSON.stringify(original.snapshot())), utc);
    const rest = [...Array.from({ length: 10 }, (_, k) => sample(2000 + k, 4000)), ...normalTraffic(2010, 2100)];
    const expected = feed(original, rest);
    expect(expected.length).toBeGreaterThan(0);
    expect(feed(restored, rest)).toEqual(expected);
    expect(() => SurgeDetector.restore({ version: 1 } as never, utc)).toThrow(/version 1/);
  });
});

describe('SurgeDetector properties', () => {
  const stationary = fc.record({
    level: fc.double({ min: 0, max: 1e5, noNaN: true }),
    relativeNoise: fc.double({ min: 0, max: 0.3, noNaN: true }),
    seed: fc.integer({ min: 0, max: 1e6 }),
  });
  const series = ({ level, relativeNoise, seed }: { level: number; relativeNoise: number; seed: number }) =>
    Array.from({ length: 700 }, (_, i) => sample(i, Math.max(0, level * (1 + relativeNoise * noise(i + seed)))));

  it('never raises a surge on stationary noise, in order or shuffled and duplicated', () => {
    fc.assert(
      fc.property(stationary, fc.array(fc.nat(699), { maxLength: 300 }), fc.array(fc.nat(699), { maxLength: 100 }), (params, swaps, duplicates) => {
        const ordered = series(params);
        expect(feed(new SurgeDetector(utc), ordered)).toEqual([]);
        const shuffled = [...ordered, ...duplicates.map((i) => ordered[i])];
        swaps.forEach((j, i) => ([shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]]));
        expect(feed(new SurgeDetector(utc), shuffled)).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('never throws on arbitrary samples, whatever the region, time or value', () => {
    const anySample = fc.record({
      region: fc.oneof(fc.constantFrom('IR', 'US', ''), fc.string()),
      metric: fc.constantFrom('requests', 'sessions'),
      at: fc.oneof(fc.date({ noInvalidDate: false }), fc.string(), fc.integer({ min: 0, max: 2e12 }).map((ms) => new Date(ms).toISOString())),
      value: fc.oneof(fc.double(), fc.integer()),
    });
    fc.assert(
      fc.property(fc.array(anySample, { maxLength: 300 }), (samples) => {
        const detector = new SurgeDetector({ zoneOf: (r) => (r === 'IR' ? 'Asia/Tehran' : 'UTC') });
        for (const s of samples) detector.observe(s);
        SurgeDetector.restore(JSON.parse(JSON.stringify(detector.snapshot())), utc);
      }),
      { numRuns: 100 },
    );
  });
});
