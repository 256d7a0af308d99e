import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TimeErrorCode } from '@holdfast/time';
import { DEFAULT_DETECTION_CONFIG, detectionConfig } from './detection-config';
import { SeasonalBaseline, localHourOfWeek } from './seasonal-baseline';
import { initialSeriesState, parseSeriesState, stepSeries, stepSeriesRun, withoutTimesAfter, type SeriesState, type StepContext } from './series-step';
import type { SurgeDecision, TrafficSample } from './surge-decision';
import { SurgeDetector } from './surge-detector';

const STEP = 5 * 60 * 1000;
const START = Date.UTC(2026, 0, 5);
const context: StepContext = { config: DEFAULT_DETECTION_CONFIG, zone: 'Asia/Tehran' };
const noise = (i: number) => Math.sin(i * 12.9898) * 0.5 + Math.sin(i * 78.233) * 0.5;
const sample = (i: number, value: number): TrafficSample => ({ region: 'IR', metric: 'requests', at: new Date(START + i * STEP).toISOString(), value });
const traffic = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => sample(from + k, 1000 + 300 * Math.sin((2 * Math.PI * (from + k)) / 288) + 40 * noise(from + k)));
/** Two days of traffic, then a surge, then traffic again. */
const withSurge = [...traffic(0, 2000), ...Array.from({ length: 20 }, (_, k) => sample(2000 + k, 4000)), ...traffic(2020, 2200)];

function run(samples: TrafficSample[], state = initialSeriesState('IR', 'requests'), ctx = context): { state: SeriesState; decisions: SurgeDecision[] } {
  const decisions: SurgeDecision[] = [];
  for (const s of samples) {
    const result = stepSeries(state, s, ctx);
    state = result.state;
    if (result.decision) decisions.push(result.decision);
  }
  return { state, decisions };
}

describe('stepSeries', () => {
  it('decides exactly as SurgeDetector does on the same samples', () => {
    const detector = new SurgeDetector({ zoneOf: () => 'Asia/Tehran' });
    const expected = withSurge.flatMap((s) => detector.observe(s));
    const { decisions } = run(withSurge);
    expect(decisions.map((d) => d.type)).toContain('surge.started');
    expect(decisions).toEqual(expected);
  });

  it('explains a decision: observed, baseline, score and the deciding samples', () => {
    const started = run(withSurge).decisions.find((d) => d.type === 'surge.started')!;
    expect(started.evidence).toMatchObject({ observed: 4000 });
    expect(started.evidence.baseline).toBeLessThan(1500);
    expect(started.evidence.score).toBeGreaterThanOrEqual(1);
    expect(started.evidence.samples.at(-1)).toMatchObject({ at: started.at, value: 4000 });
  });

  it('never changes the state it is given', () => {
    const { state } = run(traffic(0, 1500));
    const frozen = JSON.stringify(state);
    for (const s of [sample(1500, 9000), sample(1501, 1000), sample(10, 5)]) {
      stepSeries(state, s, context);
      expect(JSON.stringify(state)).toBe(frozen);
    }
  });

  it('gives identical decisions after its state round-trips through JSON at any point', () => {
    const expected = run(withSurge).decisions;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: withSurge.length }), (cut) => {
        const first = run(withSurge.slice(0, cut));
        const stored = parseSeriesState(JSON.parse(JSON.stringify(first.state)));
        const rest = run(withSurge.slice(cut), stored);
        expect([...first.decisions, ...rest.decisions]).toEqual(expected);
      }),
      { numRuns: 15 },
    );
  });

  it('keeps its state bounded however long the series runs', () => {
    const short = JSON.stringify(run(traffic(0, 500)).state).length;
    const long = JSON.stringify(run(withSurge).state).length;
    expect(long).toBeLessThan(short * 1.5);
  });

  it('is unharmed by late, duplicated and out-of-order samples', () => {
    const { state } = run(traffic(0, 2000));
    for (const late of [sample(1999, 1e9), sample(1500, 1e9), sample(1999, 1000)]) {
      const result = stepSeries(state, late, context);
      expect(result).toEqual({ state, decision: null });
    }
    fc.assert(
      fc.property(fc.array(fc.nat(299), { maxLength: 150 }), (replays) => {
        const ordered = traffic(2000, 2300);
        const clean = run(ordered, state).decisions;
        // Each replayed sample arrives after a newer one: it must change nothing.
        const mixed = ordered.flatMap((s, i) => [s, ...replays.filter((r) => r < i).slice(0, 1).map((r) => ({ ...ordered[r], value: 1e6 }))]);
        expect(run(mixed, state).decisions).toEqual(clean);
      }),
      { numRuns: 20 },
    );
  });

  it('raises no surge on blips of a near-zero series, count or measured', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 40 }), fc.constantFrom(1, 0.5, 0.01), fc.integer({ min: 0, max: 1000 }), (every, blip, offset) => {
        const blips = Array.from({ length: 2500 }, (_, i) => sample(i, (i + offset) % every === 0 ? blip : 0));
        expect(run(blips).decisions).toEqual([]);
      }),
      { numRuns: 25 },
    );
  });

  it('refuses an unknown or missing zone with a TimeError naming zone and region, never reading it as UTC', () => {
    const state = initialSeriesState('IR', 'requests');
    expect(() => stepSeries(state, sample(0, 1), { ...context, zone: 'Asia/Teheran' })).toThrow(
      expect.objectContaining({ name: 'TimeError', code: TimeErrorCode.UnknownZone, message: expect.stringMatching(/Asia\/Teheran.*IR/) }),
    );
    expect(() => stepSeries(state, sample(0, 1), { ...context, zone: undefined as unknown as string })).toThrow(
      expect.objectContaining({ code: TimeErrorCode.UnknownZone, message: expect.stringContaining('"IR"') }),
    );
    expect(() => new SurgeDetector({ zoneOf: () => undefined }).observe(sample(0, 1))).toThrow(expect.objectContaining({ code: TimeErrorCode.UnknownZone }));
  });

  it('follows a surge under way to its end after a restart raises the warm-up past the samples seen', () => {
    const calm = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => sample(from + k, 1000 + ((from + k) % 7)));
    const early = { ...context, config: detectionConfig({ defaults: { warmupSamples: 100 } }) };
    const started = run([...calm(0, 150), sample(150, 5000)], undefined, early);
    expect(started.decisions.map((d) => d.type)).toEqual(['surge.started']);
    const stored = parseSeriesState(JSON.parse(JSON.stringify(started.state)));
    const later = { ...context, config: detectionConfig({ defaults: { warmupSamples: 2000 } }) };
    const { state, decisions } = run(calm(151, 1151), stored, later);
    expect(decisions).toMatchObject([{ type: 'surge.cleared', surgeId: started.decisions[0].surgeId }]);
    expect(state.active).toBeNull();
  });

  it('refuses stored state of another version with an error that says what to do', () => {
    expect(() => parseSeriesState({ ...initialSeriesState('IR', 'requests'), version: 1 })).toThrow(/version 1.*initialSeriesState/);
  });

  it('watches the directions the region is configured for', () => {
    const drop = [...traffic(0, 2000), ...Array.from({ length: 20 }, (_, k) => sample(2000 + k, 5))];
    expect(run(drop).decisions).toEqual([]);
    const both = { ...context, config: detectionConfig({ defaults: { directions: ['up', 'down'] } }) };
    expect(run(drop, undefined, both).decisions[0]).toMatchObject({ type: 'surge.started', direction: 'down' });
  });

  it('treats a spike the series routinely makes as usual, but not one well beyond it', () => {
    // Every six hours a burst to 2000 on top of the usual traffic: routine after its first repeats.
    const bursts = traffic(0, 3000).map((s, i) => (i % 72 === 0 ? { ...s, value: 2000 } : s));
    const decisions = run(bursts).decisions.filter((d) => d.type === 'surge.started');
    expect(decisions.filter((d) => Date.parse(d.at) > START + 1500 * STEP)).toEqual([]);
    const { state } = run(bursts);
    const beyond = stepSeries(state, sample(3000, 6000), context).decision;
    expect(beyond).toMatchObject({ type: 'surge.started', direction: 'up' });
  });
});

