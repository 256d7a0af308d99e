/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { createEvent, HoldReleasedSchema, type HoldfastEvent, type HoldSource } from '@holdfast/contracts';
import type { EventPublisher } from '@holdfast/messaging';
import { expectEventually, ManualClock, type TopicRecorder } from '@holdfast/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlannerSweep } from '../src/holds/planner-sweep.service';
import { eventsOf, plannerApi, type PlannerWithReaders, startPlannerWithReaders } from './support/planner-with-readers';

const clock = new ManualClock('2026-12-07T05:00:00Z');

function started(surgeId: string, region: string, source: HoldSource, data: Record<string, unknown>): HoldfastEvent {
  return createEvent(
    'surge.started',
    { surgeId, region, source, severity: 'major', startedAt: '2026-12-07T04:55:00Z', detectedAt: '2026-12-07T05:00:00Z', reason: `A surge in ${region}`, ...data } as never,
    { source: 'clearance-reasons-spec', subject: region },
  );
}

function cleared(surgeId: string, region: string, clearedAt: string, reason: string, startedAt = '2026-12-07T04:55:00Z'): HoldfastEvent {
  return createEvent('surge.cleared', { surgeId, region, startedAt, clearedAt, reason }, { source: 'clearance-reasons-spec', subject: region });
}

