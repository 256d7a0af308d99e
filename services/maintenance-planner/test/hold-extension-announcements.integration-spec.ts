import { createEvent, type HoldfastEvent } from '@holdfast/contracts';
import type { EventPublisher } from '@holdfast/messaging';
import { expectEventually, ManualClock, type TopicRecorder } from '@holdfast/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf, plannerApi, type PlannerWithReaders, startPlannerWithReaders } from './support/planner-with-readers';

const clock = new ManualClock('2026-12-11T06:00:00Z');

/** An Alertmanager alert's surge as the analyzer states it: no end until the alert resolves. */
function alerted(type: 'surge.started' | 'surge.updated', surgeId: string, change: { severity: string; reason: string; expectedEndAt?: string }): HoldfastEvent {
  return createEvent(
    type,
    { surgeId, region: 'EC', source: 'alert', startedAt: '2026-12-11T06:00:00Z', detectedAt: '2026-12-11T06:00:00Z', ...change } as never,
    { source: 'hold-extension-spec', subject: 'EC' },
  );
}

describe('maintenance-planner: hold.placed extended is sent when a surge.updated moves the hold end or raises its severity', () => {
  let planner: PlannerWithReaders;
  let publisher: EventPublisher;
  let holdEvents: TopicRecorder;

  const api = plannerApi(() => planner.service);

  beforeAll(async () => {
    planner = await startPlannerWithReaders(clock, 'hold-extension');
    ({ publisher, holdEvents } = planner);
  });

  afterAll(() => planner?.close());

  it('tells a severity rise with the current reason, and nothing for an update that changes neither end nor severity', async () => {
    const surgeId = uuidv7();
    await publisher.publish(alerted('surge.started', surgeId, { severity: 'major', reason: 'HighLatency firing (warning)' }));
    const placed = await expectEventually(() => {
      const event = eventsOf(holdEvents, 'hold.placed').find((candidate) => candidate.causeId === surgeId);
      expect(event).toBeDefined();
      return event!;
    });
    const extensions = () => eventsOf(holdEvents, 'hold.placed').filter((event) => event.holdId === placed.holdId && event.extended);

    await publisher.publish(alerted('surge.updated', surgeId, { severity: 'critical', reason: 'HighLatency firing (critical)' }));
    await expectEventually(() => expect(extensions()).toHaveLength(1));
    expect(extensions()[0]).toMatchObject({ severity: 'critical', until: null, reason: 'Surge in EC: HighLatency firing (critical)' });
    expect((await api('GET', `/v1/holds/${placed.holdId}`)).body.reason).toBe('Surge in EC: HighLatency firing (critical)');

    // Neither end nor severity changed, then a severity that fell: the hold takes the reason, nobody is told again.
    await publisher.publish(alerted('surge.updated', surgeId, { severity: 'critical', reason: 'HighLatency firing (critical), 2 alerts' }));
    await publisher.publish(alerted('surge.updated', surgeId, { severity: 'major', reason: 'HighLatency firing (warning), 2 alerts' }));
    // An end set: told, after the two before it (one region's events are handled in order).
    await publisher.publish(alerted('surge.updated', surgeId, { severity: 'major', reason: 'HighLatency firing until noon', expectedEndAt: '2026-12-11T12:00:00Z' }));
    await expectEventually(() => expect(extensions()).toHaveLength(2));
    expect(extensions()[1]).toMatchObject({ severity: 'major', until: '2026-12-11T12:00:00.000Z', reason: 'Surge in EC: HighLatency firing until noon' });
    expect(eventsOf(holdEvents, 'hold.placed').filter((event) => event.holdId === placed.holdId)).toHaveLength(3);
    // The trail has an extension only where something moved, saying what: not the update that changed neither end nor severity.
    const trail = (await api('GET', `/v1/audit?subject=${placed.holdId}`)).body.items as { action: string; actor: string; details: Record<string, unknown> }[];
    expect(trail.filter((entry) => entry.action === 'extended')).toEqual([
      expect.objectContaining({ actor: `surge:${surgeId}`, details: { until: null, moved: { severity: { from: 'major', to: 'critical' } } } }),
      expect.objectContaining({ details: { until: null, moved: { severity: { from: 'critical', to: 'major' } } } }),
      expect.objectContaining({ details: { until: '2026-12-11T12:00:00.000Z', moved: { until: { from: null, to: '2026-12-11T12:00:00.000Z' } } } }),
    ]);
  });
});