describe('re-arming after a clear', () => {
  // withSurge's episode: 4000 for 20 samples from sample 2000, cleared after the cool-down.
  const episode = run(withSurge);
  const cleared = episode.decisions.find((d) => d.type === 'surge.cleared')!;
  const clearedAt = (Date.parse(cleared.at) - START) / STEP;
  /** The decisions of the six hours after the clear: sample k after it at `level(k)` where given, the usual traffic elsewhere. */
  const afterClear = (level: (k: number) => number | undefined, ctx = context) => {
    const { state } = run(withSurge.slice(0, clearedAt + 1), undefined, ctx);
    const rest = traffic(clearedAt + 1, clearedAt + 73).map((s, i) => ({ ...s, value: level(i + 1) ?? s.value }));
    return run(rest, state, ctx).decisions.map((d) => ({ type: d.type, surgeId: d.surgeId, samplesAfterClear: (Date.parse(d.at) - START) / STEP - clearedAt }));
  };

  it('starts a new surge on a strong one 40 minutes after the clear, after the hold the clear releases 30 minutes on', () => {
    expect(episode.decisions[0]).toMatchObject({ type: 'surge.started' });
    // Eight samples (40 minutes) after the clear, twice the episode's level for an hour.
    const again = afterClear((k) => (k >= 8 && k < 20 ? 8000 : undefined));
    expect(again[0]).toMatchObject({ type: 'surge.started', samplesAfterClear: 8 });
    expect(again[0].surgeId).not.toBe(cleared.surgeId);
  });

  for (const rearmAfterSamples of [DEFAULT_DETECTION_CONFIG.defaults.rearmAfterSamples, 12]) {
    it(`starts no second surge from the tail of the episode just cleared, back at its level for the whole wait (${rearmAfterSamples} samples), once the wait ends`, () => {
      const ctx = { ...context, config: detectionConfig({ defaults: { rearmAfterSamples } }) };
      expect(afterClear((k) => (k <= rearmAfterSamples ? 4000 : undefined), ctx).filter((d) => d.type === 'surge.started')).toEqual([]);
    });
  }
});