describe('maintenance-planner: a hold released after its surge cleared says why the surge cleared', () => {
  let planner: PlannerWithReaders;
  let publisher: EventPublisher;
  let holdEvents: TopicRecorder;
  let windowEvents: TopicRecorder;
  let sweep: PlannerSweep;

  const api = plannerApi(() => planner.service);
  const plan = async (region: string, zone: string, startsAt: string, endsAt: string) => {
    const answer = await api('POST', '/v1/windows', { title: `Upgrade in ${region}`, ownerTeam: 'network-ops', footprint: { global: false, regions: [region] }, startsAt, endsAt, plannedZone: zone });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.windowId as string;
  };
  const holdOf = async (surgeId: string) => ((await api('GET', '/v1/holds')).body.items as Record<string, any>[]).find((hold) => hold.causeId === surgeId);
  const trail = async (holdId: string) => (await api('GET', `/v1/audit?subject=${holdId}`)).body.items as Record<string, any>[];
  const released = (holdId: string) =>
    expectEventually(() => {
      const event = eventsOf(holdEvents, 'hold.released').find((candidate) => candidate.holdId === holdId);
      expect(event).toBeDefined();
      return event!;
    });

  beforeAll(async () => {
    planner = await startPlannerWithReaders(clock, 'clearance-reasons');
    ({ publisher, holdEvents, windowEvents, sweep } = planner);
  });

  afterAll(() => planner?.close());

  it('says the signal was lost, not that traffic calmed down: on hold.released, window.released, the trail and the explanation', async () => {
    clock.set('2026-12-07T05:00:00Z');
    const windowId = await plan('BR', 'America/Sao_Paulo', '2026-12-07T05:30:00Z', '2026-12-07T06:00:00Z');
    const surgeId = uuidv7();
    await publisher.publish(
      started(surgeId, 'BR', 'detector', {
        metric: 'requests',
        evidence: { observed: 5_000, baseline: 1_000, score: 5, samples: [{ at: '2026-12-07T04:55:00Z', value: 5_000 }] },
        reason: 'requests in BR surged',
      }),
    );
    await expectEventually(async () => expect(await holdOf(surgeId)).toMatchObject({ active: true }));
    const hold = (await holdOf(surgeId))!;

    const lost = 'No requests sample from BR for 15 minutes: the signal is lost, so the detector can no longer follow this surge (onSignalLoss: notify)';
    clock.set('2026-12-07T05:50:00Z');
    await publisher.publish(cleared(surgeId, 'BR', '2026-12-07T05:49:00Z', lost));
    await expectEventually(async () => expect((await holdOf(surgeId))?.releaseDueAt).toBe('2026-12-07T06:19:00.000Z'));
    expect((await trail(hold.id)).find((entry) => entry.action === 'cleared')).toMatchObject({ reason: lost, details: { reason: lost } });

    clock.set('2026-12-07T06:20:00Z');
    await sweep.sweep();
    const reason = `The surge cleared at 05:49 UTC on Mon 7 Dec 2026 (${lost}) and the cool-down passed`;
    expect((await released(hold.id)).reason).toBe(reason);
    await expectEventually(() => expect(eventsOf(windowEvents, 'window.released').find((event) => event.holdId === hold.id)).toMatchObject({ windowId, holdReason: reason }));
    expect((await trail(hold.id)).find((entry) => entry.action === 'released')).toMatchObject({ reason });
    const explanation = await api('GET', `/v1/windows/${windowId}/explanation`);
    expect(explanation.body.holds.find((entry: any) => entry.hold.id === hold.id).hold).toMatchObject({ active: false, releaseReason: reason });
  });

  it("places the hold of a surge whose reason takes the contract's whole 2,000 characters (a declaration's, an alert's), its own reason cut short to fit", async () => {
    clock.set('2026-12-07T09:00:00Z');
    const windowId = await plan('IR', 'Asia/Tehran', '2026-12-07T09:30:00Z', '2026-12-07T10:00:00Z');
    const surgeId = uuidv7();
    const long = `election in IR: ${'x'.repeat(1984)}`;
    await publisher.publish(started(surgeId, 'IR', 'declaration', { startedAt: '2026-12-07T09:00:00Z', detectedAt: '2026-12-07T09:00:00Z', expectedEndAt: '2026-12-07T11:00:00Z', reason: long }));
    await expectEventually(async () => expect(await holdOf(surgeId)).toMatchObject({ active: true }));
    const hold = (await holdOf(surgeId))!;
    expect(hold.reason).toHaveLength(2000);
    expect(hold.reason).toMatch(/^Surge in IR: election in IR: x+…$/);
    expect((await api('GET', `/v1/windows/${windowId}`)).body.status).toBe('held');
    expect((await api('GET', '/v1/gate?regions=IR')).status).toBe(423);
    await expectEventually(() => expect(eventsOf(holdEvents, 'hold.placed').find((event) => event.holdId === hold.id)).toMatchObject({ reason: hold.reason }));
  });

  it('keeps the reason of a clearance that overtook its start, for the hold the late start places and releases at once', async () => {
    clock.set('2026-12-07T08:00:00Z');
    const surgeId = uuidv7();
    const resolved = 'HighErrorRate resolved in alertmanager';
    await publisher.publish(cleared(surgeId, 'AR', '2026-12-07T07:00:00Z', resolved, '2026-12-07T06:30:00Z'));
    await publisher.publish(started(surgeId, 'AR', 'alert', { startedAt: '2026-12-07T06:30:00Z', detectedAt: '2026-12-07T06:31:00Z', reason: 'HighErrorRate firing in alertmanager' }));
    await expectEventually(async () => expect(await holdOf(surgeId)).toMatchObject({ active: false }));
    const hold = (await holdOf(surgeId))!;
    const reason = `The alert resolved at 07:00 UTC on Mon 7 Dec 2026 (${resolved}) and the cool-down passed`;
    expect(hold.releaseReason).toBe(reason);
    expect((await released(hold.id)).reason).toBe(reason);
    expect((await trail(hold.id)).find((entry) => entry.action === 'cleared')).toMatchObject({ reason: resolved });
  });

  it("keeps a retired series' reason whole on the trail, and cut short in the release, which hold.released still carries", async () => {
    clock.set('2026-12-07T12:00:00Z');
    const surgeId = uuidv7();
    await publisher.publish(
      started(surgeId, 'PE', 'detector', {
        startedAt: '2026-12-07T11:55:00Z',
        metric: 'requests',
        evidence: { observed: 5_000, baseline: 1_000, score: 5, samples: [{ at: '2026-12-07T11:55:00Z', value: 5_000 }] },
      }),
    );
    await expectEventually(async () => expect(await holdOf(surgeId)).toMatchObject({ active: true }));
    const hold = (await holdOf(surgeId))!;
    const max = HoldReleasedSchema.shape.reason.maxLength!;
    const retired = `The requests series of PE was retired by platform/bob: ${'the metric moved to the new exporter; '.repeat(60)}`.slice(0, max);
    await publisher.publish(cleared(surgeId, 'PE', '2026-12-07T12:00:00Z', retired, '2026-12-07T11:55:00Z'));
    await expectEventually(async () => expect((await holdOf(surgeId))?.releaseDueAt).toBe('2026-12-07T12:30:00.000Z'));
    expect((await trail(hold.id)).find((entry) => entry.action === 'cleared')).toMatchObject({ reason: retired });

    clock.set('2026-12-07T12:31:00Z');
    // With it, the declaration's hold placed above, its until and cool-down passed long since.
    expect(await sweep.sweep()).toMatchObject({ released: 2, failed: [] });
    expect(await holdOf(surgeId)).toMatchObject({ active: false });
    const reason = (await released(hold.id)).reason as string;
    expect(reason).toHaveLength(max);
    expect(reason).toMatch(/^The surge cleared at 12:00 UTC on Mon 7 Dec 2026 \(The requests series of PE was retired by platform\/bob: the metric moved .*…\) and the cool-down passed$/);
  });

  it('says who cancelled a declaration, in the wording of a cancelled one', async () => {
    clock.set('2026-12-07T10:00:00Z');
    const surgeId = uuidv7();
    await publisher.publish(started(surgeId, 'CL', 'declaration', { startedAt: '2026-12-07T10:00:00Z', detectedAt: '2026-12-07T10:00:00Z', expectedEndAt: '2026-12-07T14:00:00Z', reason: 'Election in CL' }));
    await expectEventually(async () => expect(await holdOf(surgeId)).toMatchObject({ active: true }));
    const hold = (await holdOf(surgeId))!;
    const cancelled = 'Declaration cancelled by platform/alice: Election in CL';
    clock.set('2026-12-07T11:00:00Z');
    await publisher.publish(cleared(surgeId, 'CL', '2026-12-07T11:00:00Z', cancelled, '2026-12-07T10:00:00Z'));
    await expectEventually(async () => expect((await holdOf(surgeId))?.releaseDueAt).toBe('2026-12-07T11:30:00.000Z'));
    clock.set('2026-12-07T11:31:00Z');
    await sweep.sweep();
    expect((await released(hold.id)).reason).toBe(
      `The declared critical period was cancelled at 11:00 UTC on Mon 7 Dec 2026 (${cancelled}), before its end at 14:00 UTC on Mon 7 Dec 2026, and the cool-down passed`,
    );
  });
});
