import { createEvent, Topics } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { RegionCatalog } from '@holdfast/regions';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzerService } from '../src/app.module';
import { postAll, recordEvents, seasonalLevel, seasonalSeries, type RecordedEvent, type SampleInput } from './support/analyzer-harness';

interface Rearming {
  samplesLeft: number;
  quietUntil: string | null;
  rearmAfterSamples: number;
}

interface SurgeView {
  status: string;
  startedAt: string;
  detectedAt: string;
  clearedAt: string | null;
  evidence: { samples: { at: string }[] };
}

const MINUTE = 60_000;
const STEP = 5 * MINUTE;
/** The analyzer's clock as the specs start: every sample of a warm series up to five minutes before it. */
const T = Date.parse('2026-06-17T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
/** Four minutes ahead of the analyzer's clock: within SAMPLE_MAX_AHEAD_SECONDS (300), a sender's clock running fast. */
const AHEAD = 4 * MINUTE;

describe('impact-analyzer: when a surge from samples starts and ends, and how long it waits to start another, on the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  const clock = new ManualClock(iso(T));

  const zoneOf = (region: string) => service.app.get(RegionCatalog).zoneOf(region);
  const eventsOf = (region: string): RecordedEvent[] => surges.events().filter((event) => event.data.region === region);
  const surgesIn = async (region: string): Promise<SurgeView[]> => ((await (await service.fetch(`/v1/surges?region=${region}`)).json()) as { items: SurgeView[] }).items;
  const seriesOf = async (region: string) =>
    ((await (await service.fetch(`/v1/regions/${region}/baseline`)).json()) as { metrics: { sampleCount: number; lastSampleAt: string; rearming: Rearming | null }[] }).metrics[0];
  const learned = (region: string, count: number) =>
    expectEventually(async () => expect((await seriesOf(region))?.sampleCount).toBe(count), { timeoutMs: 60_000, intervalMs: 200, message: `${region} learned ${count} samples` });
  const at = (region: string, ms: number, factor = 1): SampleInput => ({ region, at: iso(ms), value: Math.round(factor * seasonalLevel(zoneOf(region), iso(ms))) });

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, {
      clock,
      environment: {
        // TZ starts a new surge as soon as one clears; UG warms up under a ceiling whose surge clears on one sample below it.
        // No series is lost while the clock jumps ahead of its samples.
        ANALYZER_DETECTION: JSON.stringify({
          defaults: { signalLossAfterSeconds: 86_400 },
          regions: { TZ: { rearmAfterSamples: 0 }, UG: { warmupCeiling: 5_000, coolDownSamples: 1 } },
        }),
      },
    });
    surges = await recordEvents(service, Topics.regionSurges, 'surges');
  });

  afterAll(async () => {
    await surges?.stop();
    await service?.close();
  });

  it('starts a surge from a sample stamped ahead of the clock when it is seen, and clears it no later than when it is seen, keeping the sample’s time in its evidence', async () => {
    // Two days of a daily cycle up to five minutes before the clock, then one spike four minutes ahead of it.
    const history = ['KE', 'TZ'].flatMap((region) => seasonalSeries({ region, zone: zoneOf(region), from: iso(T - 576 * STEP), count: 576 }));
    await postAll(service, history);
    await learned('KE', 576);
    await learned('TZ', 576);
    await postAll(service, [at('KE', T + AHEAD, 6), at('TZ', T + AHEAD, 6)]);

    const [started] = await expectEventually(async () => {
      const listed = await surgesIn('KE');
      expect(listed).toHaveLength(1);
      return listed;
    });
    // Held from when it was seen: starting at the sample's time, the planner's hold (and the gate's 423) would wait four minutes.
    expect(started).toMatchObject({ status: 'active', startedAt: iso(T), detectedAt: iso(T) });
    expect(started.evidence.samples.at(-1)!.at).toBe(iso(T + AHEAD));
    await expectEventually(() => expect(eventsOf('KE').map((event) => event.type)).toContain('surge.started'));
    expect(eventsOf('KE')[0].data).toMatchObject({ startedAt: iso(T), detectedAt: iso(T) });

    // An hour on, the clock four minutes behind the samples again: twelve calm ones clear it, as of now, not of the last one's time.
    clock.set(iso(T + 60 * MINUTE));
    const calm = Array.from({ length: 12 }, (_, index) => T + AHEAD + (index + 1) * STEP);
    await postAll(service, ['KE', 'TZ'].flatMap((region) => calm.map((ms) => at(region, ms))));
    for (const region of ['KE', 'TZ']) {
      const cleared = await expectEventually(() => {
        const event = eventsOf(region).find((e) => e.type === 'surge.cleared');
        expect(event).toBeDefined();
        return event!;
      });
      expect(cleared.data).toMatchObject({ startedAt: iso(T), clearedAt: iso(T + 60 * MINUTE) });
      // Every event of the surge says it started when it was seen.
      expect(eventsOf(region).every((event) => event.data.startedAt === iso(T)), region).toBe(true);
    }
    expect(await surgesIn('KE')).toEqual([expect.objectContaining({ status: 'cleared', startedAt: iso(T), clearedAt: iso(T + 60 * MINUTE) })]);
    expect((await seriesOf('KE')).rearming).toMatchObject({ samplesLeft: 6, rearmAfterSamples: 6 });
  });

  it("starts no surge while a region re-arms after one cleared, however far a sample goes, and says so in its baseline's rearming; rearmAfterSamples 0 starts one at once", async () => {
    const spikeAt = T + AHEAD + 13 * STEP;
    clock.set(iso(spikeAt));
    await postAll(service, [at('KE', spikeAt, 8), at('TZ', spikeAt, 8)]);
    await expectEventually(async () => expect((await surgesIn('TZ')).map((surge) => surge.status)).toEqual(['active', 'cleared']));
    await learned('KE', 576 + 1 + 12 + 1);
    // KE's state and any surge the spike started commit together: its one surge is still the cleared one.
    expect((await surgesIn('KE')).map((surge) => surge.status)).toEqual(['cleared']);
    const { rearming, lastSampleAt } = await seriesOf('KE');
    expect(lastSampleAt).toBe(iso(spikeAt));
    expect(rearming).toMatchObject({ samplesLeft: 5, rearmAfterSamples: 6 });
    // About five samples on, at the series' spacing (five minutes, smoothed over the four-minute-ahead spike's longer gap).
    const quietMs = Date.parse(rearming!.quietUntil!) - spikeAt;
    expect(quietMs).toBeGreaterThanOrEqual(5 * STEP);
    expect(quietMs).toBeLessThan(5 * 6 * MINUTE);
    // A region that re-arms at once, with a surge under way, is not re-arming.
    expect((await seriesOf('TZ')).rearming).toBeNull();
  });

  it("starts a warm-up ceiling's surge from a sample on Kafka stamped ahead of the clock when it is seen, and clears it no later than when it is seen", async () => {
    const now = clock.nowMs();
    const publish = (ms: number, value: number) =>
      service.app.get(MessagingRuntime).publisher.publish(createEvent('traffic.sample', { region: 'UG', metric: 'requests', at: iso(ms), value, source: 'pipeline' }, { source: 'spec', subject: 'UG' }));
    await publish(now + AHEAD, 6_000);
    const [started] = await expectEventually(async () => {
      const listed = await surgesIn('UG');
      expect(listed).toHaveLength(1);
      return listed;
    });
    expect(started).toMatchObject({ status: 'active', startedAt: iso(now), detectedAt: iso(now) });
    expect(started.evidence.samples).toEqual([{ at: iso(now + AHEAD), value: 6_000 }]);

    await publish(now + AHEAD + 30_000, 100);
    await expectEventually(async () => expect(await surgesIn('UG')).toEqual([expect.objectContaining({ status: 'cleared', startedAt: iso(now), clearedAt: iso(now) })]));
  });
});