describe('expectedEnd', () => {
  // traffic() swings 700..1300 once a day (288 samples); sample 2232 is a trough (7 days + 216).
  const trough = 2232;
  const startOf = (level: number, count = 3) => run([...traffic(0, trough), ...Array.from({ length: count }, (_, k) => sample(trough + k, level))]).decisions;

  it('at the start of a surge the daily cycle will absorb: when the seasonal forecast meets the held level, then the cool-down', () => {
    const started = startOf(1250).find((d) => d.type === 'surge.started')!;
    expect(started).toBeDefined();
    // 1250 is usual again near the next peak (samples ~2290..2360), then 12 calm samples at five minutes.
    const end = Date.parse(started.expectedEnd!);
    expect(end).toBeGreaterThan(START + 2290 * STEP);
    expect(end).toBeLessThan(START + (2360 + 12) * STEP);
  });

  it('gives none at the start of a surge beyond anything the profile holds; once its decay is seen, a surge.updated tells the end', () => {
    const started = startOf(4000).find((d) => d.type === 'surge.started')!;
    expect(started.expectedEnd).toBeNull();
    const levels = [6000, 9000, 12000, 9000, 7000, 5500];
    const decisions = run([...traffic(0, trough), ...levels.map((level, k) => sample(trough + k, level))]).decisions;
    const told = decisions.find((d) => d.expectedEnd !== null)!;
    // Told at the first sample after the peak, though the surge did not grow: 12000 -> 9000 decays by a quarter a sample.
    expect(told).toMatchObject({ type: 'surge.updated', at: sample(trough + 3, 0).at, evidence: { observed: 9000 } });
    const end = Date.parse(told.expectedEnd!);
    expect(end).toBeGreaterThan(Date.parse(told.at) + 12 * STEP);
    expect(end).toBeLessThan(Date.parse(told.at) + 40 * STEP);
    // The next samples keep to that estimate (within a quarter of what was left): no further update.
    expect(decisions.filter((d) => Date.parse(d.at) > Date.parse(told.at))).toEqual([]);
  });

  it('does not retract an end it told when the surge grows past any estimate', () => {
    // Three weeks of a day (1000) and night (100) cycle, then a night surge that keeps growing.
    let state = initialSeriesState('IR', 'requests');
    let at = Date.parse('2026-06-01T00:00:00Z');
    const level = (ms: number) => (new Date(ms).getUTCHours() >= 8 && new Date(ms).getUTCHours() < 20 ? 1000 : 100);
    const step = (value: number) => {
      at += 5 * 60_000;
      const result = stepSeries(state, { region: 'IR', metric: 'requests', at: new Date(at), value }, { config: detectionConfig(), zone: 'UTC' });
      state = result.state;
      return result.decision;
    };
    for (let i = 0; i < 288 * 21; i++) step(Math.round(level(at + 5 * 60_000) * (1 + 0.05 * Math.sin(i * 12.9898))));
    while (new Date(at).getUTCHours() !== 2) step(level(at + 5 * 60_000));
    const decisions = [500, 520, 510, 5000, 20000, 60000].map(step).filter((decision) => decision !== null);
    const started = decisions.find((decision) => decision.type === 'surge.started')!;
    expect(started.expectedEnd).not.toBeNull();
    const updates = decisions.filter((decision) => decision.type === 'surge.updated');
    expect(updates.length).toBeGreaterThan(0);
    for (const update of updates) expect(update.expectedEnd).toBe(started.expectedEnd);
  });

  it('reads no decay into a level still climbing while the baseline of its next hours climbs faster', () => {
    // From 2016 (a rising stretch of the daily cycle) the surge climbs 2 a sample, the baseline about 6: its excess slips a little.
    const climbing = Array.from({ length: 24 }, (_, k) => sample(2016 + k, 4000 + 2 * k));
    const decisions = run([...traffic(0, 2016), ...climbing]).decisions;
    expect(decisions[0].type).toBe('surge.started');
    // The profile never reaches 4000, and nothing has decayed: no end to tell.
    expect(decisions.map((decision) => decision.expectedEnd)).toEqual(decisions.map(() => null));
  });

  it('publishes a moved end once the estimates have agreed on it for half an hour', () => {
    // Held at 1250 from a trough, the surge would end near the next peak; decaying by 5% a sample, hours sooner.
    const levels = [1250, 1250, 1250, ...Array.from({ length: 60 }, (_, k) => 700 + 550 * 0.95 ** (k + 1))];
    const decisions = run([...traffic(0, trough), ...levels.map((level, k) => sample(trough + k, level))]).decisions;
    const started = decisions[0];
    const moved = decisions.find((d) => d.type === 'surge.updated' && d.expectedEnd !== started.expectedEnd)!;
    const cleared = decisions.find((d) => d.type === 'surge.cleared')!;
    expect(started.type).toBe('surge.started');
    expect(Date.parse(moved.expectedEnd!)).toBeLessThan(Date.parse(started.expectedEnd!) - 3_600_000);
    expect(Math.abs(Date.parse(moved.expectedEnd!) - Date.parse(cleared.at))).toBeLessThan(3_600_000);
    // The decay shows from the fourth sample; its estimate has to hold for six samples (30 minutes) first.
    expect(Date.parse(moved.at)).toBeGreaterThanOrEqual(START + (trough + 3 + 6) * STEP);
  });

  it('is not published back and forth when decay and season take turns: a permanent +60% step makes a few updates, not hundreds', () => {
    const uniform = seeded(7);
    const stepAt = START + 35 * DAY;
    const { decisions } = runSeries((ms) => requests(uniform, tehranDaily(ms) * (ms >= stepAt ? 1.6 : 1)), START, START + 49 * DAY, STEP);
    const startedByStep = decisions.find((d) => Date.parse(d.at) >= stepAt)!;
    expect(startedByStep.type).toBe('surge.started');
    const first = decisions.filter((d) => d.surgeId === startedByStep.surgeId);
    // Lasting until the baseline has learned the new level, a week later.
    expect(first.at(-1)!.type).toBe('surge.cleared');
    expect(Date.parse(first.at(-1)!.at) - stepAt).toBeGreaterThan(6 * DAY);
    const updates = first.filter((d) => d.type === 'surge.updated');
    const endMoves = updates.filter((d, i) => d.expectedEnd !== (i === 0 ? first[0] : updates[i - 1]).expectedEnd);
    // The score grows 1.5-fold about a dozen times as the CUSUM fills over the week; the end moves at most a few times.
    expect(endMoves.length).toBeLessThanOrEqual(3);
    expect(updates.length).toBeLessThanOrEqual(20);
  });

  it('is the time of the clearing decision once cleared, and never before the decision it comes with', () => {
    for (const decision of run(withSurge).decisions) {
      if (decision.type === 'surge.cleared') expect(decision.expectedEnd).toBe(decision.at);
      else if (decision.expectedEnd !== null) expect(Date.parse(decision.expectedEnd)).toBeGreaterThan(Date.parse(decision.at));
    }
  });
});

