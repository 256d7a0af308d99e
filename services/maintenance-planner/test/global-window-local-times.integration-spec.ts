/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { createEvent } from '@holdfast/contracts';
import { expectEventually, ManualClock } from '@holdfast/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf, plannerApi, type PlannerWithReaders, startPlannerWithReaders } from './support/planner-with-readers';

const clock = new ManualClock('2026-12-07T05:00:00Z');

const BR_RUN = { region: 'BR', zone: 'America/Sao_Paulo', startsAtLocal: '2026-12-07T16:36', endsAtLocal: '2026-12-07T17:36', offset: '-03:00', endOffset: '-03:00' };

/**
 * A global window has no footprint regions to give its runs' local times in: a run a hold holds (or flags, or lets through)
 * is given them in the hold's regions, in every answer, as window.held gives them; a run nothing holds, in none.
 */
describe("maintenance-planner: a global window's runs in the local times of the regions holding them", () => {
  let planner: PlannerWithReaders;
  const api = plannerApi(() => planner.service);
  const windows: Record<string, string> = {};

  const plan = async (name: string, startsAt: string, extra: Record<string, unknown> = {}) => {
    const endsAt = new Date(Date.parse(startsAt) + 3_600_000).toISOString();
    const answer = await api('POST', '/v1/windows', { title: `${name} DNS change`, ownerTeam: 'network-ops', footprint: { global: true, regions: [] }, startsAt, endsAt, plannedZone: 'America/Sao_Paulo', ...extra });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    windows[name] = answer.body.windowId as string;
  };
  const runsOf = async (name: string) => {
    const answer = await api('GET', `/v1/windows/${windows[name]}/occurrences`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.items as Record<string, any>[];
  };
  const acrossWindows = async (name: string) => {
    const answer = await api('GET', '/v1/occurrences?from=2026-12-07T00:00:00Z&to=2026-12-13T00:00:00Z');
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return (answer.body.items as Record<string, any>[]).filter((run) => run.windowId === windows[name]);
  };

  beforeAll(async () => {
    planner = await startPlannerWithReaders(clock, 'global-local-times');
    // held: daily, its first run held by a BR surge, its second by a manual AR hold, its third by nothing.
    await plan('held', '2026-12-07T19:36:00Z', { recurrence: 'FREQ=DAILY;COUNT=3' });
    // flagged: notify-only, its one run in the BR surge, which flags it; quiet: in no hold.
    await plan('flagged', '2026-12-07T20:00:00Z', { surgePolicy: 'notify-only' });
    await plan('quiet', '2026-12-12T19:36:00Z');
    const surgeId = uuidv7();
    await planner.publisher.publish(
      createEvent(
        'surge.started',
        {
          surgeId,
          region: 'BR',
          source: 'detector',
          severity: 'major',
          startedAt: '2026-12-07T04:55:00Z',
          detectedAt: '2026-12-07T05:00:00Z',
          reason: 'requests in BR surged',
          metric: 'requests',
          evidence: { observed: 5_000, baseline: 1_000, score: 5, samples: [{ at: '2026-12-07T04:55:00Z', value: 5_000 }] },
        },
        { source: 'global-local-times-spec', subject: 'BR' },
      ),
    );
    await expectEventually(async () => expect((await runsOf('held'))[0]).toMatchObject({ status: 'held' }));
    const argentina = await api('POST', '/v1/holds', { regions: ['AR'], from: '2026-12-08T18:00:00Z', until: '2026-12-08T22:00:00Z', reason: 'Final of the national cup' });
    expect(argentina.status, JSON.stringify(argentina.body)).toBe(201);
  });

  afterAll(() => planner?.close());

  it("gives each run of a global window the local times of the regions holding it, as window.held does, in the window's runs and across windows alike", async () => {
    const runs = await runsOf('held');
    expect(runs.map((run) => [run.number, run.status, run.localTimes])).toEqual([
      [1, 'held', [BR_RUN]],
      [2, 'held', [{ region: 'AR', zone: 'America/Argentina/Buenos_Aires', startsAtLocal: '2026-12-08T16:36', endsAtLocal: '2026-12-08T17:36', offset: '-03:00', endOffset: '-03:00' }]],
      [3, 'scheduled', []],
    ]);
    const held = await expectEventually(() => {
      const event = eventsOf(planner.windowEvents, 'window.held').find((candidate) => candidate.windowId === windows.held && candidate.holdRegions.includes('BR'));
      expect(event).toBeDefined();
      return event!;
    });
    expect(held.occurrences.find((run: any) => run.number === 1).localTimes).toEqual(runs[0].localTimes);
    const listed = await acrossWindows('held');
    expect(listed.map((run) => [run.number, run.localTimes])).toEqual(runs.map((run) => [run.number, run.localTimes]));
  });

  it("gives the window's next run the local times of the regions holding it", async () => {
    const window = await api('GET', `/v1/windows/${windows.held}`);
    expect(window.body.nextOccurrence).toMatchObject({ number: 1, status: 'held', localTimes: [BR_RUN] });
  });

  it("gives a run nothing holds no local times: its window's plannedZone is the one it was planned in", async () => {
    expect((await runsOf('quiet')).map((run) => run.localTimes)).toEqual([[]]);
    expect((await acrossWindows('quiet')).map((run) => [run.localTimes, run.plannedZone])).toEqual([[[], 'America/Sao_Paulo']]);
    expect((await api('GET', `/v1/windows/${windows.quiet}`)).body.nextOccurrence).toMatchObject({ number: 1, localTimes: [] });
  });

  it("gives a notify-only global window's run a hold flags the hold's local times, listed, started and completed", async () => {
    const flagged = { region: 'BR', zone: 'America/Sao_Paulo', startsAtLocal: '2026-12-07T17:00', endsAtLocal: '2026-12-07T18:00', offset: '-03:00', endOffset: '-03:00' };
    expect((await runsOf('flagged')).map((run) => [run.status, run.localTimes])).toEqual([['scheduled', [flagged]]]);
    expect((await acrossWindows('flagged')).map((run) => run.localTimes)).toEqual([[flagged]]);
    clock.set('2026-12-07T20:00:00Z');
    const started = await api('POST', `/v1/windows/${windows.flagged}/occurrences/1/start`);
    expect(started, JSON.stringify(started.body)).toMatchObject({ status: 200, body: { status: 'in-progress', localTimes: [flagged] } });
    // Its window.started carries the run as the answer gives it.
    await expectEventually(() => expect(eventsOf(planner.windowEvents, 'window.started').find((event) => event.windowId === windows.flagged)?.occurrences).toEqual([started.body]));
    const completed = await api('POST', `/v1/windows/${windows.flagged}/occurrences/1/complete`);
    expect(completed, JSON.stringify(completed.body)).toMatchObject({ status: 200, body: { status: 'completed', localTimes: [flagged] } });
  });
});
