/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { createEvent, type HoldfastEvent } from '@holdfast/contracts';
import { expectEventually, ManualClock } from '@holdfast/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerApi, type PlannerWithReaders, startPlannerWithReaders } from './support/planner-with-readers';

const clock = new ManualClock('2026-12-06T21:30:00Z');

/** BR's samples five minutes apart up to `last`, each `[value, expected]`, as the detector's evidence carries them. */
function samplesUpTo(last: string, pairs: [number, number][]): { at: string; value: number; expected: number; zScore: number }[] {
  return pairs.map(([value, expected], index) => ({
    at: new Date(Date.parse(last) - (pairs.length - 1 - index) * 300_000).toISOString(),
    value,
    expected,
    zScore: (value - expected) / 2_000,
  }));
}

function surge(type: 'surge.started' | 'surge.updated', surgeId: string, samples: ReturnType<typeof samplesUpTo>, region = 'BR'): HoldfastEvent {
  const deciding = samples.at(-1)!;
  return createEvent(
    type,
    {
      surgeId,
      region,
      metric: 'requests',
      source: 'detector',
      severity: 'major',
      startedAt: '2026-12-06T21:25:00Z',
      detectedAt: clock.now().toISOString(),
      evidence: { observed: deciding.value, baseline: deciding.expected, score: 4, zScore: deciding.zScore, cumulative: 24.1, support: 'hour-of-week', samples },
      reason: `requests in ${region} rose to ${deciding.value}`,
    },
    { source: 'explanation-start-sample-spec', subject: region },
  );
}

describe("maintenance-planner: a surge's hold explained gives the sample that started the surge apart from the latest evidence", () => {
  let planner: PlannerWithReaders;
  const api = plannerApi(() => planner.service);

  beforeAll(async () => {
    planner = await startPlannerWithReaders(clock, 'explanation-start-sample');
  });

  afterAll(() => planner?.close());

  /** Plans a window in `region` on the 7th and answers the cause its first hold's explanation gives, when there is one. */
  async function windowExplained(region: string): Promise<() => Promise<any>> {
    const planned = await api('POST', '/v1/windows', {
      title: `Upgrade in ${region}`,
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: [region] },
      startsAt: '2026-12-07T18:00:00Z',
      endsAt: '2026-12-07T18:30:00Z',
      plannedZone: 'America/Sao_Paulo',
    });
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    return async () => ((await api('GET', `/v1/windows/${planned.body.windowId}/explanation`)).body.holds as any[])[0]?.cause;
  }
  const start = { at: '2026-12-06T21:25:00.000Z', value: 9_000, expected: 5_783, zScore: 1.6085 };

  it('names the sample that started the surge however far the surge was updated past it', async () => {
    clock.set('2026-12-06T21:30:00Z');
    const explained = await windowExplained('BR');
    const surgeId = uuidv7();

    await planner.publisher.publish(surge('surge.started', surgeId, samplesUpTo('2026-12-06T21:25:00Z', [[5_900, 5_780], [9_000, 5_783]])));
    await expectEventually(async () => expect(await explained()).toMatchObject({ kind: 'surge', startSample: start, evidence: { observed: 9_000 }, signalLoss: null }));

    // Updated three samples on: the evidence is the update's, its samples still reach back to the start.
    clock.set('2026-12-06T21:40:00Z');
    await planner.publisher.publish(surge('surge.updated', surgeId, samplesUpTo('2026-12-06T21:40:00Z', [[9_000, 5_783], [12_000, 6_100], [14_000, 6_400], [15_500, 6_700]])));
    await expectEventually(async () => expect(await explained()).toMatchObject({ startSample: start, evidence: { observed: 15_500 } }));

    // Updated with seven samples judged after the start, none of them the start's: the evidence no longer carries it.
    clock.set('2026-12-06T22:00:00Z');
    const later = samplesUpTo('2026-12-06T22:00:00Z', [[15_800, 6_700], [16_000, 6_800], [16_400, 6_900], [16_900, 7_000], [17_200, 7_100], [17_600, 7_200], [18_000, 7_300]]);
    expect(later.some((sample) => sample.at <= start.at)).toBe(false);
    await planner.publisher.publish(surge('surge.updated', surgeId, later));
    await expectEventually(async () => expect(await explained()).toMatchObject({ startSample: start, evidence: { observed: 18_000 } }));

    // And updated the next afternoon.
    clock.set('2026-12-07T16:30:00Z');
    await planner.publisher.publish(surge('surge.updated', surgeId, samplesUpTo('2026-12-07T16:30:00Z', [[20_000, 10_300], [21_408, 10_409]])));
    await expectEventually(async () => expect(await explained()).toMatchObject({ startSample: start, evidence: { observed: 21_408 } }));
  });

  it("a lost signal's hold has no sample: its cause says which series went silent and since when, from its surge's signalLoss", async () => {
    clock.set('2026-12-06T21:45:00Z');
    const explained = await windowExplained('UY');
    const lost = createEvent(
      'surge.started',
      {
        surgeId: uuidv7(),
        region: 'UY',
        metric: 'requests',
        source: 'detector',
        severity: 'major',
        startedAt: '2026-12-06T21:45:00Z',
        detectedAt: '2026-12-06T21:45:00Z',
        signalLoss: { lastSampleAt: '2026-12-06T21:29:00.000Z', silentSeconds: 960 },
        reason: 'No requests sample from UY for 16 minutes: held until the signal is back (onSignalLoss: hold)',
      },
      // The analyzer's chain for a lost signal: an id of its own, naming no sample event.
      { source: 'explanation-start-sample-spec', subject: 'UY', correlationId: 'signal-loss:UY/requests' },
    );

    await planner.publisher.publish(lost);
    await expectEventually(async () =>
      expect(await explained()).toMatchObject({
        kind: 'surge',
        evidence: null,
        startSample: null,
        signalLoss: { metric: 'requests', lastSampleAt: '2026-12-06T21:29:00.000Z', silentSeconds: 960 },
        correlationId: 'signal-loss:UY/requests',
      }),
    );
  });

  it("a hold placed from a surge.updated, its start never seen, finds the start's sample in its latest evidence only while that carries it", async () => {
    clock.set('2026-12-06T21:40:00Z');
    const explained = await windowExplained('AR');
    const surgeId = uuidv7();

    await planner.publisher.publish(surge('surge.updated', surgeId, samplesUpTo('2026-12-06T21:40:00Z', [[9_000, 5_783], [12_000, 6_100], [14_000, 6_400], [15_500, 6_700]]), 'AR'));
    await expectEventually(async () => expect(await explained()).toMatchObject({ kind: 'surge', startSample: start, evidence: { observed: 15_500 } }));

    clock.set('2026-12-07T16:30:00Z');
    await planner.publisher.publish(surge('surge.updated', surgeId, samplesUpTo('2026-12-07T16:30:00Z', [[20_000, 10_300], [21_408, 10_409]]), 'AR'));
    await expectEventually(async () => expect(await explained()).toMatchObject({ startSample: null, evidence: { observed: 21_408 } }));
  });
});