/** Seeded uniform numbers in [0, 1) (a linear congruential generator), so the specs never depend on Math.random. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1664525 + 1013904223) % 4294967296;
    return x / 4294967296;
  };
}

/** A standard normal deviate (Box-Muller). */
const normal = (uniform: () => number): number => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Tehran's daily cycle: requests per second swing +-60% around 1000, lowest at 02:00 local (UTC+3:30). */
const tehranDaily = (ms: number) => 1000 * (1 + 0.6 * Math.sin(((((ms / 3_600_000 + 3.5) % 24) - 8) / 24) * 2 * Math.PI));
/** Counts drawn around a level with their Poisson-like noise. */
const requests = (uniform: () => number, level: number) => Math.max(0, Math.round(level + normal(uniform) * Math.sqrt(level)));

function runSeries(values: (ms: number) => number, fromMs: number, toMs: number, spacingMs: number, state = initialSeriesState('IR', 'rps')) {
  const samples: TrafficSample[] = [];
  for (let ms = fromMs; ms < toMs; ms += spacingMs) samples.push({ region: 'IR', metric: 'rps', at: new Date(ms), value: values(ms) });
  const result = stepSeriesRun(state, samples, context);
  return { state: result.state, decisions: result.steps.flatMap((step, i) => (step.decision ? [{ ...step.decision, sample: i }] : [])) };
}

describe('sample spacing', () => {
  // Prometheus polls every 15 s by default; the thresholds are set for 5-minute samples.
  for (const spacingMs of [15_000, MINUTE, 5 * MINUTE]) {
    it(`raises no surge on a daily cycle sampled every ${spacingMs / 1000} s, and catches a 3x surge on its first sample`, () => {
      for (const seed of [1, 2, 3]) {
        const uniform = seeded(seed * 7919);
        const calmUntil = START + 21 * DAY;
        const calm = runSeries((ms) => requests(uniform, tehranDaily(ms)), START, calmUntil, spacingMs);
        expect(calm.decisions).toEqual([]);
        // Three times the usual traffic for an hour from 14:30 local.
        const surgeFrom = calmUntil + 11 * 3_600_000;
        const surge = runSeries((ms) => requests(uniform, 3 * tehranDaily(ms)), surgeFrom, surgeFrom + 3_600_000, spacingMs, calm.state);
        expect(surge.decisions[0]).toMatchObject({ type: 'surge.started', sample: 0 });
      }
    });
  }

  it('stays warm when a warm series is sampled faster: a surge right after the switch to 1-minute polling is caught', () => {
    const uniform = seeded(23);
    // Three days at five minutes (past the day's warm-up), then polled every minute.
    const warm = runSeries((ms) => requests(uniform, tehranDaily(ms)), START, START + 3 * DAY, 5 * MINUTE);
    const faster = runSeries((ms) => requests(uniform, tehranDaily(ms)), START + 3 * DAY, START + 3 * DAY + 2 * 3_600_000, MINUTE, warm.state);
    expect(faster.decisions).toEqual([]);
    const surgeFrom = START + 3 * DAY + 2 * 3_600_000;
    const surge = runSeries((ms) => requests(uniform, 8 * tehranDaily(ms)), surgeFrom, surgeFrom + 30 * MINUTE, MINUTE, faster.state);
    expect(surge.decisions[0]).toMatchObject({ type: 'surge.started', sample: 0 });
  });

  it('learns for the warm-up as long at 15-second spacing as at 5 minutes (a day), not for its sample count', () => {
    const uniform = seeded(11);
    // Wild values every few hours of the first day would each be a surge once the warm-up is over.
    const wild = (ms: number) => ((ms - START) % (3 * 3_600_000) < 15_000 ? 50_000 : requests(uniform, tehranDaily(ms)));
    const day = runSeries(wild, START, START + DAY, 15_000);
    expect(day.decisions).toEqual([]);
    // A day on, one well beyond those is a surge.
    const after = stepSeries(day.state, { region: 'IR', metric: 'rps', at: new Date(START + DAY), value: 500_000 }, context);
    expect(after.decision).toMatchObject({ type: 'surge.started' });
  });
});

