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

function surge(type: 'surge.started' | 'surge.updated', surgeId: string, samples: ReturnType<typeof samplesUpTo>): HoldfastEvent {
  const deciding = samples.at(-1)!;
  return createEvent(
    type,
    {
      surgeId,
      region: 'BR',
      metric: 'requests',
      source: 'detector',
      severity: 'major',
      startedAt: '2026-12-06T21:25:00Z',
      detectedAt: clock.now().toISOString(),
      evidence: { observed: deciding.value, baseline: deciding.expected, score: 4, zScore: deciding.zScore, cumulative: 24.1, support: 'hour-of-week', samples },
      reason: `requests in BR rose to ${deciding.value}`,
    },
    { source: 'explanation-start-sample-spec', subject: 'BR' },
  );
}

describe("maintenance-planner: a surge's hold explained gives the sample that started the surge apart from the latest evidence", () => {
  let planner: PlannerWithReaders;
  const api = plannerApi(() => planner.service);

  beforeAll(async () => {
    planner = await startPlannerWithReaders(clock, 'explanation-start-sample');
  });

  afterAll(() => planner?.close());

  it('names the starting sample while the evidence the hold keeps carries it, and says it no longer does once the surge was updated past it', async () => {
    const planned = await api('POST', '/v1/windows', {
      title: 'Upgrade in BR',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['BR'] },
      startsAt: '2026-12-07T18:00:00Z',
      endsAt: '2026-12-07T18:30:00Z',
      plannedZone: 'America/Sao_Paulo',
    });
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    const explained = async () => ((await api('GET', `/v1/windows/${planned.body.windowId}/explanation`)).body.holds as any[])[0]?.cause;
    const surgeId = uuidv7();
    const start = { at: '2026-12-06T21:25:00.000Z', value: 9_000, expected: 5_783, zScore: 1.6085 };

    await planner.publisher.publish(surge('surge.started', surgeId, samplesUpTo('2026-12-06T21:25:00Z', [[5_900, 5_780], [9_000, 5_783]])));
    await expectEventually(async () => expect(await explained()).toMatchObject({ kind: 'surge', startSample: start, evidence: { observed: 9_000 } }));

    // Updated three samples on: the evidence is the update's, its samples still reach back to the start.
    clock.set('2026-12-06T21:40:00Z');
    await planner.publisher.publish(surge('surge.updated', surgeId, samplesUpTo('2026-12-06T21:40:00Z', [[9_000, 5_783], [12_000, 6_100], [14_000, 6_400], [15_500, 6_700]])));
    await expectEventually(async () => expect(await explained()).toMatchObject({ startSample: start, evidence: { observed: 15_500 } }));

    // Updated the next afternoon: the evidence kept is the latest, and the start's sample is no longer in it.
    clock.set('2026-12-07T16:30:00Z');
    await planner.publisher.publish(surge('surge.updated', surgeId, samplesUpTo('2026-12-07T16:30:00Z', [[20_000, 10_300], [21_408, 10_409]])));
    await expectEventually(async () => expect(await explained()).toMatchObject({ startSample: null, evidence: { observed: 21_408 } }));
  });
});