describe('stepSeriesRun', () => {
  it('gives the states and decisions of stepping the samples one by one, however the series is cut into runs', () => {
    const expected = run(withSurge);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }), (lengths) => {
        let state = initialSeriesState('IR', 'requests');
        const decisions: SurgeDecision[] = [];
        for (let from = 0, k = 0; from < withSurge.length; from += lengths[k++ % lengths.length]) {
          const result = stepSeriesRun(state, withSurge.slice(from, from + lengths[k % lengths.length]), context);
          state = result.state;
          decisions.push(...result.steps.flatMap((step) => (step.decision ? [step.decision] : [])));
        }
        expect(decisions).toEqual(expected.decisions);
        expect(state).toEqual(expected.state);
      }),
      { numRuns: 10 },
    );
  });

  it('steps on the times its caller parsed already, when given them, as it would on the samples\' own', () => {
    const expected = run(withSurge);
    const timesMs = withSurge.map((given) => new Date(given.at).getTime());
    // Times it could not read itself: only the ones given can make the same states and decisions.
    const unread = withSurge.map((given) => ({ ...given, at: 'read by the caller' }));
    const result = stepSeriesRun(initialSeriesState('IR', 'requests'), unread, context, timesMs);
    expect(result.steps.flatMap((step) => (step.decision ? [step.decision] : []))).toEqual(expected.decisions);
    expect(result.state).toEqual(expected.state);
  });

  it('marks late and duplicated samples, never changes the state it is given, and returns it when nothing is new', () => {
    const { state } = run(traffic(0, 1500));
    const frozen = JSON.stringify(state);
    const result = stepSeriesRun(state, [sample(1500, 1000), sample(1400, 9000), sample(1500, 1000), sample(1501, 1000)], context);
    expect(result.steps.map((step) => step.late)).toEqual([false, true, true, false]);
    expect(result.state.samplesSeen).toBe(state.samplesSeen + 2);
    expect(JSON.stringify(state)).toBe(frozen);
    expect(stepSeriesRun(state, [sample(10, 5)], context)).toEqual({ state, steps: [{ late: true, decision: null }] });
  });
});

describe('withoutTimesAfter', () => {
  const learned = run(traffic(0, 2000)).state;
  // A sample whose year was typed wrong, taken before such samples were refused (or by a replica whose clock ran ahead).
  const aYearAhead = { ...sample(2000, 1000), at: new Date(START + 2000 * STEP + 365 * 86_400_000).toISOString() };
  const poisoned = stepSeries(learned, aYearAhead, context).state;
  const now = START + 2000 * STEP;

  it('takes samples again from now instead of dropping every one until the time ahead as late, and still catches a surge', () => {
    const tail = withSurge.slice(2000);
    expect(stepSeriesRun(poisoned, tail, context).steps.every((step) => step.late)).toBe(true);
    const healed = withoutTimesAfter(poisoned, now + 5 * 60_000);
    expect(healed.lastAtMs).toBeLessThan(now);
    expect(healed.cadenceMs).toBeNull();
    expect(Object.values(healed.excursions).every((memory) => memory.decayedAtMs <= now + 5 * 60_000)).toBe(true);
    const { steps } = stepSeriesRun(healed, tail, context);
    expect(steps.filter((step) => step.late)).toEqual([]);
    expect(steps.flatMap((step) => (step.decision ? [`${step.decision.type} ${step.decision.startedAt}`] : []))[0]).toBe(`surge.started ${tail[0].at}`);
    // What it learned stays.
    expect(healed.samplesSeen).toBe(poisoned.samplesSeen);
    expect(healed.baseline).toEqual(poisoned.baseline);
  });

  it('gives back the very state when nothing in it is ahead of the limit, and never changes the one it is given', () => {
    expect(withoutTimesAfter(learned, now)).toBe(learned);
    const frozen = JSON.stringify(poisoned);
    withoutTimesAfter(poisoned, now);
    expect(JSON.stringify(poisoned)).toBe(frozen);
  });
});

describe('what a surge teaches the baseline', () => {
  // São Paulo (UTC-3) requests: a daily cycle peaking mid-afternoon local, ~5.9K at 11:00, weekends at 70%.
  const br: StepContext = { config: DEFAULT_DETECTION_CONFIG, zone: 'America/Sao_Paulo' };
  const HOUR = 3_600_000;
  const brLevel = (weekendFactor: number) => (ms: number) => {
    const local = new Date(ms - 3 * HOUR);
    const weekend = local.getUTCDay() === 0 || local.getUTCDay() === 6;
    return 4000 * (weekend ? weekendFactor : 1) * (1 + 0.5 * Math.sin(((local.getUTCHours() + local.getUTCMinutes() / 60 - 6) / 24) * 2 * Math.PI));
  };
  const brUsual = brLevel(0.7);
  /** Five-minute samples from `fromMs` to `toMs` of `level(ms)` with Poisson-like noise. */
  const brSamples = (level: (ms: number) => number, fromMs: number, toMs: number, seed: number) => {
    const uniform = seeded(seed);
    const samples: TrafficSample[] = [];
    for (let ms = fromMs; ms < toMs; ms += STEP) samples.push({ region: 'BR', metric: 'reqA', at: new Date(ms), value: requests(uniform, level(ms)) });
    return samples;
  };
  const stepped = (samples: TrafficSample[], state = initialSeriesState('BR', 'reqA')) => {
    const result = stepSeriesRun(state, samples, br);
    return { state: result.state, decisions: result.steps.flatMap((step) => (step.decision ? [step.decision] : [])) };
  };
  const weekOne = Date.parse('2026-11-16T00:00:00Z');
  // Mondays 14:00-15:00Z (11:00 local, hour of week 11) of weeks two and three.
  const tripled = Date.parse('2026-11-23T14:00:00Z');
  const doubled = Date.parse('2026-11-30T14:00:00Z');
  const MONDAY_11 = 11;
  const within = (ms: number, fromMs: number) => ms >= fromMs && ms < fromMs + HOUR;
  const reviewed = (ms: number) => brUsual(ms) * (within(ms, tripled) ? 3 : within(ms, doubled) ? 2 : 1);

  // From Monday 10:00 local, three weeks in: twice the usual traffic for six hours, or a fifth more for twelve; then the usual again.
  for (const { factor, hours } of [
    { factor: 2, hours: 6 },
    { factor: 1.2, hours: 12 },
  ]) {
    it(`judges a surge of ${hours} hours at x${factor} against the baseline before it: the expected level stays the usual one, and it lasts while the traffic does`, () => {
      const surgeFrom = Date.parse('2026-12-07T13:00:00Z');
      const surgeTo = surgeFrom + hours * HOUR;
      const level = (ms: number) => brUsual(ms) * (ms >= surgeFrom && ms < surgeTo ? factor : 1);
      for (const seed of [1, 2, 3]) {
        const samples = brSamples(level, weekOne, surgeTo + 6 * HOUR, seed);
        const { state, decisions } = stepped(samples);
        const [started, ...rest] = decisions;
        expect(started.type).toBe('surge.started');
        expect(Date.parse(started.at)).toBeGreaterThanOrEqual(surgeFrom);
        expect(Date.parse(started.at)).toBeLessThan(surgeFrom + HOUR / 2);
        // The baseline as it stood when the surge began.
        const usual = new SeasonalBaseline(stepped(samples.filter((s) => (s.at as Date).toISOString() < started.at)).state.baseline);
        const usualAt = (at: string) => usual.expectAt(localHourOfWeek(Date.parse(at), 'America/Sao_Paulo')).expected;
        const updates = rest.filter((d) => d.type === 'surge.updated');
        expect(updates.length).toBeGreaterThan(0);
        for (const update of [started, ...updates]) {
          expect(update.evidence.baseline / usualAt(update.at)).toBeCloseTo(1, 2);
          for (const judged of update.evidence.samples.filter((sample) => sample.at >= started.at)) expect(judged.expected / usualAt(judged.at)).toBeCloseTo(1, 2);
          // The excess told is the surge's, not what is left of it over a level that learned it.
          expect(update.evidence.observed / update.evidence.baseline).toBeGreaterThan(1 + (factor - 1) / 2);
        }
        // Cleared once the traffic is usual again (the cool-down, an hour), not while it is still high.
        const cleared = rest.find((d) => d.type === 'surge.cleared')!;
        expect(cleared.surgeId).toBe(started.surgeId);
        expect(Date.parse(cleared.at)).toBeGreaterThanOrEqual(surgeTo + HOUR - STEP);
        expect(Date.parse(cleared.at)).toBeLessThan(surgeTo + 2 * HOUR);
        // Cleared within the day, it leaves the baseline as it was for the hours it went through.
        const after = new SeasonalBaseline(state.baseline);
        for (let ms = surgeFrom; ms < surgeTo; ms += HOUR) {
          const hourOfWeek = localHourOfWeek(ms, 'America/Sao_Paulo');
          expect(after.expectAt(hourOfWeek).expected / usual.expectAt(hourOfWeek).expected).toBeCloseTo(1, 2);
        }
      }
    });
  }

  it('starts a surge on a x2 hour a week after a x3 hour at the same hour of week: the x3 episode, cleared, is forgotten by that hour', () => {
    for (const seed of [1, 2, 3]) {
      const { decisions } = stepped(brSamples(reviewed, weekOne, doubled + 3 * HOUR, seed));
      const first = decisions.find((d) => d.type === 'surge.started' && within(Date.parse(d.at), tripled))!;
      expect(first).toMatchObject({ at: new Date(tripled).toISOString(), severity: 'critical' });
      expect(decisions.find((d) => d.surgeId === first.surgeId && d.type === 'surge.cleared')).toBeDefined();
      const second = decisions.find((d) => d.type === 'surge.started' && Date.parse(d.at) >= doubled)!;
      expect(second).toMatchObject({ at: new Date(doubled).toISOString() });
      // Judged against the hour's usual level (the x3 hour had left 12.4K against 5.8K there).
      expect(second.evidence.baseline).toBeLessThan(1.1 * first.evidence.baseline);
    }
  });

  it('keeps what a surge lasting over a day taught: a lasting step clears within days and is the level from then', () => {
    const stepAt = tripled;
    const level = (ms: number) => brUsual(ms) * (ms >= stepAt ? 1.6 : 1);
    const { state, decisions } = stepped(brSamples(level, weekOne, stepAt + 28 * 24 * HOUR, 5));
    const started = decisions.find((d) => d.type === 'surge.started')!;
    expect(started.at).toBe(new Date(stepAt).toISOString());
    const cleared = decisions.find((d) => d.surgeId === started.surgeId && d.type === 'surge.cleared')!;
    expect(Date.parse(cleared.at) - stepAt).toBeLessThan(9 * 24 * HOUR);
    expect(decisions.filter((d) => Date.parse(d.at) >= stepAt + 14 * 24 * HOUR)).toEqual([]);
    expect(state.baseline.hourOfWeek[MONDAY_11].level).toBeGreaterThan(1.4 * brUsual(tripled));
  });

  it('learns a new series\' busier weekends: at most its first weekend starts a surge, the next ones are judged against it', () => {
    // Local Saturday 00:00 of weeks one and two.
    const firstSaturday = Date.parse('2026-11-21T03:00:00Z');
    const secondSaturday = firstSaturday + 7 * 24 * HOUR;
    for (const weekendFactor of [1.3, 1.5]) {
      for (const seed of [1, 2, 3]) {
        const { decisions } = stepped(brSamples(brLevel(weekendFactor), weekOne, weekOne + 28 * 24 * HOUR, seed));
        const starts = decisions.filter((d) => d.type === 'surge.started').map((d) => d.at);
        expect(starts.filter((at) => Date.parse(at) < firstSaturday || Date.parse(at) >= secondSaturday)).toEqual([]);
      }
    }
  });

  describe('a surge back at the usual level for most of an hour', () => {
    // A flat 1000 requests per five minutes; from 13:00Z, +50% for an hour, the usual for 50 minutes, +50% for 40 minutes.
    const surgeFrom = Date.parse('2026-12-01T13:00:00Z');
    const lull = surgeFrom + HOUR;
    const level = (ms: number) => (ms >= surgeFrom && ms < lull + 90 * MINUTE && (ms < lull || ms >= lull + 50 * MINUTE) ? 1500 : 1000);
    const lullHour = localHourOfWeek(lull, 'America/Sao_Paulo');
    const runs = [1, 2, 3].map((seed) => {
      const samples = brSamples(level, weekOne, lull + 4 * HOUR, seed);
      const before = stepped(samples.filter((s) => (s.at as Date).getTime() < surgeFrom));
      const { state, decisions } = stepped(samples.filter((s) => (s.at as Date).getTime() >= surgeFrom), before.state);
      return { before: before.state, state, decisions };
    });

    it('keeps what its samples at the usual level taught: the hour it spent back there stays learned when it clears', () => {
      for (const { before, state, decisions } of runs) {
        expect(decisions.map((d) => d.type).filter((type) => type !== 'surge.updated')).toEqual(['surge.started', 'surge.cleared']);
        // Ten samples at the usual level, then the surge again: the hour's bucket keeps the ten, not the two beyond them.
        expect(state.baseline.hourOfWeek[lullHour].n).toBe(before.baseline.hourOfWeek[lullHour].n + 10);
      }
    });

    it("keeps the surge's forecast errors in the series' long-run forecast error when it clears", () => {
      // About three times the usual error after the surge; put back, it was the usual one.
      for (const { before, state } of runs) expect(state.baseline.dispersion!).toBeGreaterThan(2 * before.baseline.dispersion!);
    });
  });

  describe('what the series remembers of a surge judged against the level before it', () => {
    it('remembers how far the baseline learning it saw it go, not its evidence against the level before it: a third long surge as high as two before it is still reported', () => {
      // A flat 1000 requests per five minutes: +30% for eight hours on two days, then for twelve hours five days later.
      const surges = [Date.parse('2026-12-01T13:00:00Z'), Date.parse('2026-12-02T13:00:00Z'), Date.parse('2026-12-07T13:00:00Z')];
      const hours = [8, 8, 12];
      const level = (ms: number) => (surges.some((from, i) => ms >= from && ms < from + hours[i] * HOUR) ? 1300 : 1000);
      for (const seed of [1, 2, 3]) {
        const { decisions } = stepped(brSamples(level, weekOne, surges[2] + 18 * HOUR, seed));
        const starts = decisions.filter((d) => d.type === 'surge.started').map((d) => Date.parse(d.at));
        expect(starts).toHaveLength(3);
        starts.slice(0, 2).forEach((at, i) => expect(at - surges[i]).toBeLessThan(HOUR));
        // The first two built evidence of about 50 (times the decisive sum) against the level before them, about 30
        // against the baseline learning them. Remembered at 50, two such made the third, which goes about as far, usual;
        // remembered at 30, it is rare once it goes further than both, as when the first two were judged by that baseline.
        expect(starts[2]).toBeGreaterThan(surges[2]);
        expect(starts[2]).toBeLessThan(surges[2] + hours[2] * HOUR);
      }
    });

    it("ends the series' own excursion once the baseline learning the surge has been calm for as long as a surge takes to clear, while the surge goes on", () => {
      // A measure busy from 09:00 to 18:00 UTC at 80, else 20, each sample within about 5% of it; on 2026-11-24 busy at 150.
      const busier = Date.parse('2026-11-24T00:00:00Z');
      const level = (ms: number) => {
        const hour = new Date(ms).getUTCHours();
        if (hour < 9 || hour >= 18) return 20;
        return ms >= busier ? 150 : 80;
      };
      for (const seed of [1, 2, 3]) {
        const uniform = seeded(seed);
        let state = initialSeriesState('BR', 'load');
        const decisions: SurgeDecision[] = [];
        const endedWhileActive: number[] = [];
        for (let ms = weekOne; ms < busier + 24 * HOUR; ms += STEP) {
          const result = stepSeries(state, { region: 'BR', metric: 'load', at: new Date(ms), value: level(ms) * (1 + 0.05 * normal(uniform)) }, br);
          if (state.active && result.state.active && result.state.cusum.up === 0) endedWhileActive.push(ms);
          state = result.state;
          if (result.decision && ms >= busier) decisions.push(result.decision);
        }
        const [started, ...rest] = decisions;
        expect(started.type).toBe('surge.started');
        expect(Date.parse(started.at) - (busier + 9 * HOUR)).toBeLessThan(HOUR / 2);
        const cleared = rest.find((d) => d.type === 'surge.cleared')!;
        expect(cleared.surgeId).toBe(started.surgeId);
        // Judged against the busy hours before it, the surge lasts until an hour after they end. The baseline learning it
        // was calm for an hour before then, where it would have cleared the surge: the series' own evidence starts again
        // from there, and what it remembers of the excursion is what it had built until then.
        expect(Date.parse(cleared.at)).toBeGreaterThanOrEqual(busier + 19 * HOUR - STEP);
        expect(endedWhileActive.length).toBeGreaterThan(0);
      }
    });
  });

  it('reads a state stored mid-surge before it kept the hours a surge taught: the surge clears as it did, keeping what it had taught', () => {
    const samples = brSamples(reviewed, weekOne, tripled + 3 * HOUR, 1);
    const during = samples.findIndex((s) => Date.parse(s.at as string) >= tripled + 30 * 60_000);
    const { state } = stepped(samples.slice(0, during));
    const usual = state.active!.weekBucketsBefore![MONDAY_11];
    const taught = state.baseline.hourOfWeek[MONDAY_11];
    expect(taught.level).toBeGreaterThan(usual.level);
    const older = JSON.parse(JSON.stringify(state)) as SeriesState;
    delete older.active!.globalBefore;
    delete older.active!.dispersionBefore;
    delete older.active!.dayBucketsBefore;
    delete older.active!.weekBucketsBefore;
    const asStored = stepped(samples.slice(during), parseSeriesState(older));
    const current = stepped(samples.slice(during), state);
    expect(asStored.decisions.map((d) => d.type)).toEqual(current.decisions.map((d) => d.type));
    expect(asStored.decisions.at(-1)!.type).toBe('surge.cleared');
    expect(asStored.state.baseline.hourOfWeek[MONDAY_11]).toEqual(taught);
    expect(current.state.baseline.hourOfWeek[MONDAY_11]).toEqual(usual);
  });

  it('reads a state stored mid-surge when it kept only the hour-of-week buckets: the surge clears as it does, and puts them back', () => {
    const samples = brSamples(reviewed, weekOne, tripled + 3 * HOUR, 1);
    const during = samples.findIndex((s) => Date.parse(s.at as string) >= tripled + 30 * 60_000);
    const { state } = stepped(samples.slice(0, during));
    const usual = state.active!.weekBucketsBefore![MONDAY_11];
    const older = JSON.parse(JSON.stringify(state)) as SeriesState;
    delete older.active!.globalBefore;
    delete older.active!.dispersionBefore;
    delete older.active!.dayBucketsBefore;
    const asStored = stepped(samples.slice(during), parseSeriesState(older));
    const current = stepped(samples.slice(during), state);
    expect(asStored.decisions.map((d) => d.type)).toEqual(current.decisions.map((d) => d.type));
    expect(asStored.decisions.at(-1)!.type).toBe('surge.cleared');
    expect(asStored.state.baseline.hourOfWeek[MONDAY_11]).toEqual(usual);
  });
});
